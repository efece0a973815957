"""How a write batch becomes node and relationship upserts, the same for every backend.

An upsert carries two property maps: ``props`` (set on every write, merged into an existing
element) and ``extra`` (the create-only keys such as ``status``, set only when the element is new),
so re-ingestion never resets a status an expert set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_schema import AssertionKind, Label, RelType, rel_id
from graph_schema.properties import CREATE_ONLY_KEYS, AssertionRecord
from kag.store.base import WriteBatch
from kag.store.views import label_for


@dataclass(frozen=True, slots=True)
class NodeUpsert:
    """Create-or-update of one node."""

    id: str
    label: Label
    props: dict[str, Any]
    extra: dict[str, Any]

    @property
    def create(self) -> dict[str, Any]:
        """All properties of a newly created node."""
        return {**self.extra, **self.props} if self.extra else self.props


@dataclass(frozen=True, slots=True)
class RelUpsert:
    """Create-or-update of one relationship, merged by ``id`` between its two endpoints."""

    id: str
    type: str
    source_id: str
    target_id: str
    props: dict[str, Any]
    extra: dict[str, Any]

    @property
    def create(self) -> dict[str, Any]:
        """All properties of a newly created relationship."""
        return {**self.extra, **self.props} if self.extra else self.props

    @property
    def source_label(self) -> Label:
        """Label of the source node (from its id)."""
        return label_for(self.source_id)

    @property
    def target_label(self) -> Label:
        """Label of the target node (from its id)."""
        return label_for(self.target_id)


def _split(props: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(always-set properties, create-only properties). Maps are never mutated afterwards."""
    if CREATE_ONLY_KEYS.isdisjoint(props):
        return props, {}
    always: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in props.items():
        (extra if key in CREATE_ONLY_KEYS else always)[key] = value
    return always, extra


def _node(node_id: str, label: Label, props: dict[str, Any]) -> NodeUpsert:
    return NodeUpsert(node_id, label, *_split(props))


def _rel(rid: str, rtype: str, src: str, dst: str, props: dict[str, Any]) -> RelUpsert:
    return RelUpsert(rid, rtype, src, dst, *_split(props))


def _structural(rtype: RelType, src: str, dst: str, props: dict[str, Any]) -> RelUpsert:
    rid = rel_id(rtype.value, src, dst)
    return _rel(rid, rtype.value, src, dst, {"id": rid, **props})


def _assertion_rels(a: AssertionRecord, props: dict[str, Any]) -> list[RelUpsert]:
    """``ABOUT`` links to the entities an assertion is about, and a relation's typed edge."""
    roles: dict[str, str] = {}
    if a.subject_id:
        roles[a.subject_id] = "subject"
    if a.object_id and a.object_id not in roles:
        roles[a.object_id] = "object"
    for entity_id in a.entity_ids:
        roles.setdefault(entity_id, "mention")
    rels = [_structural(RelType.ABOUT, a.id, e, {"role": role}) for e, role in roles.items()]
    if a.kind is AssertionKind.RELATION and a.predicate and a.subject_id and a.object_id:
        rels.append(_rel(a.id, a.predicate, a.subject_id, a.object_id, a.relation_props(props)))
    return rels


def plan_writes(batch: WriteBatch) -> tuple[list[NodeUpsert], list[RelUpsert]]:
    """Node upserts (in batch order) and relationship upserts for a batch."""
    nodes: list[NodeUpsert] = []
    rels: list[RelUpsert] = []
    for doc in batch.documents:
        nodes.append(_node(doc.id, Label.DOCUMENT, doc.props()))
    for chunk in batch.chunks:
        nodes.append(_node(chunk.id, Label.CHUNK, chunk.props()))
        rels.append(_structural(RelType.HAS_CHUNK, chunk.document_id, chunk.id, {}))
    for entity in batch.entities:
        nodes.append(_node(entity.id, Label.ENTITY, entity.props()))
    for a in batch.assertions:
        props = a.props()
        nodes.append(_node(a.id, a.layer.label, props))
        rels.extend(_assertion_rels(a, props))
    for ev in batch.evidence:
        rels.append(
            _rel(ev.id, RelType.EVIDENCED_BY.value, ev.assertion_id, ev.chunk_id, ev.props())
        )
    for mention in batch.mentions:
        rels.append(
            _structural(
                RelType.MENTIONS, mention.chunk_id, mention.entity_id, {"count": mention.count}
            )
        )
    for link in batch.links:
        rels.append(_rel(link.id, link.type.value, link.source_id, link.target_id, link.props()))
    return nodes, rels
