"""Feedback on an answer: helpful or wrong, a correction, flags on citations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status
from fastapi import Path as PathParam

from api.deps import AnalystDep, ExpertDep, RuntimeDep, StoreDep
from api.routes.answers import AnswerIdPath, visible_answer
from api.runtime import Runtime
from api.schemas.feedback import (
    ExperiencePublic,
    FeedbackPublic,
    FeedbackRequest,
    ReviewRequest,
    UndonePublic,
    UndoRequest,
)
from api.schemas.problem import BODY_ERRORS, STORE_ERRORS, problem_responses
from kag.curation.models import Actor
from kag.errors import NotFound
from kag.feedback import FeedbackInput, FeedbackReviewItem, FeedbackService, ReviewOutcome
from kag.feedback.models import InsightProposal
from kag.state import ApiKey, Role
from kag.store import GraphStore

router = APIRouter(prefix="/answers/{answer_id}/feedback", tags=["feedback"])
#: Undo, the review items feedback raises, episodes and insight proposals.
learning = APIRouter(prefix="/feedback", tags=["feedback"])

FeedbackIdPath = Annotated[str, PathParam(pattern=r"^fbk_[0-9a-f]{20}$")]
ItemIdPath = Annotated[str, PathParam(pattern=r"^fr_[0-9a-f]{20}_(c[1-9][0-9]{0,2}|correction)$")]


def _service(runtime: Runtime, store: GraphStore) -> FeedbackService:
    return FeedbackService(store, runtime.settings.feedback)


def _actor(key: ApiKey) -> Actor:
    return Actor(name=key.name, role=key.role.value)


@router.post(
    "",
    summary="Give feedback on an answer",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*STORE_ERRORS, *BODY_ERRORS, 404, 409),
)
def give_feedback(
    key: AnalystDep,
    runtime: RuntimeDep,
    store: StoreDep,
    answer_id: AnswerIdPath,
    body: FeedbackRequest,
) -> FeedbackPublic:
    """Store the feedback with who gave it and in which role, and apply it: Beta updates of the
    facts the answer cited (experts weigh more; one user's weight on a fact is capped), an
    Experience episode, and review items for its flags and correction. It never approves,
    rejects or asserts a fact: experts decide the review items. Undo it with
    ``POST /v1/feedback/{id}/undo``."""
    visible_answer(runtime, store, key, answer_id)
    result = _service(runtime, store).submit(
        FeedbackInput(
            answer_id=answer_id,
            verdict=body.verdict,
            correction=body.correction,
            citation_flags=tuple(body.citation_flags),
            actor=_actor(key),
        ),
        actor_id=key.id,
    )
    record = store.list_feedback(answer_id)
    stored = next(f for f in record if f.id == result.feedback_id)
    return FeedbackPublic.of(stored, result)


@router.get(
    "",
    summary="Feedback on an answer",
    responses=problem_responses(*STORE_ERRORS, 404, 422),
)
def list_feedback(
    key: AnalystDep, runtime: RuntimeDep, store: StoreDep, answer_id: AnswerIdPath
) -> list[FeedbackPublic]:
    """Oldest first; an analyst sees their own feedback, experts and admins everyone's."""
    visible_answer(runtime, store, key, answer_id)
    found = store.list_feedback(answer_id)
    if key.role is Role.ANALYST:
        found = [f for f in found if f.actor_id == key.id]
    return [FeedbackPublic.of(f) for f in found]


@learning.post(
    "/{feedback_id}/undo",
    summary="Undo every effect of a feedback",
    responses=problem_responses(*STORE_ERRORS, *BODY_ERRORS, 404, 409),
)
def undo_feedback(
    key: AnalystDep,
    runtime: RuntimeDep,
    store: StoreDep,
    feedback_id: FeedbackIdPath,
    body: UndoRequest | None = None,
) -> UndonePublic:
    """Restore exactly what applying the feedback changed (beliefs, episode); analysts undo
    their own feedback, experts and admins anyone's. Refused (409) when later decisions changed
    the same facts."""
    service = _service(runtime, store)
    record = service.feedback(feedback_id)
    if key.role is Role.ANALYST and record.actor_id != key.id:
        raise NotFound(f"no feedback {feedback_id!r} was given with this key")
    reason = body.reason if body is not None else None
    result = service.undo(feedback_id, _actor(key), reason)
    return UndonePublic(batch_id=result.batch_id, decisions=list(result.decisions))


@learning.post(
    "/{feedback_id}/apply",
    summary="Apply a stored feedback that was not applied",
    responses=problem_responses(*STORE_ERRORS, 404, 409, 422),
)
def apply_feedback(
    key: AnalystDep, runtime: RuntimeDep, store: StoreDep, feedback_id: FeedbackIdPath
) -> FeedbackPublic:
    """Apply the effects of a feedback stored earlier but not applied (its first application
    failed, or it was undone). Analysts apply their own feedback, experts and admins anyone's."""
    service = _service(runtime, store)
    record = service.feedback(feedback_id)
    if key.role is Role.ANALYST and record.actor_id != key.id:
        raise NotFound(f"no feedback {feedback_id!r} was given with this key")
    result = service.apply(feedback_id)
    return FeedbackPublic.of(record, result)


@learning.get(
    "/reviews",
    summary="Review items raised by feedback",
    responses=problem_responses(*STORE_ERRORS, 422),
)
def review_items(
    key: ExpertDep, runtime: RuntimeDep, store: StoreDep, pending: bool = True
) -> list[FeedbackReviewItem]:
    """Flags and corrections of applied feedback, oldest first (pending ones by default)."""
    return _service(runtime, store).review_items(pending_only=pending)


@learning.post(
    "/reviews/{item_id}",
    summary="Decide a review item raised by feedback",
    responses=problem_responses(*STORE_ERRORS, *BODY_ERRORS, 404, 409),
)
def decide_review_item(
    key: ExpertDep,
    runtime: RuntimeDep,
    store: StoreDep,
    item_id: ItemIdPath,
    body: ReviewRequest,
) -> ReviewOutcome:
    """``accept`` rejects the flagged facts (wrong path, untrustworthy source) or ends their
    validity (outdated); ``dismiss`` changes no fact. Recorded as decisions, undoable."""
    return _service(runtime, store).review(
        item_id,
        body.verdict,
        _actor(key),
        fact_ids=body.fact_ids,
        valid_to=body.valid_to,
        reason=body.reason,
    )


@learning.get(
    "/experiences",
    summary="Experience episodes recorded from feedback",
    responses=problem_responses(*STORE_ERRORS),
)
def experiences(key: AnalystDep, runtime: RuntimeDep, store: StoreDep) -> list[ExperiencePublic]:
    """Question-and-answer episodes with their verdicts, ordered by id; analysts see the
    episodes of their own feedback."""
    out = []
    for node in _service(runtime, store).experiences():
        p = node.props
        if key.role is Role.ANALYST and runtime.owners.asked_by(str(p["answer_id"])) != key.id:
            continue
        out.append(
            ExperiencePublic(
                id=node.id,
                text=str(p.get("text", "")),
                status=str(p.get("status", "")),
                question=str(p.get("question", "")),
                verdict=str(p.get("verdict", "")),
                answer_id=str(p.get("answer_id", "")),
                feedback_id=str(p.get("feedback_id", "")),
                cited_ids=[str(i) for i in p.get("cited_ids") or []],
                created_at=str(p.get("created_at", "")),
            )
        )
    return out


@learning.get(
    "/insights",
    summary="Insights proposed from feedback, waiting for review",
    responses=problem_responses(*STORE_ERRORS),
)
def insight_proposals(
    key: ExpertDep, runtime: RuntimeDep, store: StoreDep
) -> list[InsightProposal]:
    """Proposed insights (decide them in the curation queue like any proposal)."""
    return _service(runtime, store).insight_proposals()


@learning.post(
    "/insights",
    summary="Propose insights where several episodes point the same way",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*STORE_ERRORS, 409),
)
def propose_insights(key: ExpertDep, runtime: RuntimeDep, store: StoreDep) -> list[InsightProposal]:
    """Write a proposed Insight for every fact enough wrong-judged episodes cite (new ones)."""
    return _service(runtime, store).propose_insights(_actor(key))
