"""Retiring a document's older versions inside a Neo4j write transaction (``replace_document``).

The rules are those of :meth:`kag.store.base.GraphStore.replace_document`; the Cypher is in
``kag/store/neo4j/queries/documents.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from neo4j import ManagedTransaction

from graph_schema import Status
from kag.store.base import ReplaceSummary, WriteSummary
from kag.store.neo4j.queries import documents

_SUPERSEDED = Status.SUPERSEDED.value
_LIVE = [Status.PROPOSED.value, Status.APPROVED.value]


def revive(tx: ManagedTransaction, rows: Sequence[dict[str, str]]) -> list[str]:
    """Superseded assertions among ``rows`` (``{id, status}``) take the status given."""
    if not rows:
        return []
    record = tx.run(documents.REVIVE_SUPERSEDED, rows=list(rows), superseded=_SUPERSEDED).single(
        strict=True
    )
    return list(record["ids"])


def retire(
    tx: ManagedTransaction,
    document_id: str,
    version: int,
    revived: list[str],
    written: WriteSummary,
) -> ReplaceSummary:
    """Apply the retirement rules to the document's versions below ``version``."""
    affected, chunk_ids = set(revived), set[str]()
    if version > 1:
        record = tx.run(
            documents.RETIRED_EVIDENCE, document_id=document_id, version=version
        ).single(strict=True)
        affected.update(record["assertion_ids"])
        chunk_ids.update(record["chunk_ids"])
    removed, orphaned = 0, []
    if affected:
        ids = sorted(affected)
        record = tx.run(documents.DELETE_STALE_EVIDENCE, ids=ids).single(strict=True)
        removed = int(record["removed"])
        chunk_ids.update(record["chunk_ids"])
        record = tx.run(
            documents.SUPERSEDE_ORPHANED, ids=ids, live_statuses=_LIVE, superseded=_SUPERSEDED
        ).single(strict=True)
        orphaned = sorted(record["ids"])
    pruned = 0
    if chunk_ids:
        record = tx.run(documents.PRUNE_RETIRED_CHUNKS, chunk_ids=sorted(chunk_ids)).single(
            strict=True
        )
        pruned = int(record["removed"])
    return ReplaceSummary(
        written=written,
        superseded=tuple(orphaned),
        revived=tuple(sorted(revived)),
        evidence_removed=removed,
        chunks_removed=pruned,
    )
