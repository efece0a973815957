"""The graph changes behind decisions, computed on a :class:`~kag.curation.changes.ChangeSet`.

- **status** (approve, reject): the node and, for a relation, its typed relationship. Approving
  a statement also approves its proposed links (``APPLIES_IN``, ``SUPPORTS``...) to approved
  statements: a link is approved when an expert approved both its ends. Rejecting an entity
  also rejects the live relations and observations whose subject or object it is.
- **transfer** (edits, and facts moved by merges and splits): the expert's version is the
  assertion the changed fact fingerprints to (created, or merged into when it exists) with the
  original's evidence, entity links and structural links (those the new layer allows); the
  original becomes ``superseded`` with ``replaced_by`` pointing at it and keeps its own
  evidence for audit. Ingestion follows ``replaced_by``: it never proposes the original again
  and adds new evidence to the expert's version.
"""

from __future__ import annotations

from typing import Any

from graph_schema import (
    AssertionKind,
    GraphSchema,
    Label,
    RelType,
    SchemaViolation,
    Status,
    evidence_id,
    rel_id,
)
from graph_schema.properties import RELATION_KEYS
from kag.curation.changes import ChangeSet, RelState, node_label
from kag.curation.facts import LIVE, stronger_status

LINK_TYPES = frozenset(
    t.value
    for t in (
        RelType.APPLIES_IN,
        RelType.IN_SITUATION,
        RelType.SUPPORTS,
        RelType.CONTRADICTS,
        RelType.DERIVED_FROM,
    )
)
_FACT_KINDS = frozenset({AssertionKind.RELATION.value, AssertionKind.OBSERVATION.value})


def set_status(cs: ChangeSet, node_id: str, status: Status) -> None:
    """Set a node's status, and its typed relationship's when it is a relation."""
    cs.update_node(node_id, status=status.value)
    typed = cs.typed_rel(node_id)
    if typed is not None:
        cs.update_rel(typed.id, status=status.value)


def approve(cs: ChangeSet, node_id: str) -> None:
    """Approve a node (and the links between it and approved statements)."""
    set_status(cs, node_id, Status.APPROVED)
    if node_label(node_id) is Label.ENTITY:
        return
    for link in cs.rels_of(node_id, sorted(LINK_TYPES)):
        other = cs.node(link.other(node_id)) or {}
        if link.props.get("status") == Status.PROPOSED.value and (
            other.get("status") == Status.APPROVED.value
        ):
            cs.update_rel(link.id, status=Status.APPROVED.value)


def reject(cs: ChangeSet, node_id: str) -> list[str]:
    """Reject a node; an entity takes its live relations and observations with it.

    Returns:
        the ids of the facts rejected with an entity.
    """
    set_status(cs, node_id, Status.REJECTED)
    if node_label(node_id) is not Label.ENTITY:
        return []
    taken: list[str] = []
    for about in cs.rels_of(node_id, [RelType.ABOUT.value]):
        fact = cs.node(about.source) or {}
        if fact.get("kind") in _FACT_KINDS and fact.get("status") in LIVE:
            set_status(cs, about.source, Status.REJECTED)
            taken.append(about.source)
    return taken


def _about_roles(props: dict[str, Any]) -> dict[str, str]:
    roles: dict[str, str] = {}
    if props.get("subject_id"):
        roles[str(props["subject_id"])] = "subject"
    if props.get("object_id") and str(props["object_id"]) not in roles:
        roles[str(props["object_id"])] = "object"
    return roles


def _link_fits(schema: GraphSchema, source: str, rel_type: str, target: str) -> bool:
    source_label, target_label = node_label(source), node_label(target)
    if source_label is None or target_label is None:
        return False
    try:
        schema.check_pattern(source_label, rel_type, target_label)
    except SchemaViolation:
        return False
    return True


