"""``kag prune``: the pruning rules' proposals (dry run) and applying them; ``kag analytics``:
hubs, isolated entities and clusters without Wisdom in the approved graph.

Rules only propose. ``--apply`` records each applied proposal as a decision attributed to its
rule (actor ``rule:<name>``, role ``rule``), undoable with ``kag review undo``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from kag.cli.common import JsonOption, StoreOption, console, opened, run, settings_for
from kag.curation.analytics import analyse
from kag.curation.pruning import Pruner
from kag.errors import InvalidInput


def prune(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what each rule would do (the default).")
    ] = False,
    apply: Annotated[bool, typer.Option("--apply", help="Apply the proposals.")] = False,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="Only this rule (repeatable).")
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Only this proposal id (repeatable).")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Recorded with each.")] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the pruning rules: --dry-run shows their proposals, --apply records them."""
    settings = settings_for(store)

    def work() -> None:
        if dry_run and apply:
            raise InvalidInput("choose one of --dry-run and --apply")
        with opened(settings) as graph:
            pruner = Pruner(graph, settings.curation)
            if not apply:
                report = pruner.dry_run(rule)
                if as_json:
                    typer.echo(report.model_dump_json(indent=2))
                    return
                for r in report.rules:
                    console.print(f"[bold]{r.rule}[/]: {len(r.proposals)} ({r.description})")
                    for p in r.proposals:
                        console.print(f"  {p.id}  {p.action:<7} {escape(p.title)}")
                console.print("nothing changed; apply with `kag prune --apply [--rule R]`")
                return
            result = pruner.apply(only, rules=rule, reason=reason)
            if as_json:
                typer.echo(result.model_dump_json(indent=2))
                return
            for d in result.decisions:
                console.print(f"{d.id}  {d.action:<7} {d.target_id}  by {d.actor}")
            for s in result.skipped:
                console.print(f"[yellow]skipped[/] {escape(s)}")
            console.print(f"{len(result.decisions)} decisions")
            if result.batch_id:
                console.print(f"undo them with `kag review undo {result.batch_id}`")

    run(work)


def analytics(
    top: Annotated[int, typer.Option("--top", help="How many hubs.")] = 10,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hubs, isolated entities and clusters without Wisdom in the approved graph."""
    settings = settings_for(store)

    def work() -> None:
        with opened(settings) as graph:
            report = analyse(graph, top=top)
        if as_json:
            typer.echo(report.model_dump_json(indent=2))
            return
        console.print(f"approved graph: {report.nodes} nodes, {report.relationships} relationships")
        for h in report.hubs:
            console.print(f"hub {escape(h.name)}: degree {h.degree}, betweenness {h.betweenness}")
        console.print(f"isolated entities: {len(report.isolated)}")
        console.print(f"clusters: {len(report.clusters)}, communities: {len(report.communities)}")
        for c in report.clusters_without_wisdom:
            console.print(f"no wisdom attached: {escape(', '.join(c.entity_names[:6]))}")

    run(work)


def register(app: typer.Typer) -> None:
    """Add ``kag prune`` and ``kag analytics`` to the CLI."""
    app.command("prune")(prune)
    app.command("analytics")(analytics)
