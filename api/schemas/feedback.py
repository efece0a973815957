"""Feedback bodies (the fields of the feedback issue: verdict, correction, citation flags)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graph_schema.properties import CitationFlag, FeedbackRecord


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

    @classmethod
    def of(cls, record: FeedbackRecord) -> FeedbackPublic:
        """The public view of a stored feedback."""
        return cls(
            id=record.id,
            answer_id=record.answer_id,
            verdict=record.verdict,
            correction=record.correction,
            citation_flags=list(record.citation_flags),
            actor=record.actor,
            role=record.role,
            created_at=record.created_at,
            applied=record.applied,
        )
