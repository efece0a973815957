"""Who asked which question through the API: the object-level check on answers.

Answers live in the graph (``Answer`` nodes, shared by every client); which API key asked each one
lives here, so an analyst sees the answers they asked and experts and administrators see all.
"""

from __future__ import annotations

from graph_schema.properties import utc_now
from kag.state.db import StateDB


class AnswerOwners:
    """The key that asked each answer."""

    def __init__(self, db: StateDB) -> None:
        self._db = db

    def record(self, answer_id: str, key_id: str) -> None:
        """Remember that ``key_id`` asked ``answer_id``."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO answers (id, asked_by, created_at) VALUES (?, ?, ?)",
                (answer_id, key_id, utc_now()),
            )

    def asked_by(self, answer_id: str) -> str | None:
        """The id of the key that asked, or ``None`` (unknown, or asked outside the API)."""
        rows = self._db.query("SELECT asked_by FROM answers WHERE id = ?", (answer_id,))
        return str(rows[0]["asked_by"]) if rows else None
