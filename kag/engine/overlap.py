"""Store reads of one question run side by side where the backend gains from it.

A Neo4j server works on several queries at once while the client waits, so the plans of one
attempt (the wisdom, experience and episode plans of an advice question) and the lookup of
earlier questions go out together rather than one after the other. The embedded backend runs
reads in this process under one lock: there they run in order, as before. Each call runs in a
copy of the caller's context, so OpenTelemetry spans keep their parent and
``Neo4jStore.capture_reads`` sees every query.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Final, TypeVar

from kag.store import GraphStore

T = TypeVar("T")
#: Threads shared by every engine of the process (the API builds one engine per request).
_WORKERS: Final = 4
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def overlaps(store: GraphStore) -> bool:
    """Whether reads of ``store`` gain from running side by side (a server: Neo4j)."""
    return store.backend == "neo4j"


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="kag-read")
        return _pool


def start(call: Callable[[], T]) -> Future[T]:
    """Run ``call`` on a shared reader thread, in a copy of the current context."""
    context = contextvars.copy_context()
    return _executor().submit(context.run, call)


def run_all(calls: Sequence[Callable[[], T]], *, side_by_side: bool) -> list[T]:
    """The results of ``calls`` in order. Side by side, every call runs to its end before the
    first failure (in call order) is raised, so no read is left running behind the caller."""
    if not side_by_side or len(calls) < 2:
        return [call() for call in calls]
    futures = [start(call) for call in calls[1:]]
    first: list[T] = []
    error: BaseException | None = None
    try:
        first.append(calls[0]())
    except BaseException as exc:  # re-raised below, once the others finished
        error = exc
    rest: list[T] = []
    for future in futures:
        try:
            rest.append(future.result())
        except BaseException as exc:  # the first failure in call order wins
            error = error or exc
    if error is not None:
        raise error
    return first + rest
