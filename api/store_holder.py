"""The API's one store: opened at start-up, watched, and re-opened when it comes back.

A store that cannot be reached (Neo4j stopped, wrong password, old schema) does not stop the API
from starting: requests get 503 with what is wrong, and a monitor thread keeps trying until the
store answers with the right schema version, after which service resumes by itself.

While the store is marked down, requests fail at once instead of each waiting for the driver's
own retries (up to ``KAG_NEO4J__MAX_TRANSACTION_RETRY_TIME_S``), which would tie up every worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from graph_schema import schema_version
from kag.errors import KagError, SchemaMismatch, StoreUnavailable
from kag.settings import Settings
from kag.store import GraphStore, open_store

logger = logging.getLogger(__name__)

StoreOpener = Callable[[Settings], GraphStore]


class StoreHolder:
    """Holds the open store, or the reason there is none.

    Args:
        settings: the API's settings (``KAG_STORE``, ``KAG_API__STORE_RETRY_INTERVAL_S``, ...).
        opener: how to open a store (``open_store``).
    """

    def __init__(self, settings: Settings, opener: StoreOpener = open_store) -> None:
        self._settings = settings
        self._opener = opener
        self._lock = threading.Lock()
        self._store: GraphStore | None = None
        self._problem: KagError | None = StoreUnavailable("the graph store has not been opened")
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None
        self._probe_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kag-readyz")
        self._probe: Future[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Try to open the store now, then watch it in the background."""
        self._attempt()
        self._monitor = threading.Thread(target=self._watch, name="kag-store-monitor", daemon=True)
        self._monitor.start()

    def close(self) -> None:
        """Stop watching and close the store."""
        self._stopping.set()
        self._wake.set()
        if self._monitor is not None:
            self._monitor.join(timeout=30)
        self._probe_pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()

    # -- use -----------------------------------------------------------------------------------
    @property
    def is_up(self) -> bool:
        """Whether the store was usable at the last check."""
        with self._lock:
            return self._problem is None and self._store is not None

    def get(self) -> GraphStore:
        """The open store.

        Raises:
            StoreUnavailable: the store is down or was never reached.
            SchemaMismatch: the store's schema version is not the code's.
        """
        with self._lock:
            if self._problem is None and self._store is not None:
                return self._store
            problem = self._problem or StoreUnavailable("the graph store is not open")
        raise problem

    def report_failure(self, problem: KagError) -> None:
        """A request found the store unusable: fail fast until the monitor sees it back."""
        with self._lock:
            if self._problem is None:
                logger.warning("graph store marked down: %s", problem.message)
            self._problem = problem
        self._wake.set()

    def ready(self) -> None:
        """Check the store answers with the right schema version, within the readiness timeout.

        Raises:
            StoreUnavailable: down, or no answer within ``KAG_API__READINESS_TIMEOUT_S``.
            SchemaMismatch: the schema version is not the code's.
        """
        store = self.get()
        timeout = self._settings.api.readiness_timeout_s
        with self._lock:
            # One probe at a time: a hung probe must not pile up threads behind it.
            if self._probe is None or self._probe.done():
                self._probe = self._probe_pool.submit(_check_version, store)
            probe = self._probe
        try:
            probe.result(timeout=timeout)
        except FutureTimeout:
            problem = StoreUnavailable(f"the graph store did not answer within {timeout:g} s")
            self.report_failure(problem)
            raise problem from None
        except KagError as exc:
            self.report_failure(exc)
            raise

    # -- monitor -------------------------------------------------------------------------------
    def _watch(self) -> None:
        interval = self._settings.api.store_retry_interval_s
        while not self._stopping.is_set():
            self._wake.wait(timeout=interval)
            self._wake.clear()
            if self._stopping.is_set():
                return
            with self._lock:
                down = self._problem is not None
            if down:
                self._attempt()

    def _attempt(self) -> None:
        """Open the store if needed and check it; record the outcome."""
        with self._lock:
            store = self._store
        try:
            if store is None:
                store = self._opener(self._settings)
                with self._lock:
                    self._store = store
            _check_version(store)
        except KagError as exc:
            with self._lock:
                self._problem = exc
            logger.warning("graph store not usable yet: %s", exc.message)
            return
        except Exception as exc:  # a driver error the adapter did not translate
            with self._lock:
                self._problem = StoreUnavailable(f"{type(exc).__name__}: {exc}")
            logger.exception("graph store check failed")
            return
        with self._lock:
            if self._problem is not None:
                logger.warning("graph store is usable again")
            self._problem = None


def _check_version(store: GraphStore) -> None:
    found, expected = store.schema_version(), schema_version()
    if found != expected:
        raise SchemaMismatch(
            f"the graph has schema version {found}, this API needs {expected}: "
            "run `kag schema apply` against the same store",
            found=found,
            expected=expected,
        )
