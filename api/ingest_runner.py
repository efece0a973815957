"""Runs ingestion jobs in one background thread, one job at a time, resumable.

Each document's outcome is committed to the job as the pipeline reports it, so a job interrupted
by a dead process, a shutdown or an unreachable store resumes later with the documents that have
no outcome yet. A job has a wall-clock limit (``KAG_API__INGEST_TIMEOUT_S``): documents not
started by then are recorded as skipped and the job as failed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from api.metrics import ApiMetrics
from api.store_holder import StoreHolder
from ingestion.loaders import SkippedFile, load_file, load_text
from ingestion.models import LoadedDocument
from ingestion.pipeline import IngestionPipeline
from ingestion.report import DocumentOutcome
from kag.errors import KagError, SchemaMismatch, StoreUnavailable
from kag.settings import Settings
from kag.state import ItemStatus, Job, JobItem, JobStatus, JobStore

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

INGEST_JOB = "ingest"
#: Outcomes that mean the document is in the graph as sent.
_DONE = frozenset({"ingested", "new version", "unchanged"})


class _Stop(Exception):
    """Raised from the progress callback to stop a run between two documents."""

    def __init__(self, reason: str, *, resume: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.resume = resume


class _JobProgress:
    """Receives the pipeline's per-document outcomes and commits them to the job."""

    def __init__(
        self, jobs: JobStore, job: Job, deadline: float, stopping: threading.Event
    ) -> None:
        self._jobs = jobs
        self._job = job
        self._deadline = deadline
        self._stopping = stopping
        # A source may come twice in one job (the pipeline skips the repeat): first in, first out.
        self._by_source: dict[str, deque[JobItem]] = defaultdict(deque)
        for item in job.items:
            if item.status is ItemStatus.PENDING:
                self._by_source[str(item.meta["source"])].append(item)

    def started(self, documents: int) -> None:
        """The run begins (nothing to record)."""

    def document_done(self, outcome: DocumentOutcome, tokens: int) -> None:
        """Commit the document's outcome, then stop if the job must."""
        waiting = self._by_source.get(outcome.source)
        item = waiting.popleft() if waiting else None
        if item is not None:
            status = ItemStatus.DONE if outcome.status in _DONE else ItemStatus.SKIPPED
            if outcome.status == "failed":
                status = ItemStatus.FAILED
            self._jobs.record_item(
                self._job.id,
                item.position,
                status,
                result=outcome.model_dump(mode="json"),
                error=outcome.reason,
            )
        if self._stopping.is_set():
            raise _Stop("the API is shutting down; the job resumes at the next start", resume=True)
        if time.monotonic() > self._deadline:
            raise _Stop("time limit reached", resume=False)


class IngestRunner:
    """The background worker of ingestion jobs.

    Args:
        settings: the API's settings (ingestion settings, job time limit).
        holder: the store holder (jobs wait while the store is down).
        jobs: the job store.
        metrics: where document outcomes and LLM usage are counted.
    """

    def __init__(
        self, settings: Settings, holder: StoreHolder, jobs: JobStore, metrics: ApiMetrics
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._holder = holder
        self._jobs = jobs
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._nlp: Language | None = None

    def start(self) -> None:
        """Requeue jobs a dead process left running, then start working."""
        resumed = self._jobs.requeue_interrupted()
        if resumed:
            logger.warning("resuming %d interrupted ingestion job(s): %s", len(resumed), resumed)
        self._jobs.discard_orphan_inputs()
        self._thread = threading.Thread(target=self._work, name="kag-ingest", daemon=True)
        self._thread.start()

    def submit(self) -> None:
        """A job was queued: look now."""
        self._wake.set()

    def stop(self, timeout_s: float = 60.0) -> None:
        """Stop after the current document; the current job resumes at the next start."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)

    # -- the worker ------------------------------------------------------------------------------
    def _work(self) -> None:
        retry = self._settings.api.store_retry_interval_s
        while not self._stopping.is_set():
            if not self._holder.is_up:
                self._stopping.wait(retry)  # jobs wait in the queue while the store is down
                continue
            try:
                job = self._jobs.claim_next()
            except KagError as exc:
                logger.error("cannot read the job queue: %s", exc.message)
                self._stopping.wait(retry)
                continue
            if job is None:
                self._wake.wait(timeout=1.0)
                self._wake.clear()
                continue
            self._run(job)

    def _run(self, job: Job) -> None:
        logger.info("ingestion job %s: attempt %d, %d items", job.id, job.attempts, len(job.items))
        deadline = time.monotonic() + self._settings.api.ingest_timeout_s
        progress = _JobProgress(self._jobs, job, deadline, self._stopping)
        pending = [item for item in job.items if item.status is ItemStatus.PENDING]
        try:
            store = self._holder.get()
            if self._nlp is None:
                from ingestion.nlp.model import load_model

                self._nlp = load_model(self._settings.ingestion.spacy_model)
            pipeline = IngestionPipeline(store, self._settings, nlp=self._nlp, progress=progress)
            report = pipeline.ingest_documents(self._documents(pending), total=len(pending))
            self._metrics.observe_ingestion(report)
        except _Stop as stop:
            if stop.resume:
                self._jobs.requeue(job.id, stop.reason)
            else:
                self._finish_unprocessed(job.id, f"not started: {stop.reason}")
                self._jobs.finish(job.id, JobStatus.FAILED, f"stopped: {stop.reason}")
            return
        except (StoreUnavailable, SchemaMismatch) as exc:
            self._holder.report_failure(exc)
            self._jobs.requeue(
                job.id, "the graph store became unavailable; the job resumes when it is back"
            )
            return
        except KagError as exc:
            logger.error("ingestion job %s failed: %s", job.id, exc.message)
            self._finish_unprocessed(job.id, f"not processed: {exc.message}")
            self._jobs.finish(job.id, JobStatus.FAILED, exc.message)
            return
        except Exception:
            logger.exception("ingestion job %s failed", job.id)
            self._finish_unprocessed(job.id, "not processed: the job failed unexpectedly")
            self._jobs.finish(
                job.id, JobStatus.FAILED, "the job failed unexpectedly; see the API's log"
            )
            return
        self._finish_unprocessed(job.id, "the pipeline reported no outcome for this document")
        done = self._jobs.get(job.id)
        ok = all(item.status is ItemStatus.DONE for item in done.items)
        self._jobs.finish(job.id, JobStatus.SUCCEEDED if ok else JobStatus.PARTIAL)

    def _finish_unprocessed(self, job_id: str, reason: str) -> None:
        for item in self._jobs.get(job_id).items:
            if item.status is ItemStatus.PENDING:
                self._jobs.record_item(job_id, item.position, ItemStatus.SKIPPED, error=reason)

    def _documents(self, items: list[JobItem]) -> Iterator[LoadedDocument | SkippedFile]:
        limit = self._settings.ingestion.max_file_bytes
        for item in items:
            meta = item.meta
            source = str(meta["source"])
            if meta.get("kind") == "text":
                try:
                    text = Path(item.path).read_text(encoding="utf-8")
                except OSError as exc:
                    yield SkippedFile(source=source, reason=f"the stored text is gone: {exc}")
                    continue
                yield load_text(
                    source,
                    text,
                    title=meta.get("title"),
                    media_type=str(meta.get("media_type", "text/plain")),
                    max_bytes=limit,
                )
            else:
                yield load_file(Path(item.path), max_bytes=limit, source=source)
