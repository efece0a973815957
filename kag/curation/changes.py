"""A working copy of the part of the graph a decision touches, recording every change.

Decisions are computed in Python on a :class:`ChangeSet` (read from the store on demand) and
written at once with ``GraphStore.apply_patch``, so both backends get the identical change and
the exact before/after of every element is known: it is stored with the decision and its
inverse is the undo. Steps (:meth:`ChangeSet.begin_step` / :meth:`ChangeSet.end_step`) give
each decision of a batch its own delta.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from graph_schema import AssertionKind, Label
from kag.store import GraphStore
from kag.store.patch import GraphPatch, NodeChange, RelChange
from kag.store.views import label_for


@dataclass(frozen=True)
class RelState:
    """A relationship's type, endpoints and properties."""

    id: str
    type: str
    source: str
    target: str
    props: dict[str, Any]

    def other(self, node_id: str) -> str:
        """The endpoint that is not ``node_id``."""
        return self.target if self.source == node_id else self.source


_Node = dict[str, Any] | None
_Rel = RelState | None


class ChangeSet:
    """Nodes and relationships as read, and as the decisions so far leave them."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._orig_nodes: dict[str, _Node] = {}
        self._nodes: dict[str, _Node] = {}
        self._orig_rels: dict[str, _Rel] = {}
        self._rels: dict[str, _Rel] = {}
        self._rels_loaded: set[str] = set()
        self._step_nodes: dict[str, _Node] | None = None
        self._step_rels: dict[str, _Rel] | None = None

    # -- reading -----------------------------------------------------------------------------
    def load(self, node_ids: Iterable[str]) -> None:
        """Read nodes not read yet (absent ones are remembered as absent)."""
        wanted = [i for i in dict.fromkeys(node_ids) if i not in self._nodes]
        if not wanted:
            return
        found = {n.id: dict(n.props) for n in self.store.get_nodes(wanted)}
        for node_id in wanted:
            self._orig_nodes[node_id] = found.get(node_id)
            self._nodes[node_id] = None if node_id not in found else dict(found[node_id])

    def load_rels(self, node_ids: Iterable[str]) -> None:
        """Read every relationship of nodes whose relationships were not read yet."""
        wanted = [i for i in dict.fromkeys(node_ids) if i not in self._rels_loaded]
        if not wanted:
            return
        for rel in self.store.relationships_of(wanted):
            if rel.id not in self._rels:
                state = RelState(rel.id, rel.type, rel.source_id, rel.target_id, dict(rel.props))
                self._orig_rels[rel.id] = state
                self._rels[rel.id] = state
        self._rels_loaded.update(wanted)

    def node(self, node_id: str) -> dict[str, Any] | None:
        """A node's properties as the decisions so far leave them (``None``: absent)."""
        self.load([node_id])
        props = self._nodes[node_id]
        return dict(props) if props is not None else None

    def require(self, node_id: str) -> dict[str, Any]:
        """A node's properties; the caller has checked that it exists."""
        props = self.node(node_id)
        if props is None:
            raise KeyError(node_id)
        return props

    def rels_of(self, node_id: str, types: Sequence[str] | None = None) -> list[RelState]:
        """Relationships touching a node (optionally of these types), ordered by id."""
        self.load_rels([node_id])
        wanted = set(types) if types is not None else None
        return [
            rel
            for rid in sorted(self._rels)
            if (rel := self._rels[rid]) is not None
            and node_id in (rel.source, rel.target)
            and (wanted is None or rel.type in wanted)
        ]

    def rel(self, rel_id: str) -> RelState | None:
        """A relationship already read or written, as it stands."""
        return self._rels.get(rel_id)

    def typed_rel(self, assertion_id: str) -> RelState | None:
        """The typed entity relationship mirroring a relation assertion."""
        props = self.node(assertion_id)
        if props is None or props.get("kind") != AssertionKind.RELATION.value:
            return None
        self.load_rels([str(props["subject_id"])])
        return self._rels.get(assertion_id)

    # -- changing ----------------------------------------------------------------------------
    def _note_node(self, node_id: str) -> None:
        self.load([node_id])
        if self._step_nodes is not None and node_id not in self._step_nodes:
            current = self._nodes[node_id]
            self._step_nodes[node_id] = dict(current) if current is not None else None

    def _note_rel(self, rel_id: str) -> None:
        if rel_id not in self._orig_rels:
            self._orig_rels[rel_id] = None
            self._rels.setdefault(rel_id, None)
        if self._step_rels is not None and rel_id not in self._step_rels:
            self._step_rels[rel_id] = self._rels.get(rel_id)

    def put_node(self, node_id: str, props: dict[str, Any]) -> None:
        """Create a node or replace all its properties."""
        label_for(node_id)  # refuse ids that carry no label
        self._note_node(node_id)
        self._nodes[node_id] = dict(props)

    def update_node(self, node_id: str, **changes: Any) -> None:
        """Set properties of an existing node (``None`` removes one)."""
        current = self.require(node_id)
        for key, value in changes.items():
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value
        self._note_node(node_id)
        self._nodes[node_id] = current

    def delete_node(self, node_id: str) -> None:
        """Delete a node (delete its relationships first)."""
        self._note_node(node_id)
        self._nodes[node_id] = None

    def put_rel(
        self, rel_id: str, rel_type: str, source: str, target: str, props: dict[str, Any]
    ) -> None:
        """Create a relationship or replace all its properties (its endpoints never change)."""
        current = self._rels.get(rel_id)
        if current is not None and (current.type, current.source, current.target) != (
            rel_type,
            source,
            target,
        ):
            raise ValueError(f"relationship {rel_id} cannot change its type or endpoints")
        self.load_rels([source])  # so an existing relationship is known before it is replaced
        self._note_rel(rel_id)
        self._rels[rel_id] = RelState(rel_id, rel_type, source, target, dict(props))

    def update_rel(self, rel_id: str, **changes: Any) -> None:
        """Set properties of an existing relationship (``None`` removes one)."""
        rel = self._rels.get(rel_id)
        if rel is None:
            raise KeyError(rel_id)
        props = dict(rel.props)
        for key, value in changes.items():
            if value is None:
                props.pop(key, None)
            else:
                props[key] = value
        self._note_rel(rel_id)
        self._rels[rel_id] = RelState(rel.id, rel.type, rel.source, rel.target, props)

    def delete_rel(self, rel_id: str) -> None:
        """Delete a relationship."""
        self._note_rel(rel_id)
        self._rels[rel_id] = None

    # -- results -----------------------------------------------------------------------------
    def begin_step(self) -> None:
        """Start recording one decision's own changes."""
        self._step_nodes, self._step_rels = {}, {}

    def abort_step(self) -> None:
        """Undo the changes since :meth:`begin_step` (a step that failed half-way)."""
        for node_id, props in (self._step_nodes or {}).items():
            self._nodes[node_id] = props
        for rel_id, rel in (self._step_rels or {}).items():
            self._rels[rel_id] = rel
        self._step_nodes = self._step_rels = None

    def end_step(self) -> GraphPatch:
        """The changes since :meth:`begin_step`."""
        nodes, rels = self._step_nodes or {}, self._step_rels or {}
        self._step_nodes = self._step_rels = None
        return _patch(nodes, self._nodes, rels, self._rels)

    def patch(self) -> GraphPatch:
        """Every change since the graph was read."""
        touched = {k: v for k, v in self._orig_nodes.items() if self._nodes.get(k) != v}
        rels = {k: v for k, v in self._orig_rels.items() if self._rels.get(k) != v}
        return _patch(touched, self._nodes, rels, self._rels)


def _patch(
    nodes_before: dict[str, _Node],
    nodes_now: dict[str, _Node],
    rels_before: dict[str, _Rel],
    rels_now: dict[str, _Rel],
) -> GraphPatch:
    node_changes = [
        NodeChange(id=i, before=nodes_before[i], after=nodes_now.get(i))
        for i in sorted(nodes_before)
        if nodes_before[i] != nodes_now.get(i)
    ]
    rel_changes: list[RelChange] = []
    for rid in sorted(rels_before):
        before, after = rels_before[rid], rels_now.get(rid)
        if before == after:
            continue
        shape = before or after
        assert shape is not None  # both absent is no change
        rel_changes.append(
            RelChange(
                id=rid,
                type=shape.type,
                source_id=shape.source,
                target_id=shape.target,
                before=before.props if before is not None else None,
                after=after.props if after is not None else None,
            )
        )
    return GraphPatch(nodes=tuple(node_changes), rels=tuple(rel_changes))


def node_label(node_id: str) -> Label | None:
    """The label of an engine-minted id, or ``None`` for anything else."""
    try:
        return label_for(node_id)
    except ValueError:
        return None
