"""``kag review ...``: the review queue and expert decisions from the command line.

Every decision names who decides (``--actor`` or ``KAG_ACTOR``) and their role. Bulk decisions
show their preview and apply it only with ``--yes``; every decision can be undone with
``kag review undo <decision or batch id>``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from graph_schema import Layer, Status
from kag.cli.actors import ActorOption, ReasonOption, RoleOption, actor_from
from kag.cli.common import JsonOption, StoreOption, console, opened, run, settings_for
from kag.curation import (
    Actor,
    AssertionEdit,
    BulkRequest,
    BulkResult,
    Curator,
    HistoryFilter,
    PageRequest,
    QueueFilter,
    SplitRequest,
)
from kag.curation.models import ItemKind, Verdict
from kag.errors import InvalidInput

review_app = typer.Typer(
    help="Review what ingestion proposed: the queue, decisions, bulk decisions, undo, history.",
    no_args_is_help=True,
)

ListOption = list[str] | None


def _with_curator(store: str | None, body: Callable[[Curator], None]) -> None:
    settings = settings_for(store)

    def work() -> None:
        with opened(settings) as graph:
            body(Curator(graph, settings.curation))

    run(work)


def _filter(
    kind: list[str] | None,
    layer: list[str] | None,
    type_: list[str] | None,
    document: list[str] | None,
    extractor: list[str] | None,
    min_confidence: float | None,
    max_confidence: float | None,
    status: list[str] | None,
    entity: str | None,
    text: str | None,
) -> QueueFilter:
    kinds: dict[str, ItemKind] = {
        "assertion": "assertion",
        "entity": "entity",
        "merge_candidate": "merge_candidate",
        "contradiction": "contradiction",
    }
    bad = [k for k in kind or [] if k not in kinds]
    if bad:
        raise InvalidInput(f"unknown item kind {bad[0]!r}; kinds: {', '.join(kinds)}")
    try:
        layers = tuple(Layer(x) for x in layer) if layer else None
        statuses = tuple(Status(x) for x in status) if status else (Status.PROPOSED,)
    except ValueError as exc:
        raise InvalidInput(
            f"{exc}; layers: {', '.join(Layer)}; statuses: {', '.join(Status)}"
        ) from None
    return QueueFilter(
        kinds=tuple(kinds[k] for k in kind) if kind else None,
        layers=layers,
        types=tuple(type_) if type_ else None,
        documents=tuple(document) if document else None,
        extractors=tuple(extractor) if extractor else None,
        min_confidence=min_confidence,
        max_confidence=max_confidence,
        statuses=statuses,
        entity_id=entity,
        text=text,
    )


def _print_result(result: BulkResult, as_json: bool) -> None:
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    for d in result.decisions:
        console.print(f"{d.id}  {d.action:<10} {d.target_id}  by {d.actor} ({d.role})")
    for s in result.skipped:
        console.print(f"[yellow]skipped[/] {escape(s)}")
    if result.batch_id:
        console.print(f"batch {result.batch_id}: undo with `kag review undo {result.batch_id}`")


@review_app.command("list")
def review_list(
    kind: Annotated[ListOption, typer.Option("--kind", help="assertion, entity, ...")] = None,
    layer: Annotated[ListOption, typer.Option("--layer", help="Wisdom, Knowledge, ...")] = None,
    type_: Annotated[ListOption, typer.Option("--type", help="Predicate, metric...")] = None,
    document: Annotated[ListOption, typer.Option("--document", help="Source or id.")] = None,
    extractor: Annotated[ListOption, typer.Option("--extractor", help="nlp, llm...")] = None,
    min_confidence: Annotated[float | None, typer.Option("--min-confidence")] = None,
    max_confidence: Annotated[float | None, typer.Option("--max-confidence")] = None,
    status: Annotated[ListOption, typer.Option("--status", help="Default: proposed.")] = None,
    entity: Annotated[str | None, typer.Option("--entity", help="Items about it.")] = None,
    text: Annotated[str | None, typer.Option("--text", help="Title contains.")] = None,
    offset: Annotated[int, typer.Option("--offset")] = 0,
    limit: Annotated[int, typer.Option("--limit")] = 20,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the review queue, highest impact first."""

    def body(curator: Curator) -> None:
        wanted = _filter(
            kind, layer, type_, document, extractor, min_confidence, max_confidence, status,
            entity, text,
        )  # fmt: skip
        page = curator.queue(wanted, PageRequest(offset=offset, limit=limit))
        if as_json:
            typer.echo(page.model_dump_json(indent=2))
            return
        table = Table(title_justify="left")
        table.add_column("id", no_wrap=True, min_width=24)  # ids are copied into commands
        for column in ("kind", "type", "impact", "conf", "title"):
            table.add_column(column)
        for i in page.items:
            conf = f"{i.confidence:.2f}" if i.confidence is not None else ""
            table.add_row(i.id, i.kind, i.type, f"{i.impact:g}", conf, escape(i.title))
        console.print(table)
        console.print(f"{len(page.items)} of {page.total} (offset {page.offset})")

    _with_curator(store, body)


