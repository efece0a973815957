"""SQL of the embedded backend: its migrations (keyed by the shared schema versions) and queries."""

from __future__ import annotations

from typing import Final

#: DDL per schema version; version numbers match graph_schema's Cypher migrations.
MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    1: (
        # rowid tables: rows are appended, only the small id index takes random inserts
        "CREATE TABLE IF NOT EXISTS nodes ("
        " seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, label TEXT NOT NULL,"
        " props BLOB NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rels ("
        " seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
        " src TEXT NOT NULL, dst TEXT NOT NULL, props BLOB NOT NULL)",
    ),
    # Version 2 adds lookup and full-text indexes in Neo4j; the embedded backend keeps those
    # indexes in memory (token index, adjacency), so SQLite has nothing to do for it.
    2: (),
    # Version 3 adds Neo4j indexes on statements' ``source``; the embedded statement index
    # keeps sourced statements in tables of their own (in memory).
    3: (),
    # Version 4 makes Neo4j's full-text indexes eventually consistent; the embedded indexes are
    # updated with every commit, in memory.
    4: (),
}

CREATE_META: Final[str] = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
)
SELECT_META: Final[str] = "SELECT value FROM meta WHERE key = ?"
UPSERT_META: Final[str] = (
    "INSERT INTO meta(key, value) VALUES (?, ?)"
    " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)
SELECT_TABLES: Final[str] = "SELECT name FROM sqlite_master WHERE type = 'table'"
SELECT_NODES: Final[str] = "SELECT id, label, props FROM nodes ORDER BY seq"
SELECT_RELS: Final[str] = "SELECT id, type, src, dst, props FROM rels ORDER BY seq"
UPSERT_NODE: Final[str] = (
    "INSERT INTO nodes(id, label, props) VALUES (?, ?, ?)"
    " ON CONFLICT(id) DO UPDATE SET label = excluded.label, props = excluded.props"
)
UPSERT_REL: Final[str] = (
    "INSERT INTO rels(id, type, src, dst, props) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT(id) DO UPDATE SET type = excluded.type, src = excluded.src,"
    " dst = excluded.dst, props = excluded.props"
)
UPDATE_NODE_PROPS: Final[str] = "UPDATE nodes SET props = ? WHERE id = ?"
UPDATE_REL_PROPS: Final[str] = "UPDATE rels SET props = ? WHERE id = ?"
DATA_VERSION: Final[str] = "PRAGMA data_version"

# -- issue 4: retiring document versions --------------------------------------------------------
DELETE_REL: Final[str] = "DELETE FROM rels WHERE id = ?"
DELETE_NODE: Final[str] = "DELETE FROM nodes WHERE id = ?"
