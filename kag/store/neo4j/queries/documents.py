"""Cypher for ingestion support: catalogues, fingerprints, decisions, retiring document versions.

A chunk is *live* when its ``version`` equals its document's current ``version``. The rules are
those of :meth:`kag.store.base.GraphStore.replace_document`; the embedded backend implements the
same rules in ``kag/store/embedded/documents.py``. Assertions are found by id through one
``UNION ALL`` branch per layer label, so each lookup is an index seek.
"""

from __future__ import annotations

from typing import Final

from graph_schema import LAYER_LABELS, cypher_label


def _layer_node(var: str, key: str) -> str:
    """``CALL (<var>) { ... }`` binding ``a`` to the layer node whose id is ``<key>``."""
    branches = "\n  UNION ALL ".join(
        f"MATCH (a:{cypher_label(label)} {{id: {key}}}) RETURN a" for label in sorted(LAYER_LABELS)
    )
    return f"CALL ({var}) {{\n  {branches}\n}}\n"


LIST_ENTITIES: Final[str] = """
MATCH (n:Entity)
RETURN n.id AS id, properties(n) AS props
ORDER BY n.id
"""

ASSERTIONS_BY_FINGERPRINT: Final[str] = (
    "CALL () {\n  "
    + "\n  UNION ALL ".join(
        f"MATCH (n:{cypher_label(label)}) WHERE n.fingerprint IN $fingerprints RETURN n"
        for label in sorted(LAYER_LABELS)
    )
    + "\n}\nRETURN n.id AS id, properties(n) AS props\nORDER BY n.id"
)

#: Statements of the layer labels in ``$labels`` whose status is in ``$statuses``.
LIST_STATEMENTS: Final[str] = (
    "CALL () {\n  "
    + "\n  UNION ALL ".join(
        f"MATCH (n:{cypher_label(label)} {{kind: 'statement'}}) "
        f"WHERE '{label.value}' IN $labels RETURN n"
        for label in sorted(LAYER_LABELS)
    )
    + "\n}\nWITH n WHERE n.status IN $statuses\n"
    "RETURN n.id AS id, properties(n) AS props\nORDER BY n.id"
)

LIST_DECISIONS: Final[str] = """
MATCH (d:Decision) WHERE d.action IN $actions
RETURN d.id AS id, properties(d) AS props
ORDER BY d.created_at, d.id
"""

#: Evidence into the retired chunks of ``$document_id``: the assertions and the chunks.
RETIRED_EVIDENCE: Final[str] = """
MATCH (c:Chunk {document_id: $document_id}) WHERE c.version < $version
OPTIONAL MATCH (a)-[:EVIDENCED_BY]->(c)
RETURN collect(DISTINCT a.id) AS assertion_ids, collect(DISTINCT c.id) AS chunk_ids
"""

#: ``$rows`` of ``{id, status}``: superseded assertions take the status the batch gives them.
REVIVE_SUPERSEDED: Final[str] = (
    "UNWIND $rows AS row\n"
    + _layer_node("row", "row.id")
    + "WITH a, row WHERE a.status = $superseded\n"
    "SET a.status = row.status\n"
    "WITH a\n"
    "OPTIONAL MATCH (:Entity {id: a.subject_id})-[r {id: a.id}]->(:Entity {id: a.object_id})\n"
    "SET r.status = a.status\n"
    "RETURN collect(DISTINCT a.id) AS ids"
)

#: Of the assertions ``$ids`` that have live evidence, delete their evidence into retired
#: chunks; returns how many links went and the chunks they pointed into.
DELETE_STALE_EVIDENCE: Final[str] = (
    "UNWIND $ids AS aid\n" + _layer_node("aid", "aid") + "WITH a WHERE EXISTS {\n"
    "  MATCH (a)-[:EVIDENCED_BY]->(live:Chunk)\n"
    "  MATCH (d:Document {id: live.document_id}) WHERE d.version = live.version\n"
    "}\n"
    "MATCH (a)-[e:EVIDENCED_BY]->(c:Chunk)\n"
    "MATCH (d:Document {id: c.document_id}) WHERE d.version <> c.version\n"
    "WITH e, c.id AS chunk_id\n"
    "DELETE e\n"
    "RETURN count(e) AS removed, collect(DISTINCT chunk_id) AS chunk_ids"
)

#: Of the assertions ``$ids`` in ``$live_statuses`` without live evidence, set ``superseded``
#: (and on the mirrored relationship); returns their ids.
SUPERSEDE_ORPHANED: Final[str] = (
    "UNWIND $ids AS aid\n"
    + _layer_node("aid", "aid")
    + "WITH a WHERE a.status IN $live_statuses AND NOT EXISTS {\n"
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
