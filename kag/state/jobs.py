"""Background jobs (document ingestion) kept in the state file, so they survive the process.

A job is created only after its inputs are on disk, and every item's outcome is committed as
soon as it is known. A process killed mid-job leaves the job ``running``; the next process
calls :meth:`JobStore.requeue_interrupted` and runs the items that have no outcome yet. Re-running
an item that was written but not yet recorded is harmless: ingestion is idempotent by content
hash.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from graph_schema.properties import utc_now
from kag.errors import NotFound
from kag.state.db import StateDB


class JobStatus(StrEnum):
    """Where a job is."""

    QUEUED = "queued"  # waiting (new, or interrupted and waiting to resume)
    RUNNING = "running"
    SUCCEEDED = "succeeded"  # every item done
    PARTIAL = "partial"  # finished; some items skipped or failed (see their reasons)
    FAILED = "failed"  # stopped: time limit or an error (see ``error``)

    @property
    def finished(self) -> bool:
        """Whether the job will not run again."""
        return self in {JobStatus.SUCCEEDED, JobStatus.PARTIAL, JobStatus.FAILED}


class ItemStatus(StrEnum):
    """Where one input of a job is."""

    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


class NewItem(BaseModel):
    """An input of a new job: its display name, the file holding it, and what the runner needs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    path: Path
    size: int = Field(ge=0)
    meta: dict[str, Any] = Field(default_factory=dict)


class JobItem(BaseModel):
    """One input of a job and its outcome."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    position: int
    name: str
    path: str
    size: int
    status: ItemStatus
    meta: dict[str, Any]
    result: dict[str, Any] | None = None
    error: str | None = None


class Job(BaseModel):
    """A job with its items."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: str
    status: JobStatus
    created_by: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    attempts: int
    error: str | None
    options: dict[str, Any]
    items: tuple[JobItem, ...]

    def count(self, status: ItemStatus) -> int:
        """Items in ``status``."""
        return sum(1 for item in self.items if item.status is status)


_JOB_COLUMNS = (
    "id, kind, status, created_by, created_at, started_at, finished_at, attempts, error, options"
)


class JobStore:
    """Jobs and their items in the state file; uploaded inputs under ``<state>/uploads``."""

    def __init__(self, db: StateDB) -> None:
        self._db = db
        self.uploads = db.directory / "uploads"

    # -- creating ------------------------------------------------------------------------------
    @staticmethod
    def new_id() -> str:
        """A fresh job id."""
        return f"job_{secrets.token_hex(10)}"

    def input_dir(self, job_id: str) -> Path:
        """Where a job's inputs are written before :meth:`create` (created on demand)."""
        path = self.uploads / job_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def create(
        self,
        job_id: str,
        kind: str,
        created_by: str,
        items: Sequence[NewItem],
        options: Mapping[str, Any] | None = None,
    ) -> Job:
        """Record a queued job whose inputs are already on disk, in one transaction."""
        now = utc_now()
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO jobs ({_JOB_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, NULL, 0, NULL, ?)",
                (job_id, kind, JobStatus.QUEUED.value, created_by, now, json.dumps(options or {})),
            )
            conn.executemany(
                "INSERT INTO job_items (job_id, position, name, path, size, status, meta) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        job_id,
                        position,
                        item.name,
                        str(item.path),
                        item.size,
                        ItemStatus.PENDING.value,
                        json.dumps(item.meta),
                    )
                    for position, item in enumerate(items)
                ],
            )
        return self.get(job_id)

    def discard_orphan_inputs(self) -> list[str]:
        """Remove input folders no job refers to (a process that died before :meth:`create`)."""
        if not self.uploads.is_dir():
            return []
        known = {row["id"] for row in self._db.query("SELECT id FROM jobs")}
        removed = []
        for entry in self.uploads.iterdir():
            if entry.is_dir() and entry.name not in known:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
        return removed

    # -- reading -------------------------------------------------------------------------------
    def get(self, job_id: str) -> Job:
        """A job with its items.

        Raises:
            NotFound: no job has this id.
        """
        rows = self._db.query(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
        if not rows:
            raise NotFound(f"no job has id {job_id!r}; GET /v1/jobs lists the recent jobs")
        items = self._db.query(
            "SELECT position, name, path, size, status, meta, result, error FROM job_items "
            "WHERE job_id = ? ORDER BY position",
            (job_id,),
        )
        return _job(rows[0], items)

    def recent(self, *, limit: int = 50, offset: int = 0) -> list[Job]:
        """Jobs, newest first."""
        rows = self._db.query(
            f"SELECT {_JOB_COLUMNS} FROM jobs ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [self.get(row["id"]) for row in rows]

    # -- running -------------------------------------------------------------------------------
    def requeue_interrupted(self) -> list[str]:
        """Put jobs left ``running`` by a dead process back in the queue; returns their ids."""
        with self._db.transaction() as conn:
            ids = [
                row["id"]
                for row in conn.execute(
                    "SELECT id FROM jobs WHERE status = ?", (JobStatus.RUNNING.value,)
                )
            ]
            conn.execute(
                "UPDATE jobs SET status = ?, error = ? WHERE status = ?",
                (
                    JobStatus.QUEUED.value,
                    "interrupted when the API process stopped; resumes with the items "
                    "that have no outcome yet",
                    JobStatus.RUNNING.value,
                ),
            )
        return ids

    def claim_next(self) -> Job | None:
        """The oldest queued job, now ``running`` (one more attempt), or ``None``."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT id FROM jobs WHERE status = ? ORDER BY created_at, id LIMIT 1",
                (JobStatus.QUEUED.value,),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE jobs SET status = ?, attempts = attempts + 1, "
                "started_at = coalesce(started_at, ?) WHERE id = ?",
                (JobStatus.RUNNING.value, utc_now(), row["id"]),
            )
        return self.get(str(row["id"]))

    def record_item(
        self,
        job_id: str,
        position: int,
        status: ItemStatus,
        *,
        result: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Commit one item's outcome."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE job_items SET status = ?, result = ?, error = ? "
                "WHERE job_id = ? AND position = ?",
                (
                    status.value,
                    json.dumps(dict(result)) if result is not None else None,
                    error,
                    job_id,
                    position,
                ),
            )

    def finish(self, job_id: str, status: JobStatus, error: str | None = None) -> Job:
        """Close a job and remove its inputs (they are not needed any more)."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE jobs SET status = ?, finished_at = ?, error = ? WHERE id = ?",
                (status.value, utc_now(), error, job_id),
            )
        shutil.rmtree(self.uploads / job_id, ignore_errors=True)
        return self.get(job_id)

    def requeue(self, job_id: str, reason: str) -> None:
        """Put a running job back in the queue (it resumes later with its pending items)."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE jobs SET status = ?, error = ? WHERE id = ?",
                (JobStatus.QUEUED.value, reason, job_id),
            )


def _job(row: Any, items: Sequence[Any]) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        status=JobStatus(row["status"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        attempts=int(row["attempts"]),
        error=row["error"],
        options=json.loads(row["options"]),
        items=tuple(
            JobItem(
                position=int(item["position"]),
                name=item["name"],
                path=item["path"],
                size=int(item["size"]),
                status=ItemStatus(item["status"]),
                meta=json.loads(item["meta"]),
                result=json.loads(item["result"]) if item["result"] is not None else None,
                error=item["error"],
            )
            for item in items
        ),
    )
