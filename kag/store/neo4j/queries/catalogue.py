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

#: Changes whenever ``PAGE_PASSAGES`` may return something else (``passages_stamp``): chunk,
#: mention and entity counts come from the count store (no scan); document versions and entity
#: statuses are read from those nodes only.
PASSAGES_STAMP: Final[str] = """
CALL () { MATCH (c:Chunk) RETURN count(c) AS chunks }
CALL () { MATCH (:Chunk)-[r:MENTIONS]->() RETURN count(r) AS mentions }
CALL () { MATCH (d:Document) RETURN count(d) AS documents, sum(d.version) AS versions }
CALL () {
  MATCH (e:Entity)
  WITH coalesce(e.status, '') AS status, count(*) AS n ORDER BY status
  RETURN collect(status + ':' + toString(n)) AS entities
}
RETURN chunks, mentions, documents, versions, entities
"""

#: Live chunks (of their document's current version) ordered by id, after ``$after``, with the
#: usable entities they mention (``GraphStore.list_passages``).
PAGE_PASSAGES: Final[str] = """
MATCH (d:Document)-[:HAS_CHUNK]->(c:Chunk)
WHERE c.version = d.version AND ($after IS NULL OR c.id > $after)
WITH d, c ORDER BY c.id LIMIT $limit
CALL (c) {
  OPTIONAL MATCH (c)-[:MENTIONS]->(e:Entity) WHERE e.status IN $statuses
  WITH e ORDER BY e.id
  RETURN collect(e.id) AS entities
}
RETURN c.id AS chunk_id, d.id AS document_id, coalesce(d.source, '') AS source,
       coalesce(d.title, '') AS title, c.version AS version, c.start AS start, c.end AS end,
       c.text AS text, entities
ORDER BY chunk_id
"""
