"""``kag feedback ...``: the review items feedback raised, episodes, insights, and undo.

Giving feedback happens where answers are read (the REST API, or ``FeedbackService.submit``);
these commands are for the experts who decide what it changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kag.cli.actors import ActorOption, ReasonOption, RoleOption, actor_from
from kag.cli.common import JsonOption, StoreOption, console, opened, run, settings_for
from kag.errors import InvalidInput
from kag.feedback import FeedbackService
from kag.feedback.models import ReviewVerdict

feedback_app = typer.Typer(
    help="Decide what feedback on answers changes: review items, episodes, insights, undo.",
    no_args_is_help=True,
)


def _with_service(store: str | None, body: Callable[[FeedbackService], None]) -> None:
    settings = settings_for(store)

    def work() -> None:
        with opened(settings) as graph:
            body(FeedbackService(graph, settings.feedback))

    run(work)


@feedback_app.command("reviews")
def reviews(
    store: StoreOption = None,
    all_items: Annotated[bool, typer.Option("--all", help="Decided items too.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List the review items feedback raised (flags and corrections), oldest first."""

    def body(service: FeedbackService) -> None:
        items = service.review_items(pending_only=not all_items)
        if as_json:
            console.print_json(json.dumps([i.model_dump(mode="json") for i in items]))
            return
        table = Table("item", "kind", "by", "question", "facts / note", "decided")
        for item in items:
            what = "; ".join(item.fact_titles) or (item.note or "")
            table.add_row(
                item.id,
                item.kind,
                f"{item.actor} ({item.role})",
                escape(item.question),
                escape(what),
                "yes" if item.decided else "",
            )
        console.print(table)

    _with_service(store, body)


@feedback_app.command("decide")
def decide(
    item_id: Annotated[str, typer.Argument(help="The review item (fr_...).")],
    verdict: Annotated[str, typer.Argument(help="accept or dismiss.")],
    fact: Annotated[
        list[str] | None, typer.Option("--fact", help="A fact of the flagged path (repeat).")
    ] = None,
    valid_to: Annotated[
        str | None, typer.Option("--valid-to", help="Outdated facts: end of validity.")
    ] = None,
    actor: ActorOption = None,
    role: RoleOption = "expert",
    reason: ReasonOption = None,
    store: StoreOption = None,
) -> None:
    """Decide a review item (experts only): accept rejects the flagged facts or ends an outdated
    one's validity; dismiss changes no fact."""
    verdicts: dict[str, ReviewVerdict] = {"accept": "accept", "dismiss": "dismiss"}

    def body(service: FeedbackService) -> None:
        if verdict not in verdicts:
            raise InvalidInput(f"unknown verdict {verdict!r}; use accept or dismiss")
        outcome = service.review(
            item_id,
            verdicts[verdict],
            actor_from(actor, role),
            fact_ids=fact,
            valid_to=valid_to,
            reason=reason,
        )
        console.print(
            f"{outcome.verdict} {outcome.item.id}: {len(outcome.decisions)} decision(s), "
            f"batch {outcome.batch_id} (undo with `kag review undo {outcome.batch_id}`)"
        )

    _with_service(store, body)


@feedback_app.command("undo")
def undo(
    feedback_id: Annotated[str, typer.Argument(help="The feedback (fbk_...).")],
    actor: ActorOption = None,
    role: RoleOption = "expert",
    reason: ReasonOption = None,
    store: StoreOption = None,
) -> None:
    """Undo every effect of a feedback as a unit (its giver, or an expert)."""

    def body(service: FeedbackService) -> None:
        result = service.undo(feedback_id, actor_from(actor, role), reason)
        console.print(f"undone: {len(result.decisions)} decision(s) reverted")

    _with_service(store, body)


@feedback_app.command("experiences")
def experiences(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Question-and-answer episodes recorded from feedback."""

    def body(service: FeedbackService) -> None:
        nodes = service.experiences()
        if as_json:
            console.print_json(json.dumps([n.model_dump(mode="json") for n in nodes]))
            return
        table = Table("episode", "status", "verdict", "text")
        for node in nodes:
            table.add_row(
                node.id,
                str(node.props.get("status")),
                str(node.props.get("verdict")),
                escape(str(node.props.get("text"))),
            )
        console.print(table)

    _with_service(store, body)


@feedback_app.command("insights")
def insights(
    propose: Annotated[
        bool, typer.Option("--propose", help="Propose new insights first (experts).")
    ] = False,
    actor: ActorOption = None,
    role: RoleOption = "expert",
    store: StoreOption = None,
) -> None:
    """Insights proposed where several wrong-judged answers rest on the same fact."""

    def body(service: FeedbackService) -> None:
        if propose:
            new = service.propose_insights(actor_from(actor, role))
            console.print(f"{len(new)} insight(s) proposed")
        for proposal in service.insight_proposals():
            console.print(
                f"{proposal.insight_id}: {escape(proposal.text)} "
                f"({len(proposal.experience_ids)} episodes)"
            )

    _with_service(store, body)


def register(app: typer.Typer) -> None:
    """Add ``kag feedback ...``."""
    app.add_typer(feedback_app, name="feedback")
