"""Cypher for schema versioning (the migrations themselves live in graph_schema/migrations)."""

from __future__ import annotations

from typing import Final

#: Returns once the eventually consistent full-text indexes hold every committed write.
AWAIT_FULLTEXT_REFRESH: Final[str] = (
    "CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()"
)
GET_SCHEMA_VERSION: Final[str] = "MATCH (m:SchemaMeta {id: 'schema'}) RETURN m.version AS version"

SET_SCHEMA_VERSION: Final[str] = """
MERGE (m:SchemaMeta {id: 'schema'})
SET m.version = $version, m.updated_at = $updated_at
"""

HAS_ANY_DATA: Final[str] = "MATCH (n) WHERE NOT n:SchemaMeta RETURN count(n) > 0 AS any LIMIT 1"
