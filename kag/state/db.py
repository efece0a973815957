"""The SQLite file holding API keys and jobs: WAL, versioned DDL, one lock per connection."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from kag.errors import StoreUnavailable

logger = logging.getLogger(__name__)

#: DDL by version; ``PRAGMA user_version`` records the newest applied.
_MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    1: (
        """CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            salt TEXT NOT NULL,
            hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        )""",
        "CREATE INDEX api_keys_name ON api_keys(name)",
        """CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            options TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX jobs_status ON jobs(status, created_at)",
        """CREATE TABLE job_items (
            job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            status TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            result TEXT,
            error TEXT,
            PRIMARY KEY (job_id, position)
        )""",
        """CREATE TABLE answers (
            id TEXT PRIMARY KEY,
            asked_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    ),
}

STATE_FILE: Final = "state.db"


class StateDB:
    """One connection to ``<directory>/state.db``, shared by threads under a lock.

    Args:
        directory: the state directory (created when missing).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / STATE_FILE
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._lock = threading.RLock()
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(
                f"cannot open the API state file {self.path}: {exc}; check that the directory "
                "is writable or set KAG_API__STATE_DIR to another directory"
            ) from exc

    def _migrate(self) -> None:
        current = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        for version in sorted(v for v in _MIGRATIONS if v > current):
            with self.transaction() as conn:
                for statement in _MIGRATIONS[version]:
                    conn.execute(statement)
                # PRAGMA does not take parameters; the version is an int from this module.
                conn.execute(f"PRAGMA user_version = {int(version)}")
            logger.info("API state file migrated to version %d", version)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``): committed on exit, rolled back on error."""
        with self._lock, self._translate():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Rows of one read statement."""
        with self._lock, self._translate():
            return list(self._conn.execute(sql, params))

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(
                f"the API state file {self.path} cannot be used now ({exc}); check the disk and "
                "that no other program holds a lock on it"
            ) from exc

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
