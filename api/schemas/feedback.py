"""Feedback bodies (the fields of the feedback issue: verdict, correction, citation flags)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graph_schema.properties import CitationFlag, FeedbackRecord
from kag.curation.models import DecisionView
from kag.feedback.models import BeliefChange, FeedbackResult, FeedbackReviewItem, ReviewVerdict


class FeedbackRequest(BaseModel):
    """Feedback on an answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Literal["helpful", "wrong"]
    correction: str | None = Field(
        default=None, min_length=1, max_length=5000, description="what the answer should say"
    )
    citation_flags: list[CitationFlag] = Field(
        default_factory=list,
        max_length=50,
        description="flags on individual citations (c1, c2, ... of the answer)",
    )


class FeedbackEffectsPublic(BaseModel):
    """What applying a feedback did; undo all of it with ``POST /v1/feedback/{id}/undo``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    batch_id: str = Field(description="the decisions applying it, undone as a unit")
    experience_id: str = Field(description="the Experience episode recording the exchange")
    beliefs: list[BeliefChange] = Field(description="Beta belief updates of cited facts")
    review_items: list[FeedbackReviewItem] = Field(
        description="flags and corrections waiting for an expert (never auto-approved)"
    )

    @classmethod
    def of(cls, result: FeedbackResult) -> FeedbackEffectsPublic:
        """The public view of what applying a feedback did."""
        return cls(
            batch_id=result.batch_id,
            experience_id=result.experience_id,
            beliefs=list(result.beliefs),
            review_items=list(result.review_items),
        )


class FeedbackPublic(BaseModel):
    """Stored feedback, with who gave it and in which role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    answer_id: str
    verdict: Literal["helpful", "wrong"]
    correction: str | None
    citation_flags: list[CitationFlag]
    actor: str
    role: str
    created_at: str
    applied: bool = Field(description="whether its effects on the graph were carried out")
    effects: FeedbackEffectsPublic | None = Field(
        default=None, description="what applying it did (in the response that applied it)"
    )

    @classmethod
    def of(cls, record: FeedbackRecord, result: FeedbackResult | None = None) -> FeedbackPublic:
        """The public view of a stored feedback (with its effects when just applied)."""
        return cls(
            id=record.id,
            answer_id=record.answer_id,
            verdict=record.verdict,
            correction=record.correction,
            citation_flags=list(record.citation_flags),
            actor=record.actor,
            role=record.role,
            created_at=record.created_at,
            applied=record.applied or result is not None,
            effects=FeedbackEffectsPublic.of(result) if result is not None else None,
        )


class ReviewRequest(BaseModel):
    """An expert's verdict on a review item raised by feedback."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: ReviewVerdict
    fact_ids: list[str] | None = Field(
        default=None,
        max_length=50,
        description="facts of the flagged path to act on (default: all of them)",
    )
    valid_to: str | None = Field(
        default=None,
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="outdated facts: end of validity, YYYY-MM-DD (default: today)",
    )
    reason: str | None = Field(default=None, max_length=2000)


class UndoRequest(BaseModel):
    """Why a feedback's effects are undone."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


class UndonePublic(BaseModel):
    """What an undo did."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    batch_id: str | None
    decisions: list[DecisionView]


class ExperiencePublic(BaseModel):
    """An Experience episode recorded from feedback."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    text: str
    status: str
    question: str
    verdict: str
    answer_id: str
    feedback_id: str
    cited_ids: list[str]
    created_at: str