class Transfer:
    """Moves what an assertion states to its restated version (see the module docstring)."""

    def __init__(self, schema: GraphSchema, cs: ChangeSet) -> None:
        self.schema = schema
        self.cs = cs

    def run(
        self,
        old_id: str,
        new_id: str,
        new_props: dict[str, Any],
        *,
        status: str | None = None,
        entity_map: dict[str, str] | None = None,
    ) -> str:
        """Make ``new_id`` (with ``new_props``) the version of ``old_id``; returns ``new_id``.

        Args:
            old_id: the assertion restated.
            new_id: the restated assertion's id.
            new_props: its properties (used when it does not exist yet).
            status: its status (default: the stronger of the two when it exists, else the
                original's).
            entity_map: statement entity links to move (merged or split entities).
        """
        cs = self.cs
        old = cs.require(old_id)
        existing = cs.node(new_id)
        if existing is None:
            props = {k: v for k, v in new_props.items() if k != "replaced_by"}
            if status is not None:
                props["status"] = status
            cs.put_node(new_id, props)
        else:
            merged = sorted(
                set(existing.get("extractors") or []) | set(old.get("extractors") or [])
            )
            cs.update_node(
                new_id,
                status=status or stronger_status(str(existing["status"]), str(old["status"])),
                confidence=max(
                    float(existing.get("confidence", 0)), float(old.get("confidence", 0))
                ),
                extractors=merged,
            )
        self._entity_links(old_id, new_id, entity_map or {})
        self._typed(new_id)
        self._evidence(old_id, new_id)
        self._links(old_id, new_id)
        set_status(cs, old_id, Status.SUPERSEDED)
        cs.update_node(old_id, replaced_by=new_id)
        return new_id

    def _entity_links(self, old_id: str, new_id: str, entity_map: dict[str, str]) -> None:
        cs = self.cs
        props = cs.require(new_id)
        roles = _about_roles(props)
        if props.get("kind") == AssertionKind.STATEMENT.value:
            for about in cs.rels_of(old_id, [RelType.ABOUT.value]):
                if about.source == old_id:
                    target = entity_map.get(about.target, about.target)
                    roles.setdefault(target, str(about.props.get("role", "mention")))
        cs.load_rels([new_id])
        for entity, role in roles.items():
            rid = rel_id(RelType.ABOUT.value, new_id, entity)
            if cs.rel(rid) is None:
                cs.put_rel(rid, RelType.ABOUT.value, new_id, entity, {"id": rid, "role": role})

    def _typed(self, new_id: str) -> None:
        cs = self.cs
        props = cs.require(new_id)
        if props.get("kind") != AssertionKind.RELATION.value:
            return
        cs.load_rels([str(props["subject_id"])])
        edge = {k: props[k] for k in RELATION_KEYS if k in props}
        current = cs.rel(new_id)
        if current is None:
            cs.put_rel(
                new_id,
                str(props["predicate"]),
                str(props["subject_id"]),
                str(props["object_id"]),
                edge,
            )
        else:
            cs.update_rel(new_id, status=props["status"], confidence=props.get("confidence"))

    def _evidence(self, old_id: str, new_id: str) -> None:
        cs = self.cs
        cs.load_rels([new_id])
        for ev in cs.rels_of(old_id, [RelType.EVIDENCED_BY.value]):
            if ev.source != old_id:
                continue
            start, end = int(ev.props["start"]), int(ev.props["end"])
            rid = evidence_id(new_id, ev.target, start, end)
            if cs.rel(rid) is None:
                cs.put_rel(rid, ev.type, new_id, ev.target, {**ev.props, "id": rid})

    def _links(self, old_id: str, new_id: str) -> None:
        cs = self.cs
        for link in cs.rels_of(old_id, sorted(LINK_TYPES)):
            source = new_id if link.source == old_id else link.source
            target = new_id if link.target == old_id else link.target
            if source == target or not _link_fits(self.schema, source, link.type, target):
                continue
            cs.load_rels([source, target])
            rid = rel_id(link.type, source, target)
            if cs.rel(rid) is None:
                cs.put_rel(rid, link.type, source, target, {**link.props, "id": rid})


def live_facts_about(cs: ChangeSet, entity_id: str) -> list[tuple[RelState, dict[str, Any]]]:
    """``(ABOUT link, assertion)`` of every assertion about an entity, ordered by link id."""
    out = []
    for about in cs.rels_of(entity_id, [RelType.ABOUT.value]):
        if about.target != entity_id:
            continue
        props = cs.node(about.source)
        if props is not None:
            out.append((about, props))
    return out
