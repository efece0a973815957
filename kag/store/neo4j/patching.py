"""Applying a curation patch inside a Neo4j write transaction (``Neo4jStore.apply_patch``).

The current state of every element the patch names is read in the same transaction, checked
with the shared :func:`kag.store.patch.find_conflicts`, and only then written, grouped by label
and by (type, source label, target label) so each statement is one ``UNWIND`` batch. The Cypher
is in ``kag/store/neo4j/queries/curation.py``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from neo4j import ManagedTransaction

from graph_schema import GraphSchema, Label, RelType, SchemaViolation, rel_id
from graph_schema.properties import DecisionRecord
from kag.errors import Conflict, InvalidInput, NotFound
from kag.store.neo4j.queries import curation as q
from kag.store.patch import (
    GraphPatch,
    PatchSummary,
    RelChange,
    conflict_message,
    find_conflicts,
    updated_props,
)
from kag.store.views import label_for

_RelKey = tuple[str, Label, Label]


def _by_label(ids: Iterable[str]) -> dict[Label, list[str]]:
    out: dict[Label, list[str]] = defaultdict(list)
    for node_id in dict.fromkeys(ids):
        out[label_for(node_id)].append(node_id)
    return out


def _by_rel_key(rels: Iterable[RelChange]) -> dict[_RelKey, list[RelChange]]:
    out: dict[_RelKey, list[RelChange]] = defaultdict(list)
    for r in rels:
        out[(r.type, label_for(r.source_id), label_for(r.target_id))].append(r)
    return out


def _rows(rels: Sequence[RelChange]) -> list[dict[str, Any]]:
    return [{"id": r.id, "src": r.source_id, "dst": r.target_id} for r in rels]


class PatchWork:
    """The transaction work of one ``apply_patch`` call."""

    def __init__(
        self, schema: GraphSchema, patch: GraphPatch, decisions: Sequence[DecisionRecord]
    ) -> None:
        self._schema = schema
        self._patch = patch
        self._decisions = decisions
        try:
            for n in patch.nodes:
                label_for(n.id)  # every node id carries its label
            for r in patch.rels:
                if r.before is None:
                    schema.check_pattern(label_for(r.source_id), r.type, label_for(r.target_id))
                else:
                    schema.cypher_rel_type(r.type)
        except (SchemaViolation, ValueError) as exc:
            raise InvalidInput(f"change refused, nothing was written: {exc}") from exc

    def __call__(self, tx: ManagedTransaction) -> PatchSummary:
        self._lock(tx)
        nodes, rels = self._read(tx)
        problems = find_conflicts(self._patch, *self._current(nodes, rels))
        if problems:
            raise Conflict(conflict_message(problems))
        summary = self._write(tx, {i: props for i, (props, _) in nodes.items()}, rels)
        self._store_decisions(tx)
        return summary.model_copy(update={"decisions": len(self._decisions)})

    # -- reading -----------------------------------------------------------------------------
    def _lock(self, tx: ManagedTransaction) -> None:
        """Write-lock the existing nodes the patch touches and the endpoints of its
        relationships, in id order (one order for every transaction: no lock cycles)."""
        ids = {n.id for n in self._patch.nodes}
        ids |= {e for r in self._patch.rels for e in (r.source_id, r.target_id)}
        for label, label_ids in sorted(_by_label(sorted(ids)).items()):
            tx.run(q.lock_nodes(label), ids=label_ids).consume()

    def _read(
        self, tx: ManagedTransaction
    ) -> tuple[dict[str, tuple[dict[str, Any], list[str]]], dict[str, dict[str, Any]]]:
        patch = self._patch
        ids = [n.id for n in patch.nodes]
        ids += [e for r in patch.rels if r.before is None for e in (r.source_id, r.target_id)]
        nodes: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for label, label_ids in _by_label(ids).items():
            for rec in tx.run(q.node_states(label), ids=label_ids):
                nodes[rec["id"]] = (dict(rec["props"]), list(rec["rel_ids"]))
        rels: dict[str, dict[str, Any]] = {}
        for (rtype, src, dst), changes in _by_rel_key(patch.rels).items():
            query = q.rel_states(self._schema, rtype, src, dst)
            for rec in tx.run(query, rows=_rows(changes)):
                rels[rec["id"]] = dict(rec["props"])
        return nodes, rels

    def _current(
        self,
        nodes: dict[str, tuple[dict[str, Any], list[str]]],
        rels: dict[str, dict[str, Any]],
    ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, list[str]]]:
        deleted = {n.id for n in self._patch.nodes if n.after is None}
        node_rels = {i: rel_ids for i, (_, rel_ids) in nodes.items() if i in deleted}
        return {i: props for i, (props, _) in nodes.items()}, rels, node_rels

    # -- writing -----------------------------------------------------------------------------
    def _write(
        self,
        tx: ManagedTransaction,
        nodes: dict[str, dict[str, Any]],
        rels: dict[str, dict[str, Any]],
    ) -> PatchSummary:
        patch = self._patch
        created = [n for n in patch.nodes if n.before is None and n.after is not None]
        updated = [n for n in patch.nodes if n.before is not None and n.after is not None]
        deleted = [n.id for n in patch.nodes if n.after is None]
        for label, label_ids in _by_label(n.id for n in created).items():
            wanted = set(label_ids)
            new_rows = [{"props": n.after} for n in created if n.id in wanted]
            tx.run(q.create_nodes(label), rows=new_rows).consume()
        for label, label_ids in _by_label(n.id for n in updated).items():
            wanted = set(label_ids)
            rows = [
                {"id": n.id, "props": updated_props(nodes[n.id], n.before or {}, n.after or {})}
                for n in updated
                if n.id in wanted
            ]
            tx.run(q.replace_node_props(label), rows=rows).consume()
        rel_counts = self._write_rels(tx, rels)
        for label, label_ids in _by_label(deleted).items():
            tx.run(q.delete_nodes(label), ids=label_ids).consume()
        return PatchSummary(
            nodes_created=len(created),
            nodes_updated=len(updated),
            nodes_deleted=len(deleted),
            **rel_counts,
        )

    def _write_rels(
        self, tx: ManagedTransaction, rels: dict[str, dict[str, Any]]
    ) -> dict[str, int]:
        counts = {"rels_created": 0, "rels_updated": 0, "rels_deleted": 0}
        schema = self._schema
        for (rtype, src, dst), changes in _by_rel_key(self._patch.rels).items():
            gone = [r for r in changes if r.after is None]
            if gone:
                tx.run(q.delete_rels(schema, rtype, src, dst), rows=_rows(gone)).consume()
                counts["rels_deleted"] += len(gone)
            new = [r for r in changes if r.before is None and r.after is not None]
            if new:
                rows = [{"src": r.source_id, "dst": r.target_id, "props": r.after} for r in new]
                record = tx.run(q.create_rels(schema, rtype, src, dst), rows=rows).single()
                if record is None or record["written"] != len(rows):
                    raise Conflict("nothing was changed: a relationship's endpoint disappeared")
                counts["rels_created"] += len(new)
            kept = [r for r in changes if r.before is not None and r.after is not None]
            if kept:
                rows = [
                    {
                        **row,
                        "props": updated_props(rels[r.id], r.before or {}, r.after or {}),
                    }
                    for r, row in zip(kept, _rows(kept), strict=True)
                ]
                tx.run(q.replace_rel_props(schema, rtype, src, dst), rows=rows).consume()
                counts["rels_updated"] += len(kept)
        return counts

    def _store_decisions(self, tx: ManagedTransaction) -> None:
        by_target: dict[Label, list[dict[str, Any]]] = defaultdict(list)
        for d in self._decisions:
            by_target[label_for(d.target_id)].append(
                {
                    "decision": d.props(),
                    "target_id": d.target_id,
                    "rel_id": rel_id(RelType.DECIDED.value, d.id, d.target_id),
                }
            )
        for label, rows in by_target.items():
            record = tx.run(q.create_decisions(label), rows=rows).single(strict=True)
            if record["written"] != len(rows):
                missing = ", ".join(r["target_id"] for r in rows)
                raise NotFound(
                    f"cannot record the decisions: a target among {missing} does not exist"
                )
