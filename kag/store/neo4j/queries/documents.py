"""Cypher for ingestion support: catalogues, fingerprints, decisions, retiring document versions.

A chunk is *live* when its ``version`` equals its document's current ``version``. The rules are
those of :meth:`kag.store.base.GraphStore.replace_document`; the embedded backend implements the
same rules in ``kag/store/embedded/documents.py``.
"""

from __future__ import annotations

from typing import Final

from graph_schema import Label, cypher_label

LIST_ENTITIES: Final[str] = """
MATCH (n:Entity)
RETURN n.id AS id, properties(n) AS props
ORDER BY n.id
"""

ASSERTIONS_BY_FINGERPRINT: Final[str] = """
CALL {
  MATCH (n:Knowledge) WHERE n.fingerprint IN $fingerprints RETURN n
  UNION ALL MATCH (n:Experience) WHERE n.fingerprint IN $fingerprints RETURN n
  UNION ALL MATCH (n:Wisdom) WHERE n.fingerprint IN $fingerprints RETURN n
  UNION ALL MATCH (n:Insight) WHERE n.fingerprint IN $fingerprints RETURN n
  UNION ALL MATCH (n:Situation) WHERE n.fingerprint IN $fingerprints RETURN n
}
RETURN n.id AS id, properties(n) AS props
ORDER BY n.id
"""

LIST_DECISIONS: Final[str] = """
MATCH (d:Decision) WHERE d.action IN $actions
RETURN d.id AS id, properties(d) AS props
ORDER BY d.created_at, d.id
"""

#: Evidence of the retired chunks of ``$document_id``: the assertions and the chunks.
RETIRED_EVIDENCE: Final[str] = """
MATCH (c:Chunk {document_id: $document_id}) WHERE c.version < $version
OPTIONAL MATCH (a)-[:EVIDENCED_BY]->(c)
RETURN collect(DISTINCT a.id) AS assertion_ids, collect(DISTINCT c.id) AS chunk_ids
"""


def revive_superseded(label: Label) -> str:
    """``UNWIND $rows`` of ``{id, status}``: superseded nodes of ``label`` take ``status``."""
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{cypher_label(label)} {{id: row.id}})\n"
        "WHERE a.status = $superseded\n"
        "SET a.status = row.status\n"
        "WITH a\n"
        "OPTIONAL MATCH (:Entity {id: a.subject_id})-[r {id: a.id}]->(:Entity {id: a.object_id})\n"
        "SET r.status = a.status\n"
        "RETURN collect(DISTINCT a.id) AS ids"
    )


def delete_stale_evidence(label: Label) -> str:
    """Of the assertions ``$ids`` of ``label`` with live evidence, delete evidence into retired
    chunks; returns how many links went and the chunks they pointed into."""
    return (
        "UNWIND $ids AS aid\n"
        f"MATCH (a:{cypher_label(label)} {{id: aid}})\n"
        "WHERE EXISTS {\n"
        "  MATCH (a)-[:EVIDENCED_BY]->(live:Chunk)\n"
        "  MATCH (d:Document {id: live.document_id}) WHERE d.version = live.version\n"
        "}\n"
        "MATCH (a)-[e:EVIDENCED_BY]->(c:Chunk)\n"
        "MATCH (d:Document {id: c.document_id}) WHERE d.version <> c.version\n"
        "WITH e, c.id AS chunk_id\n"
        "DELETE e\n"
        "RETURN count(e) AS removed, collect(DISTINCT chunk_id) AS chunk_ids"
    )


def supersede_orphaned(label: Label) -> str:
    """Of the assertions ``$ids`` of ``label`` in ``$live_statuses`` without live evidence, set
    ``superseded`` (and on the mirrored relationship); returns their ids."""
    return (
        "UNWIND $ids AS aid\n"
        f"MATCH (a:{cypher_label(label)} {{id: aid}})\n"
        "WHERE a.status IN $live_statuses AND NOT EXISTS {\n"
        "  MATCH (a)-[:EVIDENCED_BY]->(live:Chunk)\n"
        "  MATCH (d:Document {id: live.document_id}) WHERE d.version = live.version\n"
        "}\n"
        "SET a.status = $superseded\n"
        "WITH a\n"
        "OPTIONAL MATCH (:Entity {id: a.subject_id})-[r {id: a.id}]->(:Entity {id: a.object_id})\n"
        "SET r.status = $superseded\n"
        "RETURN collect(DISTINCT a.id) AS ids"
    )


#: Retired chunks among ``$chunk_ids`` lose their mentions and, without evidence, are deleted.
PRUNE_RETIRED_CHUNKS: Final[str] = """
UNWIND $chunk_ids AS cid
MATCH (c:Chunk {id: cid})
MATCH (d:Document {id: c.document_id}) WHERE d.version <> c.version
OPTIONAL MATCH (c)-[m:MENTIONS]->(:Entity)
DELETE m
WITH DISTINCT c
WHERE NOT EXISTS { MATCH ()-[:EVIDENCED_BY]->(c) }
DETACH DELETE c
RETURN count(c) AS removed
"""
