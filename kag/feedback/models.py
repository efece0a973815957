"""Typed inputs and outputs of feedback on answers (Python API, CLI and REST API share them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graph_schema.properties import CitationFlag
from kag.curation.models import Actor, DecisionView

Verdict = Literal["helpful", "wrong"]
#: What an expert does with a review item raised by feedback: ``accept`` rejects a fact flagged
#: wrong or untrustworthy, ends the validity of one flagged outdated, and records a correction as
#: taken into account; ``dismiss`` leaves the fact as it is.
ReviewVerdict = Literal["accept", "dismiss"]
ReviewKind = Literal["wrong_path", "outdated", "untrustworthy_source", "correction"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FeedbackInput(_Frozen):
    """Feedback on one stored answer.

    Attributes:
        answer_id: the answer (``ans_...``).
        verdict: ``helpful`` or ``wrong``.
        correction: what the answer should have said, in words (never becomes a fact by
            itself: it is a review item for an expert).
        citation_flags: flags on individual citations (``c1``, ``c2``, ... of the answer).
        actor: who gives it, with their role.
    """

    answer_id: str = Field(pattern=r"^ans_[0-9a-f]+$")
    verdict: Verdict
    correction: str | None = Field(default=None, min_length=1, max_length=5000)
    citation_flags: tuple[CitationFlag, ...] = Field(default=(), max_length=50)
    actor: Actor


class BeliefChange(_Frozen):
    """How one feedback moved one fact's Beta(alpha, beta) belief."""

    fact_id: str
    alpha_before: float
    beta_before: float
    alpha_after: float
    beta_after: float
    weight: float = Field(description="the weight applied, after the per-user cap")
    capped: bool = Field(description="the user's cap on this fact cut the weight")

    @property
    def mean_before(self) -> float:
        """Posterior mean before."""
        return self.alpha_before / (self.alpha_before + self.beta_before)

    @property
    def mean_after(self) -> float:
        """Posterior mean after."""
        return self.alpha_after / (self.alpha_after + self.beta_after)


class FeedbackReviewItem(_Frozen):
    """Something a feedback asks an expert to decide: a flagged fact or a correction."""

    id: str = Field(description="fr_<feedback hex>_<citation id or 'correction'>[_<n>]")
    kind: ReviewKind
    feedback_id: str
    answer_id: str
    question: str
    fact_ids: tuple[str, ...] = Field(default=(), description="the flagged citation's facts")
    fact_titles: tuple[str, ...] = ()
    note: str | None = Field(default=None, description="the flag's note or the correction")
    actor: str
    role: str
    created_at: str
    decided: bool = False


class FeedbackResult(_Frozen):
    """What applying a feedback did (undo it as a unit with ``batch_id``)."""

    feedback_id: str
    batch_id: str
    experience_id: str
    beliefs: tuple[BeliefChange, ...]
    review_items: tuple[FeedbackReviewItem, ...]
    decisions: tuple[DecisionView, ...]


class ReviewOutcome(_Frozen):
    """An expert's verdict on a feedback review item, recorded as decisions."""

    item: FeedbackReviewItem
    verdict: ReviewVerdict
    batch_id: str
    decisions: tuple[DecisionView, ...]


class Precedent(_Frozen):
    """An earlier question like this one, and how its answer was judged."""

    experience_id: str
    question: str
    verdict: Verdict
    because: str | None = Field(default=None, description="the correction or flag notes")
    score: float

    def sentence(self) -> str:
        """The line an answer shows: asked before; judged wrong because ..."""
        judged = "judged helpful" if self.verdict == "helpful" else "judged wrong"
        why = f" because {self.because}" if self.because and self.verdict == "wrong" else ""
        return f"asked before ({self.experience_id}: {self.question!r}); {judged}{why}"


class InsightProposal(_Frozen):
    """A proposed Insight: several episodes point the same way about one fact."""

    insight_id: str
    text: str
    fact_id: str
    experience_ids: tuple[str, ...]
    batch_id: str | None = None
