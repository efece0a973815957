"""Review items raised by feedback, and an expert's verdict on them.

Every citation flag and every correction of an applied feedback is an item. Items are computed
from the stored feedback (nothing extra is stored until an expert decides), and an item is
decided once a ``feedback_review`` decision names it (undoing that decision reopens it).

Only experts (and admins) decide. Accepting a ``wrong_path`` or ``untrustworthy_source`` flag
rejects the facts the expert picks from the flagged path; accepting ``outdated`` ends their
validity (``valid_to``); accepting a correction records that it was taken into account (the
expert changes facts through :class:`~kag.curation.Curator`). Dismissing changes no fact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from graph_schema import Status
from graph_schema.properties import FeedbackRecord
from kag.curation import operations
from kag.curation.changes import ChangeSet
from kag.curation.decider import Outcome, Step
from kag.curation.models import FEEDBACK_REVIEW, Actor
from kag.engine.answer import Answer
from kag.errors import Conflict, InvalidInput
from kag.feedback.applying import citation_facts
from kag.feedback.models import FeedbackReviewItem, ReviewVerdict


def item_id(feedback_id: str, key: str) -> str:
    """A review item's id: the feedback's hex and the citation id (or ``correction``)."""
    return f"fr_{feedback_id.removeprefix('fbk_')}_{key}"


def items_of(
    feedback: FeedbackRecord, answer: Answer, decided: set[str], titles: dict[str, str]
) -> list[FeedbackReviewItem]:
    """The review items one feedback raises."""
    by_id = {c.id: c for c in answer.citations}
    common: dict[str, Any] = {
        "feedback_id": feedback.id,
        "answer_id": answer.id,
        "question": answer.question,
        "actor": feedback.actor,
        "role": feedback.role,
        "created_at": feedback.created_at,
    }
    out = []
    for flag in feedback.citation_flags:
        facts = tuple(citation_facts(by_id[flag.citation_id])) if flag.citation_id in by_id else ()
        iid = item_id(feedback.id, flag.citation_id)
        out.append(
            FeedbackReviewItem(
                id=iid,
                kind=flag.flag,
                fact_ids=facts,
                fact_titles=tuple(titles.get(f, f) for f in facts),
                note=flag.note,
                decided=iid in decided,
                **common,
            )
        )
    if feedback.correction:
        iid = item_id(feedback.id, "correction")
        out.append(
            FeedbackReviewItem(
                id=iid,
                kind="correction",
                note=feedback.correction,
                decided=iid in decided,
                **common,
            )
        )
    return out


def require_expert(actor: Actor, what: str) -> None:
    """Refuse anyone but an expert or admin (the memory-poisoning guard).

    Raises:
        InvalidInput: naming the role and what it may not do.
    """
    if actor.role not in ("expert", "admin"):
        raise InvalidInput(
            f"{actor.name} ({actor.role}) cannot {what}: only an expert decides what feedback "
            "changes in the graph; the feedback stays in the review queue"
        )


def _chosen(item: FeedbackReviewItem, fact_ids: Sequence[str] | None) -> list[str]:
    if fact_ids is None:
        return list(item.fact_ids)
    unknown = sorted(set(fact_ids) - set(item.fact_ids))
    if unknown:
        raise InvalidInput(
            f"{', '.join(unknown)} not on the flagged path of {item.id}; "
            f"its facts: {', '.join(item.fact_ids) or 'none'}"
        )
    return list(dict.fromkeys(fact_ids))


def today() -> str:
    """Today's date (UTC) as ``YYYY-MM-DD``: the default end of an outdated fact's validity."""
    return datetime.now(UTC).strftime("%Y-%m-%d")


def review_steps(
    item: FeedbackReviewItem,
    verdict: ReviewVerdict,
    fact_ids: Sequence[str] | None,
    valid_to: str | None,
) -> list[Step]:
    """The decision steps of an expert's verdict on an item."""
    if item.decided:
        raise Conflict(f"{item.id} was decided already; undo that decision to decide anew")
    steps: list[Step] = []
    if verdict == "accept" and item.kind != "correction":
        for fact in _chosen(item, fact_ids):
            steps.append(_fact_step(item, fact, valid_to or today()))

    def record(cs: ChangeSet) -> Outcome:
        cs.require(item.feedback_id)
        return Outcome(item.feedback_id, FEEDBACK_REVIEW, {}, {"item": item.id, "verdict": verdict})

    return [*steps, record]


def _fact_step(item: FeedbackReviewItem, fact: str, valid_to: str) -> Step:
    def step(cs: ChangeSet) -> Outcome:
        props = cs.node(fact)
        if props is None:
            raise InvalidInput(f"{fact} no longer exists")
        status = props.get("status")
        if status not in (Status.APPROVED.value, Status.PROPOSED.value):
            raise Conflict(f"{fact} is {status}; only live facts can be changed by feedback")
        if item.kind == "outdated":
            cs.update_node(fact, valid_to=valid_to)
            typed = cs.typed_rel(fact)
            if typed is not None:
                cs.update_rel(typed.id, valid_to=valid_to)
            before = {"valid_to": props.get("valid_to")}
            after = {"valid_to": valid_to, "item": item.id}
        else:
            operations.reject(cs, fact)
            before = {"status": status}
            after = {"status": Status.REJECTED.value, "item": item.id}
        return Outcome(fact, FEEDBACK_REVIEW, before, after)

    return step
