"""Curation in the embedded backend: patches applied in the caller's SQLite transaction, and
the review reads computed on the in-memory read model.

The same results as the Neo4j backend's Cypher in ``kag/store/neo4j/queries/curation.py``
(the contract suite in ``tests/contract/test_curation_store_ops.py`` holds both to it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from graph_schema import GraphSchema, Label, RelType, SchemaViolation, Status, rel_id
from graph_schema.properties import DecisionRecord
from kag.errors import Conflict, InvalidInput, NotFound
from kag.store.base import NodeView, RelView, Subgraph
from kag.store.embedded import sql
from kag.store.embedded.memgraph import MemGraph, Rel
from kag.store.patch import (
    AssertionSummary,
    EntitySummary,
    GraphPatch,
    PatchSummary,
    conflict_message,
    find_conflicts,
    updated_props,
)
from kag.store.views import label_for, node_passes, node_view, rel_passes, rel_view

NodeRow = tuple[str, Label, dict[str, Any]]
RelRow = tuple[str, str, str, str, dict[str, Any]]
WriteRows = Callable[[sqlite3.Connection, Sequence[NodeRow], Sequence[RelRow]], None]

LIVE = frozenset({Status.PROPOSED.value, Status.APPROVED.value})
LINK_TYPES = frozenset(
    t.value
    for t in (
        RelType.SUPPORTS,
        RelType.CONTRADICTS,
        RelType.APPLIES_IN,
        RelType.IN_SITUATION,
        RelType.DERIVED_FROM,
    )
)


def _view(graph: MemGraph, node_id: str) -> NodeView:
    return node_view(node_id, graph.labels[node_id], graph.props[node_id])


def _rel(rel: Rel) -> RelView:
    return rel_view(rel.id, rel.type, rel.source, rel.target, rel.props)


def relationships_of(
    graph: MemGraph, node_ids: Sequence[str], rel_types: Sequence[str] | None
) -> list[RelView]:
    """Relationships touching the nodes, ordered by id."""
    types = set(rel_types) if rel_types is not None else None
    found: dict[str, Rel] = {}
    for node_id in set(node_ids):
        for rel in graph.rels_of(node_id):
            if types is None or rel.type in types:
                found[rel.id] = rel
    return [_rel(found[i]) for i in sorted(found)]


def assertion_summaries(
    graph: MemGraph, statuses: Sequence[Status], labels: Sequence[Label]
) -> list[AssertionSummary]:
    """Layer nodes with their evidence, entities, citations and links."""
    wanted = {s.value for s in statuses}
    out: list[AssertionSummary] = []
    for label in set(labels):
        for node_id in graph.nodes_with(label):
            props = graph.props[node_id]
            if props.get("status") not in wanted:
                continue
            documents: set[str] = set()
            extractors: set[str] = set()
            entities: set[str] = set()
            evidence = links = 0
            for rel in graph.out_rels(node_id):
                if rel.type == RelType.EVIDENCED_BY.value:
                    evidence += 1
                    documents.add(str(rel.props.get("document_id", "")))
                    extractors.add(str(rel.props.get("extractor", "")))
                elif rel.type == RelType.ABOUT.value:
                    if graph.labels.get(rel.target) is Label.ENTITY:
                        entities.add(rel.target)
                elif rel.type in LINK_TYPES:
                    links += 1
            cited = 0
            for rel in graph.in_rels(node_id):
                if rel.type == RelType.CITES.value:
                    cited += 1
                elif rel.type in LINK_TYPES:
                    links += 1
            out.append(
                AssertionSummary(
                    node=_view(graph, node_id),
                    evidence=evidence,
                    documents=tuple(sorted(documents)),
                    extractors=tuple(sorted(extractors)),
                    entity_ids=tuple(sorted(entities)),
                    cited_by=cited,
                    links=links,
                )
            )
    out.sort(key=lambda s: s.node.id)
    return out


def entity_summaries(
    graph: MemGraph, statuses: Sequence[Status], is_relation: Callable[[str], bool]
) -> list[EntitySummary]:
    """Entities with their live relations, neighbours, assertions, mentions and citations."""
    wanted = {s.value for s in statuses}
    out: list[EntitySummary] = []
    for node_id in sorted(graph.nodes_with(Label.ENTITY)):
        if graph.props[node_id].get("status") not in wanted:
            continue
        relations = mentions = cited = 0
        neighbours: set[str] = set()
        documents: set[str] = set()
        assertions: set[str] = set()
        for rel in graph.rels_of(node_id):
            other = rel.target if rel.source == node_id else rel.source
            if is_relation(rel.type):
                if rel.props.get("status") in LIVE and graph.labels.get(other) is Label.ENTITY:
                    relations += 1
                    neighbours.add(other)
            elif rel.type == RelType.ABOUT.value and rel.target == node_id:
                if graph.props.get(rel.source, {}).get("status") in LIVE:
                    assertions.add(rel.source)
            elif rel.type == RelType.MENTIONS.value and rel.target == node_id:
                mentions += 1
                documents.add(str(graph.props.get(rel.source, {}).get("document_id", "")))
            elif rel.type == RelType.CITES.value and rel.target == node_id:
                cited += 1
        out.append(
            EntitySummary(
                node=_view(graph, node_id),
                relations=relations,
                neighbours=tuple(sorted(neighbours)),
                assertions=len(assertions),
                mentions=mentions,
                documents=tuple(sorted(documents)),
                cited_by=cited,
            )
        )
    return out


def export_subgraph(
    graph: MemGraph,
    labels: Sequence[Label],
    rel_types: Sequence[str],
    statuses: Sequence[Status],
    entity_statuses: Sequence[Status],
) -> Subgraph:
    """Nodes of the labels passing the status filters and the relationships between them."""
    wanted = set(labels)
    kept: set[str] = set()
    nodes: list[NodeView] = []
    for node_id, label in graph.labels.items():
        if label in wanted:
            view = _view(graph, node_id)
            if node_passes(view, statuses, entity_statuses):
                kept.add(node_id)
                nodes.append(view)
    types = set(rel_types)
    rels = [
        _rel(rel)
        for rel in graph.rels.values()
        if rel.type in types and rel.source in kept and rel.target in kept
    ]
    rels = [r for r in rels if rel_passes(r, statuses)]
    return Subgraph(
        nodes=tuple(sorted(nodes, key=lambda n: n.id)),
        relationships=tuple(sorted(rels, key=lambda r: r.id)),
    )


class PatchWriter:
    """Checks and applies one :class:`GraphPatch` inside the caller's transaction.

    Args:
        conn: the connection holding the transaction.
        graph: the read model, kept in step.
        schema: the graph schema (created relationships are checked against it).
        write_rows: upserts node and relationship rows (SQLite and read model).
        forget_node: drops a node about to be deleted from the lookup indexes.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        graph: MemGraph,
        schema: GraphSchema,
        write_rows: WriteRows,
        forget_node: Callable[[str], None],
    ) -> None:
        self._conn = conn
        self._graph = graph
        self._schema = schema
        self._write_rows = write_rows
        self._forget_node = forget_node

    def check(self, patch: GraphPatch) -> None:
        """Raise :class:`Conflict` or :class:`InvalidInput` when the patch cannot apply."""
        graph = self._graph
        ids = {n.id for n in patch.nodes}
        ids.update(e for r in patch.rels if r.before is None for e in (r.source_id, r.target_id))
        nodes = {i: graph.props[i] for i in ids if i in graph}
        rels: dict[str, dict[str, Any]] = {}
        for r in patch.rels:
            stored = graph.rels.get(r.id)
            if stored is not None and (stored.source, stored.target) == (r.source_id, r.target_id):
                rels[r.id] = stored.props
        node_rels = {
            n.id: [rel.id for rel in graph.rels_of(n.id)]
            for n in patch.nodes
            if n.after is None and n.id in graph
        }
        problems = find_conflicts(patch, nodes, rels, node_rels)
        if problems:
            raise Conflict(conflict_message(problems))
        for r in patch.rels:
            if r.before is None:
                try:
                    self._schema.check_pattern(
                        label_for(r.source_id), r.type, label_for(r.target_id)
                    )
                except (SchemaViolation, ValueError) as exc:
                    raise InvalidInput(f"change refused, nothing was written: {exc}") from exc

    def apply(self, patch: GraphPatch) -> PatchSummary:
        """Write the patch (after :meth:`check`)."""
        graph = self._graph
        node_rows: list[NodeRow] = []
        counts = dict.fromkeys(
            ("nodes_created", "nodes_updated", "rels_created", "rels_updated"), 0
        )
        for n in patch.nodes:
            if n.after is None:
                continue
            if n.before is None:
                props, key = dict(n.after), "nodes_created"
            else:
                props, key = updated_props(graph.props[n.id], n.before, n.after), "nodes_updated"
            counts[key] += 1
            node_rows.append((n.id, label_for(n.id), props))
        rel_rows: list[RelRow] = []
        for r in patch.rels:
            if r.after is None:
                continue
            if r.before is None:
                props, key = dict(r.after), "rels_created"
            else:
                current = graph.rels[r.id].props
                props, key = updated_props(current, r.before, r.after), "rels_updated"
            counts[key] += 1
            rel_rows.append((r.id, r.type, r.source_id, r.target_id, props))
        self._write_rows(self._conn, node_rows, rel_rows)
        deleted_rels = [r.id for r in patch.rels if r.after is None]
        for rid in deleted_rels:
            self._conn.execute(sql.DELETE_REL, (rid,))
            graph.remove_rel(rid)
        deleted_nodes = [n.id for n in patch.nodes if n.after is None]
        for node_id in deleted_nodes:
            self._conn.execute(sql.DELETE_NODE, (node_id,))
            self._forget_node(node_id)
            graph.remove_node(node_id)
        return PatchSummary(
            **counts, nodes_deleted=len(deleted_nodes), rels_deleted=len(deleted_rels)
        )

    def store_decisions(self, decisions: Sequence[DecisionRecord]) -> None:
        """Create the decision nodes, each ``DECIDED`` its target."""
        node_rows: list[NodeRow] = []
        rel_rows: list[RelRow] = []
        for decision in decisions:
            if decision.target_id not in self._graph:
                raise NotFound(
                    f"cannot record decision {decision.id}: its target {decision.target_id!r} "
                    "does not exist"
                )
            if decision.id in self._graph:
                raise Conflict(f"decision {decision.id} exists already")
            decided = rel_id(RelType.DECIDED.value, decision.id, decision.target_id)
            node_rows.append((decision.id, Label.DECISION, decision.props()))
            rel_rows.append(
                (decided, RelType.DECIDED.value, decision.id, decision.target_id, {"id": decided})
            )
        self._write_rows(self._conn, node_rows, rel_rows)
