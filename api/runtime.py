"""What one API process holds: settings, the store, the state file, keys, limits, metrics."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from api.ingest_runner import IngestRunner
from api.metrics import ApiMetrics
from api.question_nlp import SerialNlp
from api.ratelimit import RateLimiter
from api.store_holder import StoreHolder, StoreOpener
from kag.engine import Engine
from kag.settings import Settings
from kag.state import AnswerOwners, JobStore, KeyStore, StateDB
from kag.store import GraphStore, open_store

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The process-wide objects of one app, built in its lifespan and closed on shutdown."""

    settings: Settings
    store: StoreHolder
    state: StateDB
    keys: KeyStore
    jobs: JobStore
    runner: IngestRunner
    owners: AnswerOwners
    nlp: SerialNlp
    limiter: RateLimiter
    metrics: ApiMetrics
    answer_writes: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(
        cls, settings: Settings, metrics: ApiMetrics, opener: StoreOpener = open_store
    ) -> Runtime:
        """Open the state file and start the store holder (which never raises)."""
        state = StateDB(settings.api.state_dir)
        holder = StoreHolder(settings, opener)
        jobs = JobStore(state)
        runtime = cls(
            settings=settings,
            store=holder,
            state=state,
            keys=KeyStore(state),
            jobs=jobs,
            runner=IngestRunner(settings, holder, jobs, metrics),
            owners=AnswerOwners(state),
            nlp=SerialNlp(settings),
            limiter=RateLimiter(settings.api.rate_limit_per_minute, settings.api.rate_limit_burst),
            metrics=metrics,
        )
        metrics.watch_store(holder)
        holder.start()
        runtime.runner.start()
        return runtime

    def engine(self, store: GraphStore) -> Engine:
        """An engine over ``store`` sharing the process's question pipeline (cheap to build)."""
        return Engine(store, self.settings, nlp=self.nlp)

    def close(self) -> None:
        """Stop the job runner (the current job resumes at the next start), close the store
        and the state file."""
        self.runner.stop()
        self.store.close()
        self.state.close()
        logger.info("API runtime closed")
