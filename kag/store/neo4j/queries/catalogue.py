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

#: The graph's revision: a counter on one ``SchemaMeta`` node that every write transaction which
#: can change ``PAGE_PASSAGES`` (documents, chunks, mentions, entities and their statuses) bumps as
#: its first statement. First, so those writers take the one lock in the same order (no deadlock
#: through it) and serialise, as their shared entities make them do anyway. Answers and feedback
#: do not bump it.
BUMP_REVISION: Final[str] = """
MERGE (m:SchemaMeta {id: 'revision'})
SET m.revision = coalesce(m.revision, 0) + 1
"""

#: Changes whenever ``PAGE_PASSAGES`` may return something else (``passages_stamp``): the
#: revision, one node read by its unique id, and beside it chunk, mention, document and entity
#: counts from the count store, which also catch nodes written or deleted by other tools. Nothing
#: here grows with the graph: the stamp is read before every hybrid passage search.
PASSAGES_STAMP: Final[str] = """
OPTIONAL MATCH (m:SchemaMeta {id: 'revision'})
WITH coalesce(m.revision, 0) AS revision
CALL () { MATCH (c:Chunk) RETURN count(c) AS chunks }
CALL () { MATCH (:Chunk)-[r:MENTIONS]->() RETURN count(r) AS mentions }
CALL () { MATCH (d:Document) RETURN count(d) AS documents }
CALL () { MATCH (e:Entity) RETURN count(e) AS entities }
RETURN revision, chunks, mentions, documents, entities
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
