"""The review policy: which extracted facts are approved at once and which wait for an expert.

- With an LLM configured (hybrid mode) a fact is approved only when both halves stated it and
  its combined confidence is at least ``KAG_INGESTION__AUTO_APPROVE_THRESHOLD``.
- In NLP-only mode the stricter ``KAG_INGESTION__NLP_ONLY_AUTO_APPROVE_THRESHOLD`` applies.
- Everything else is ``proposed``.
- A fact an expert rejected (an assertion with the same fingerprint, i.e. the same subject,
  predicate and object or value, is ``rejected``) is never proposed again, from any document.
- A fact an expert corrected (its assertion is ``superseded`` with ``replaced_by``, see
  :mod:`kag.curation`) is never proposed again either: what a document states of it becomes
  evidence of the expert's version (the end of the ``replaced_by`` chain), unless that version
  was rejected since.
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
    """Fingerprints of assertions an expert rejected (directly, or the version an expert put
    in their place)."""
    nodes = {node.id: node for node in existing}
    out = {
        str(node.props["fingerprint"])
        for node in nodes.values()
        if node.status is Status.REJECTED and "fingerprint" in node.props
    }
    for fingerprint, final in _replacement_ends(nodes).items():
        if nodes[final].status is Status.REJECTED:
            out.add(fingerprint)
    return out


def replacements(existing: Iterable[NodeView]) -> dict[str, str]:
    """Fingerprint of a corrected assertion -> id of the expert's (live) version."""
    nodes = {node.id: node for node in existing}
    return {
        fingerprint: final
        for fingerprint, final in _replacement_ends(nodes).items()
        if nodes[final].status is not Status.REJECTED
    }


def _replacement_ends(nodes: dict[str, NodeView]) -> dict[str, str]:
    """Fingerprint of each replaced assertion -> the last version of its ``replaced_by`` chain
    (known among ``nodes``)."""
    out: dict[str, str] = {}
    for node in nodes.values():
        if "fingerprint" not in node.props or not node.props.get("replaced_by"):
            continue
        current, seen = node, {node.id}
        while current.props.get("replaced_by") and str(current.props["replaced_by"]) in nodes:
            current = nodes[str(current.props["replaced_by"])]
            if current.id in seen:
                break
            seen.add(current.id)
        if current.id != node.id and not current.props.get("replaced_by"):
            out[str(node.props["fingerprint"])] = current.id
    return out


def replacement_ids(existing: Iterable[NodeView]) -> set[str]:
    """Ids the ``replaced_by`` links of these nodes point at (to look up next)."""
    return {str(n.props["replaced_by"]) for n in existing if n.props.get("replaced_by")}
