"""``FeedbackService``: the Python API of learning from feedback (the REST API wraps it).

``submit`` stores a feedback and applies it: Beta updates of the cited facts, an Experience
episode, review items for its flags and correction — one batch of decisions, undoable as a unit
with ``undo``. Experts decide the review items with ``review``; ``precedents`` finds earlier
questions like a new one; ``propose_insights`` turns episodes pointing the same way into
proposed Insights.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import time
from collections.abc import Sequence

from graph_schema import Label, Status, stable_id
from graph_schema.properties import FeedbackRecord
from kag.curation import audit
from kag.curation.changes import ChangeSet
from kag.curation.decider import Decider, Step, StepSpec, new_id
from kag.curation.models import (
    FEEDBACK,
    FEEDBACK_REVIEW,
    Actor,
    BulkResult,
    DecisionView,
    HistoryFilter,
    PageRequest,
    Role,
)
from kag.engine.answer import Answer
from kag.errors import Conflict, InvalidInput, KagError, NotFound
from kag.feedback import applying, insights, reviews
from kag.feedback.models import (
    BeliefChange,
    FeedbackInput,
    FeedbackResult,
    FeedbackReviewItem,
    InsightProposal,
    Precedent,
    ReviewOutcome,
    ReviewVerdict,
)
from kag.feedback.recall import precedents
from kag.settings import FeedbackSettings
from kag.store import GraphStore, NodeView

logger = logging.getLogger(__name__)

#: Attempts at applying a feedback when a concurrent decision changed the same facts.
_ATTEMPTS = 8


class FeedbackService:
    """Feedback on answers, applied to a graph store (either backend).

    Args:
        store: the graph store.
        settings: weights, cap and thresholds (``KAG_FEEDBACK__*``); defaults when ``None``.
    """

    def __init__(self, store: GraphStore, settings: FeedbackSettings | None = None) -> None:
        self.store = store
        self.settings = settings or FeedbackSettings()
        self._decider = Decider(store)

    # -- giving feedback ---------------------------------------------------------------------
    def _answer(self, answer_id: str) -> Answer:
        return Answer.model_validate_json(self.store.get_answer(answer_id).payload)

    def submit(self, feedback: FeedbackInput, *, actor_id: str | None = None) -> FeedbackResult:
        """Store a feedback and apply it.

        Raises:
            NotFound: no such answer.
            InvalidInput: a flag names a citation the answer does not have, or the actor is a
                pruning rule.
        """
        if feedback.actor.role == "rule":
            raise InvalidInput("feedback comes from people (analyst, expert, admin), not rules")
        answer = self._answer(feedback.answer_id)
        known = {c.id for c in answer.citations}
        unknown = sorted({f.citation_id for f in feedback.citation_flags} - known)
        if unknown:
            raise InvalidInput(
                f"answer {answer.id} has no citation {', '.join(unknown)}; its citations: "
                f"{', '.join(sorted(known)) or 'none'}"
            )
        record = FeedbackRecord(
            id=stable_id(Label.FEEDBACK, answer.id, feedback.actor.name, secrets.token_hex(16)),
            answer_id=answer.id,
            verdict=feedback.verdict,
            correction=feedback.correction,
            citation_flags=feedback.citation_flags,
            actor=feedback.actor.name,
            actor_id=actor_id,
            role=feedback.actor.role,
        )
        self.store.record_feedback(record)
        try:
            return self._apply(record, answer)
        except KagError as exc:
            # The feedback itself is kept (nothing of it is lost); its effects were not written.
            raise type(exc)(
                f"feedback {record.id} was stored but not applied: {exc.message}; apply it "
                f"again with POST /v1/feedback/{record.id}/apply (FeedbackService.apply)",
                **exc.details,
            ) from exc

    def apply(self, feedback_id: str) -> FeedbackResult:
        """Apply a stored feedback that was not applied yet (e.g. stored by an older API).

        Raises:
            NotFound: no such feedback.
            Conflict: it was applied already.
        """
        record = self.feedback(feedback_id)
        if record.applied:
            raise Conflict(f"feedback {feedback_id} was applied already; undo it first")
        return self._apply(record, self._answer(record.answer_id))

    def _apply(self, record: FeedbackRecord, answer: Answer) -> FeedbackResult:
        for attempt in range(_ATTEMPTS):
            try:
                return self._apply_once(record, answer)
            except Conflict:
                # Another decision changed a cited fact between our read and our write: the
                # plan is recomputed from a fresh read.
                if attempt == _ATTEMPTS - 1:
                    raise
                logger.debug("feedback %s raced another decision; retrying", record.id)
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # spread the retries
        raise AssertionError("unreachable")  # pragma: no cover

    def _apply_once(self, record: FeedbackRecord, answer: Answer) -> FeedbackResult:
        actor = Actor(name=record.actor, role=_role(record.role))
        changes: list[BeliefChange] = []
        batch = new_id("batch")
        wanted = applying.pushes(answer, record, self.settings)
        steps: list[Step] = [
            applying.belief_step(p, record, self.settings, changes)
            for p in applying.live_pushes(ChangeSet(self.store), wanted)
        ]
        steps.append(applying.episode_step(answer, record))
        specs = [StepSpec(s, actor, reason=f"feedback {record.id}") for s in steps]
        planned = self._decider.plan(specs, batch_id=batch)
        decisions = self._decider.commit(planned)
        logger.debug(
            "applied feedback %s: %d belief update(s)",
            record.id,
            len(changes),
            extra={"feedback_id": record.id, "batch_id": batch},
        )
        applied = record.model_copy(update={"applied": True})
        return FeedbackResult(
            feedback_id=record.id,
            batch_id=batch,
            experience_id=applying.episode_id(record.id),
            beliefs=tuple(changes),
            review_items=tuple(reviews.items_of(applied, answer, set(), self._titles(answer))),
            decisions=tuple(decisions),
        )

    def feedback(self, feedback_id: str) -> FeedbackRecord:
        """A stored feedback.

        Raises:
            NotFound: no feedback has this id.
        """
        nodes = [n for n in self.store.get_nodes([feedback_id]) if n.label is Label.FEEDBACK]
        if not nodes:
            raise NotFound(f"no feedback {feedback_id!r}; feedback ids start with 'fbk_'")
        return FeedbackRecord.from_props(dict(nodes[0].props))

    # -- undo --------------------------------------------------------------------------------
    def batch_of(self, feedback_id: str) -> str:
        """The batch of decisions that applied a feedback (and is not undone).

        Raises:
            NotFound: the feedback is not applied.
        """
        for node in self.store.list_decisions([FEEDBACK]):
            props = node.props
            if props.get("target_id") == feedback_id and not props.get("undone"):
                return str(props["batch_id"])
        raise NotFound(f"feedback {feedback_id} is not applied (or its effects were undone)")

    def undo(self, feedback_id: str, actor: Actor, reason: str | None = None) -> BulkResult:
        """Undo every effect of a feedback as a unit (beliefs, episode, applied flag).

        The one who gave it, or an expert or admin, may undo it.

        Raises:
            InvalidInput: someone else's feedback and not an expert.
            Conflict: later decisions changed the same facts; undo those first.
        """
        record = self.feedback(feedback_id)
        if actor.name != record.actor:
            reviews.require_expert(actor, f"undo {record.actor}'s feedback")
        return audit.undo(self.store, self._decider, self.batch_of(feedback_id), actor, reason)

    # -- review items ------------------------------------------------------------------------
    def _titles(self, answer: Answer) -> dict[str, str]:
        titles: dict[str, str] = {}
        for c in answer.citations:
            for node in c.nodes:
                titles[node.id] = node.text or node.name
            for rel in c.relationships:
                names = {n.id: n.name for n in c.nodes}
                titles.setdefault(
                    rel.id, f"{names.get(rel.source_id)} {rel.type} {names.get(rel.target_id)}"
                )
        return titles

    def _decided(self) -> set[str]:
        done: set[str] = set()
        for node in self.store.list_decisions([FEEDBACK_REVIEW]):
            if node.props.get("undone"):
                continue
            after = json.loads(str(node.props.get("after") or "{}"))
            if isinstance(after, dict) and after.get("item"):
                done.add(str(after["item"]))
        return done

    def review_items(self, *, pending_only: bool = True) -> list[FeedbackReviewItem]:
        """Review items of applied feedback, oldest first (pending ones only by default)."""
        decided = self._decided()
        out: list[FeedbackReviewItem] = []
        answers: dict[str, Answer] = {}
        for record in self.store.list_all_feedback():
            if not record.applied:
                continue
            if record.answer_id not in answers:
                answers[record.answer_id] = self._answer(record.answer_id)
            answer = answers[record.answer_id]
            out += reviews.items_of(record, answer, decided, self._titles(answer))
        return [i for i in out if not (pending_only and i.decided)]

    def review_item(self, item_id: str) -> FeedbackReviewItem:
        """One review item, decided or not.

        Raises:
            NotFound: no such item.
        """
        for item in self.review_items(pending_only=False):
            if item.id == item_id:
                return item
        raise NotFound(f"no feedback review item {item_id!r}; list the feedback review items")

    def review(
        self,
        item_id: str,
        verdict: ReviewVerdict,
        actor: Actor,
        *,
        fact_ids: Sequence[str] | None = None,
        valid_to: str | None = None,
        reason: str | None = None,
    ) -> ReviewOutcome:
        """An expert's verdict on a review item (see :mod:`kag.feedback.reviews`).

        Args:
            item_id: the item.
            verdict: ``accept`` or ``dismiss``.
            actor: the expert.
            fact_ids: the facts of the flagged path to act on (default: all of them).
            valid_to: for ``outdated``: the end of validity (default: today).
            reason: why.

        Raises:
            InvalidInput: the actor is not an expert or admin; a fact is not on the path.
            Conflict: decided already, or a fact is no longer live.
        """
        reviews.require_expert(actor, "decide feedback review items")
        item = self.review_item(item_id)
        steps = reviews.review_steps(item, verdict, fact_ids, valid_to)
        batch = new_id("batch")
        specs = [StepSpec(s, actor, reason=reason) for s in steps]
        decisions = self._decider.commit(self._decider.plan(specs, batch_id=batch))
        return ReviewOutcome(
            item=item.model_copy(update={"decided": True}),
            verdict=verdict,
            batch_id=batch,
            decisions=tuple(decisions),
        )

    # -- experiences, precedents, insights ---------------------------------------------------
    def experiences(self, statuses: Sequence[Status] | None = None) -> list[NodeView]:
        """Experience episodes recorded from feedback, ordered by id."""
        wanted = list(statuses or (Status.PROPOSED, Status.APPROVED))
        return [
            n
            for n in self.store.list_statements([Label.EXPERIENCE], wanted)
            if n.props.get("source") == applying.EPISODE_SOURCE
        ]

    def precedents(self, question: str) -> list[Precedent]:
        """Earlier questions like this one and how their answers were judged."""
        return precedents(self.store, question, self.settings)

    def propose_insights(self, actor: Actor) -> list[InsightProposal]:
        """Propose an Insight for every fact that several episodes judged wrong (for review)."""
        reviews.require_expert(actor, "propose insights")
        return insights.propose(self.store, self._decider, self.experiences(), actor, self.settings)

    def insight_proposals(self) -> list[InsightProposal]:
        """Insights proposed from feedback and not decided yet."""
        return insights.pending(self.store)

    def decisions(self, feedback_id: str) -> list[DecisionView]:
        """Every decision that applied a feedback (its audit), newest first."""
        wanted = HistoryFilter(batch_id=self.batch_of(feedback_id))
        return list(audit.history(self.store, wanted, PageRequest(limit=1000)).items)


_ROLES: dict[str, Role] = {"expert": "expert", "analyst": "analyst", "admin": "admin"}


def _role(role: str) -> Role:
    if role in _ROLES:
        return _ROLES[role]
    raise InvalidInput(f"feedback role {role!r} is not analyst, expert or admin")