@review_app.command("show")
def review_show(
    item_id: Annotated[str, typer.Argument(help="A queue item id.")],
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one item, where it was read (evidence spans) and its decisions."""

    def body(curator: Curator) -> None:
        item = curator.item(item_id)
        spans = curator.evidence(item_id)
        history = curator.history(HistoryFilter(target_id=item_id))
        if as_json:
            data = {
                "item": item.model_dump(mode="json"),
                "evidence": [s.model_dump(mode="json") for s in spans],
                "decisions": [d.model_dump(mode="json") for d in history.items],
            }
            typer.echo(json.dumps(data, indent=2))
            return
        console.print(f"[bold]{escape(item.title)}[/]  {item.id} ({item.kind}, {item.type})")
        console.print(f"impact {item.impact:g}: {item.impact_detail.model_dump()}")
        if item.proposal:
            console.print(f"proposal: {item.proposal} ({escape(item.reason or '')})")
        for s in spans:
            console.print(f"  {s.document_source} [{s.start}:{s.end}] {escape(s.quote)!r}")
        for d in history.items:
            console.print(f"  {d.created_at} {d.action} by {d.actor}: {escape(d.reason or '')}")

    _with_curator(store, body)


def _decide(store: str | None, as_json: bool, decide: Callable[[Curator], BulkResult]) -> None:
    _with_curator(store, lambda curator: _print_result(decide(curator), as_json))


@review_app.command("approve")
def review_approve(
    item_id: str,
    actor: ActorOption = None,
    role: RoleOption = "expert",
    reason: ReasonOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve an item (a merge candidate: merge; a contradiction: apply its proposal)."""
    who = run(lambda: actor_from(actor, role))
    _decide(store, as_json, lambda c: c.approve(item_id, who, reason))


@review_app.command("reject")
def review_reject(
    item_id: str,
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")],
    actor: ActorOption = None,
    role: RoleOption = "expert",
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject an item: it is never proposed again (a merge candidate: keep apart)."""
    who = run(lambda: actor_from(actor, role))
    _decide(store, as_json, lambda c: c.reject(item_id, who, reason))


@review_app.command("edit")
def review_edit(
    item_id: str,
    subject: Annotated[str | None, typer.Option("--subject", help="Entity id.")] = None,
    predicate: Annotated[str | None, typer.Option("--predicate")] = None,
    object_: Annotated[str | None, typer.Option("--object", help="Entity id.")] = None,
    metric: Annotated[str | None, typer.Option("--metric")] = None,
    value: Annotated[float | None, typer.Option("--value")] = None,
    unit: Annotated[str | None, typer.Option("--unit")] = None,
    period: Annotated[str | None, typer.Option("--period")] = None,
    layer: Annotated[str | None, typer.Option("--layer")] = None,
    text: Annotated[str | None, typer.Option("--text")] = None,
    actor: ActorOption = None,
    role: RoleOption = "expert",
    reason: ReasonOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Correct an assertion; the original is kept (superseded) for the audit."""

    def make() -> tuple[Actor, AssertionEdit]:
        try:
            change = AssertionEdit(
                subject_id=subject, predicate=predicate, object_id=object_, metric=metric,
                value=value, unit=unit, period=period, text=text,
                layer=Layer(layer) if layer else None,
            )  # fmt: skip
        except ValueError as exc:
            raise InvalidInput(f"bad edit of {item_id}: {exc}") from None
        return actor_from(actor, role), change

    who, change = run(make)
    _decide(store, as_json, lambda c: c.edit(item_id, change, who, reason))


@review_app.command("merge")
def review_merge(
    entity_id: str,
    into: Annotated[str, typer.Option("--into", help="The entity to keep.")],
    actor: ActorOption = None,
    role: RoleOption = "expert",
    reason: ReasonOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Merge an entity into another (aliases, facts, mentions and provenance kept)."""
    who = run(lambda: actor_from(actor, role))
    _decide(store, as_json, lambda c: c.merge(entity_id, into, who, reason))


@review_app.command("split")
def review_split(
    entity_id: str,
    name: Annotated[list[str], typer.Option("--name", help="A name to split off.")],
    into: Annotated[str | None, typer.Option("--into", help="Existing entity id.")] = None,
    actor: ActorOption = None,
    role: RoleOption = "expert",
    reason: ReasonOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Split names (and the facts read under them) off a wrongly merged entity."""
    who = run(lambda: actor_from(actor, role))
    request = SplitRequest(names=tuple(name), into=into)
    _decide(store, as_json, lambda c: c.split(entity_id, request, who, reason))


@review_app.command("bulk")
def review_bulk(
    verdict: Annotated[str, typer.Argument(help="approve or reject.")],
    kind: Annotated[ListOption, typer.Option("--kind")] = None,
    layer: Annotated[ListOption, typer.Option("--layer")] = None,
    type_: Annotated[ListOption, typer.Option("--type")] = None,
    document: Annotated[ListOption, typer.Option("--document")] = None,
    extractor: Annotated[ListOption, typer.Option("--extractor")] = None,
    min_confidence: Annotated[float | None, typer.Option("--min-confidence")] = None,
    max_confidence: Annotated[float | None, typer.Option("--max-confidence")] = None,
    entity: Annotated[str | None, typer.Option("--entity")] = None,
    text: Annotated[str | None, typer.Option("--text")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Apply (default: preview only).")] = False,
    actor: ActorOption = None,
    role: RoleOption = "expert",
    reason: ReasonOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Decide every queue item a filter selects: shows exactly what it touches; --yes applies."""

    def make() -> tuple[Actor, BulkRequest]:
        verdicts: dict[str, Verdict] = {"approve": "approve", "reject": "reject"}
        if verdict not in verdicts:
            raise InvalidInput(f"unknown verdict {verdict!r}; use approve or reject")
        wanted = _filter(
            kind, layer, type_, document, extractor, min_confidence, max_confidence, None,
            entity, text,
        )  # fmt: skip
        try:
            request = BulkRequest(filter=wanted, verdict=verdicts[verdict], reason=reason)
        except ValueError as exc:
            raise InvalidInput(f"bad bulk decision: {exc}") from None
        return actor_from(actor, role), request

    who, request = run(make)

    def body(curator: Curator) -> None:
        preview = curator.preview_bulk(request)
        if not yes:
            if as_json:
                typer.echo(preview.model_dump_json(indent=2))
                return
            for t in preview.targets:
                console.print(f"{t.item_id}  {t.action:<10} {escape(t.title)}")
            for s in preview.skipped:
                console.print(f"[yellow]skipped[/] {escape(s)}")
            console.print(
                f"would decide {len(preview.targets)} items, changing {preview.nodes} nodes and "
                f"{preview.relationships} relationships; run again with --yes to apply"
            )
            return
        _print_result(curator.apply_bulk(request, who, preview.token), as_json)

    _with_curator(store, body)


@review_app.command("undo")
def review_undo(
    decision_id: Annotated[str, typer.Argument(help="A decision (dec_...) or batch (bat_...).")],
    actor: ActorOption = None,
    role: RoleOption = "expert",
    reason: ReasonOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Undo a decision or a whole batch, restoring exactly what it changed."""
    who = run(lambda: actor_from(actor, role))
    _decide(store, as_json, lambda c: c.undo(decision_id, who, reason))


@review_app.command("history")
def review_history(
    target: Annotated[str | None, typer.Option("--target", help="Decisions on it.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Decisions by this actor.")] = None,
    batch: Annotated[str | None, typer.Option("--batch")] = None,
    offset: Annotated[int, typer.Option("--offset")] = 0,
    limit: Annotated[int, typer.Option("--limit")] = 20,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The audit trail: decisions, newest first (who, role, when, before, after, reason)."""

    def body(curator: Curator) -> None:
        wanted = HistoryFilter(target_id=target, actor=by, batch_id=batch)
        page = curator.history(wanted, PageRequest(offset=offset, limit=limit))
        if as_json:
            typer.echo(page.model_dump_json(indent=2))
            return
        table = Table("when")
        table.add_column("id", no_wrap=True, min_width=24)
        for column in ("action", "target", "by", "role", "reason", "undone"):
            table.add_column(column)
        for d in page.items:
            table.add_row(
                d.created_at, d.id, d.action, d.target_id, d.actor, d.role,
                escape(d.reason or ""), "yes" if d.undone else "",
            )  # fmt: skip
        console.print(table)
        console.print(f"{len(page.items)} of {page.total}")

    _with_curator(store, body)


def register(app: typer.Typer) -> None:
    """Add ``kag review ...`` to the CLI."""
    app.add_typer(review_app, name="review")
