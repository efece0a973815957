"""Cypher for the document catalogue (``GraphStore.list_documents``); same rules as
``kag/store/embedded/catalogue.py``."""

from __future__ import annotations

from typing import Final

COUNT_DOCUMENTS: Final[str] = """
MATCH (d:Document) WHERE $ids IS NULL OR d.id IN $ids
RETURN count(d) AS total
"""

PAGE_DOCUMENTS: Final[str] = """
MATCH (d:Document) WHERE $ids IS NULL OR d.id IN $ids
WITH d ORDER BY d.source, d.id SKIP $offset LIMIT $limit
CALL (d) {
  OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c:Chunk) WHERE c.version = d.version
  OPTIONAL MATCH (a)-[:EVIDENCED_BY]->(c)
  RETURN count(DISTINCT c) AS chunks, collect(DISTINCT a) AS assertions
}
RETURN d.id AS id, properties(d) AS props, chunks,
       [a IN assertions | coalesce(a.status, '')] AS statuses
ORDER BY d.source, d.id
"""
