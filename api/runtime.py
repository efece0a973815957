"""What one API process holds: settings, the store, the state file, keys, limits, metrics."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from api.ingest_runner import IngestRunner
from api.metrics import ApiMetrics
from api.ratelimit import RateLimiter
from api.store_holder import StoreHolder, StoreOpener
from kag.settings import Settings
from kag.state import JobStore, KeyStore, StateDB
from kag.store import open_store

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
    limiter: RateLimiter
    metrics: ApiMetrics

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
            runner=IngestRunner(settings, holder, jobs),
            limiter=RateLimiter(settings.api.rate_limit_per_minute, settings.api.rate_limit_burst),
            metrics=metrics,
        )
        metrics.watch_store(holder)
        holder.start()
        runtime.runner.start()
        return runtime

    def close(self) -> None:
        """Stop the job runner (the current job resumes at the next start), close the store
        and the state file."""
        self.runner.stop()
        self.store.close()
        self.state.close()
        logger.info("API runtime closed")
