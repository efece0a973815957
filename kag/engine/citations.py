"""Citations: a traversed path with, for every hop, the evidence spans it was read from.

The evidence of a hop is that of the assertion it stands for: a typed entity relationship *is* a
relation assertion (its id is the assertion's id); a structural link (``ABOUT``, ``APPLIES_IN``,
``SUPPORTS``, ...) is evidenced by the statements it joins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graph_schema import LAYER_LABELS, Label, Status, label_of
from kag.engine.answer import (
    Citation,
    CitationRole,
    CitedNode,
    CitedRelationship,
    EvidenceRef,
    HopEvidence,
)
from kag.store import EvidenceSpan, GraphPath, NodeView


def hop_assertions(path: GraphPath, index: int) -> list[str]:
    """Ids of the assertions whose evidence backs hop ``index`` of a path."""
    rel = path.relationships[index]
    if label_of(rel.id) in LAYER_LABELS:
        return [rel.id]
    ends = (path.nodes[index], path.nodes[index + 1])
    source_first = sorted(ends, key=lambda n: n.id != rel.source_id)
    return [n.id for n in source_first if n.label in LAYER_LABELS]


def evidence_ids(paths: Iterable[GraphPath]) -> list[str]:
    """Every assertion id whose evidence the paths' hops need."""
    ids: dict[str, None] = {}
    for path in paths:
        for i in range(len(path.relationships)):
            ids.update(dict.fromkeys(hop_assertions(path, i)))
    return list(ids)


def _ref(span: EvidenceSpan) -> EvidenceRef:
    return EvidenceRef(
        id=span.id,
        assertion_id=span.assertion_id,
        document_id=span.document_id,
        document_source=span.document_source,
        document_title=span.document_title,
        version=span.version,
        chunk_id=span.chunk_id,
        start=span.start,
        end=span.end,
        quote=span.quote,
    )


def _observation(node: NodeView) -> dict[str, Any]:
    props = node.props
    if node.label is not Label.KNOWLEDGE or props.get("kind") != "observation":
        return {}
    return {
        "metric": props.get("metric"),
        "value": float(props["value"]),
        "unit": props.get("unit"),
        "period": props.get("period"),
    }


def _is_fact(label: Label) -> bool:
    return label is not Label.ENTITY


def citation(
    cid: str,
    path: GraphPath,
    evidence: Mapping[str, Sequence[EvidenceSpan]],
    role: CitationRole = "answer",
) -> Citation:
    """A citation of ``path`` with the evidence of each of its hops."""
    hops = []
    for i, rel in enumerate(path.relationships):
        spans = [s for a in hop_assertions(path, i) for s in evidence.get(a, ())]
        unique = {s.id: s for s in spans}
        hops.append(
            HopEvidence(
                index=i, relationship_id=rel.id, spans=tuple(_ref(s) for s in unique.values())
            )
        )
    confidences = [r.confidence for r in path.relationships if r.confidence is not None]
    confidences += [
        n.confidence for n in path.nodes if _is_fact(n.label) and n.confidence is not None
    ]
    proposed = any(r.status is Status.PROPOSED for r in path.relationships) or any(
        n.status is Status.PROPOSED for n in path.nodes if _is_fact(n.label)
    )
    return Citation(
        id=cid,
        role=role,
        nodes=tuple(
            CitedNode(
                id=n.id,
                label=n.label,
                name=n.name,
                type=n.props.get("type") if n.label is Label.ENTITY else None,
                text=n.props.get("text") if n.label in LAYER_LABELS else None,
                **_observation(n),
                confidence=n.confidence,
                status=n.status,
            )
            for n in path.nodes
        ),
        relationships=tuple(
            CitedRelationship(
                id=r.id,
                type=r.type,
                source_id=r.source_id,
                target_id=r.target_id,
                confidence=r.confidence,
                status=r.status,
            )
            for r in path.relationships
        ),
        hops=tuple(hops),
        confidence=round(min(confidences, default=1.0), 6),
        proposed=proposed,
    )
