"""Feedback on an answer: helpful or wrong, a correction, flags on citations."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, status

from api.deps import AnalystDep, RuntimeDep, StoreDep
from api.routes.answers import AnswerIdPath, visible_answer
from api.schemas.feedback import FeedbackPublic, FeedbackRequest
from api.schemas.problem import BODY_ERRORS, STORE_ERRORS, problem_responses
from graph_schema import Label, stable_id
from graph_schema.properties import FeedbackRecord
from kag.errors import InvalidInput
from kag.state import Role

router = APIRouter(prefix="/answers/{answer_id}/feedback", tags=["feedback"])


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
    """Store the feedback with who gave it and in which role. It asserts nothing into the
    graph by itself: its effects (belief updates, review items) come from the feedback issue's
    processing, never auto-approved."""
    answer = visible_answer(runtime, store, key, answer_id)
    known = {c.id for c in answer.citations}
    unknown = sorted({f.citation_id for f in body.citation_flags} - known)
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        raise InvalidInput(
            f"answer {answer_id} has no citation {', '.join(unknown)}; its citations: {listed}"
        )
    record = FeedbackRecord(
        id=stable_id(Label.FEEDBACK, answer_id, key.id, secrets.token_hex(16)),
        answer_id=answer_id,
        verdict=body.verdict,
        correction=body.correction,
        citation_flags=tuple(body.citation_flags),
        actor=key.name,
        actor_id=key.id,
        role=key.role.value,
    )
    store.record_feedback(record)
    return FeedbackPublic.of(record)


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
