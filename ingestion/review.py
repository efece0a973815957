"""The review policy: which extracted facts are approved at once and which wait for an expert.

- With an LLM configured (hybrid mode) a fact is approved only when both halves stated it and
  its combined confidence is at least ``KAG_INGESTION__AUTO_APPROVE_THRESHOLD``.
- In NLP-only mode the stricter ``KAG_INGESTION__NLP_ONLY_AUTO_APPROVE_THRESHOLD`` applies.
- Everything else is ``proposed``.
- A fact an expert rejected (an assertion with the same fingerprint, i.e. the same subject,
  predicate and object or value, is ``rejected``) is never proposed again, from any document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graph_schema import Status
from kag.settings import IngestionSettings
from kag.store import NodeView

NLP = "nlp"
LLM = "llm"


@dataclass(frozen=True)
class ReviewPolicy:
    """Statuses for new facts."""

    hybrid: bool
    threshold: float
    nlp_only_threshold: float

    @classmethod
    def from_settings(cls, settings: IngestionSettings, *, hybrid: bool) -> ReviewPolicy:
        """The policy for ``KAG_INGESTION__*`` and the mode of the run."""
        return cls(
            hybrid=hybrid,
            threshold=settings.auto_approve_threshold,
            nlp_only_threshold=settings.nlp_only_auto_approve_threshold,
        )

    def status(self, confidence: float, extractors: Iterable[str]) -> Status:
        """``approved`` or ``proposed`` for a fact with this confidence and these extractors."""
        sources = {e.split("-", 1)[0] for e in extractors}
        if self.hybrid:
            agreed = NLP in sources and LLM in sources
            return Status.APPROVED if agreed and confidence >= self.threshold else Status.PROPOSED
        return Status.APPROVED if confidence >= self.nlp_only_threshold else Status.PROPOSED


def rejected_fingerprints(existing: Iterable[NodeView]) -> set[str]:
    """Fingerprints of assertions an expert rejected."""
    return {
        str(node.props["fingerprint"])
        for node in existing
        if node.status is Status.REJECTED and "fingerprint" in node.props
    }
