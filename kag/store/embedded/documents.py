"""Retiring older document versions in the embedded backend (see ``replace_document``).

Runs inside the caller's SQLite transaction and keeps the in-memory read model in step, with
the same rules as the Neo4j backend's Cypher in ``kag/store/neo4j/queries/documents.py``: a chunk
is *live* when its version is its document's current version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence

from graph_schema import RelType, Status
from kag.store.base import ReplaceSummary, WriteBatch, WriteSummary
from kag.store.embedded import sql
from kag.store.embedded.memgraph import MemGraph

#: Statuses an assertion leaves for ``superseded`` when its last live evidence goes.
LIVE_STATUSES = frozenset({Status.PROPOSED.value, Status.APPROVED.value})

SetStatus = Callable[[sqlite3.Connection, Sequence[str], Status], int]


class DocumentRetirer:
    """One retirement pass over a document's older versions."""

    def __init__(self, conn: sqlite3.Connection, graph: MemGraph, set_status: SetStatus) -> None:
        self._conn = conn
        self._graph = graph
        self._set_status = set_status

    def _is_live_chunk(self, chunk_id: str) -> bool:
        chunk = self._graph.props[chunk_id]
        document = self._graph.props.get(chunk.get("document_id", ""))
        return document is not None and document.get("version") == chunk.get("version")

    def _evidence(self, assertion_id: str) -> list[tuple[str, str]]:
        """(evidence id, chunk id) of an assertion."""
        return [
            (rel.id, rel.target)
            for rel in self._graph.out_rels(assertion_id)
            if rel.type == RelType.EVIDENCED_BY.value
        ]

    def _retired_chunks(self, document_id: str, version: int) -> list[str]:
        return sorted(
            rel.target
            for rel in self._graph.out_rels(document_id)
            if rel.type == RelType.HAS_CHUNK.value
            and int(self._graph.props[rel.target].get("version", 0)) < version
        )

    def _revive(self, batch: WriteBatch) -> list[str]:
        revived: list[str] = []
        for assertion in batch.assertions:
            props = self._graph.props.get(assertion.id)
            if props is not None and props.get("status") == Status.SUPERSEDED.value:
                self._set_status(self._conn, [assertion.id], assertion.status)
                revived.append(assertion.id)
        return revived

    def _delete_rels(self, rel_ids: Iterable[str]) -> int:
        removed = 0
        for rid in rel_ids:
            self._conn.execute(sql.DELETE_REL, (rid,))
            self._graph.remove_rel(rid)
            removed += 1
        return removed

    def retire(
        self, batch: WriteBatch, document_id: str, version: int, written: WriteSummary
    ) -> ReplaceSummary:
        """Apply the retirement rules; returns what changed."""
        revived = self._revive(batch)
        retired = self._retired_chunks(document_id, version)
        affected = {
            rel.source
            for chunk in retired
            for rel in self._graph.in_rels(chunk)
            if rel.type == RelType.EVIDENCED_BY.value
        }
        affected.update(revived)
        touched_chunks = set(retired)
        superseded: list[str] = []
        evidence_removed = 0
        for assertion_id in sorted(affected):
            evidence = self._evidence(assertion_id)
            stale = [(e, c) for e, c in evidence if not self._is_live_chunk(c)]
            if len(stale) < len(evidence):
                evidence_removed += self._delete_rels(e for e, _ in stale)
                touched_chunks.update(c for _, c in stale)
            elif self._graph.props[assertion_id].get("status") in LIVE_STATUSES:
                self._set_status(self._conn, [assertion_id], Status.SUPERSEDED)
                superseded.append(assertion_id)
        chunks_removed = self._prune(sorted(touched_chunks))
        return ReplaceSummary(
            written=written,
            superseded=tuple(superseded),
            revived=tuple(sorted(revived)),
            evidence_removed=evidence_removed,
            chunks_removed=chunks_removed,
        )

    def _prune(self, chunk_ids: Sequence[str]) -> int:
        """Drop mentions of retired chunks; delete those no evidence points into."""
        removed = 0
        for chunk_id in chunk_ids:
            if chunk_id not in self._graph or self._is_live_chunk(chunk_id):
                continue
            self._delete_rels(
                rel.id
                for rel in [*self._graph.out_rels(chunk_id)]
                if rel.type == RelType.MENTIONS.value
            )
            if any(r.type == RelType.EVIDENCED_BY.value for r in self._graph.in_rels(chunk_id)):
                continue
            rels = [rel.id for rel in self._graph.rels_of(chunk_id)]
            self._delete_rels(rels)
            self._conn.execute(sql.DELETE_NODE, (chunk_id,))
            self._graph.remove_node(chunk_id)
            removed += 1
        return removed
