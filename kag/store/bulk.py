"""Bulk writes: many batches in order, one transaction each (``GraphStore.write_many``).

A backend passes two steps: ``plan`` (check a batch and turn it into the backend's work, pure
Python) and ``commit`` (run that work in one transaction). With ``ahead``, the next batch is
planned on a helper thread while the current one commits: a Neo4j server works on one
transaction while the client prepares the next, instead of each waiting for the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from kag.errors import KagError
from kag.store.base import WriteBatch, WriteSummary

P = TypeVar("P")


def write_in_order(
    batches: Iterable[WriteBatch],
    plan: Callable[[WriteBatch], P],
    commit: Callable[[P], WriteSummary],
    *,
    ahead: bool,
) -> WriteSummary:
    """Write ``batches`` in order, each in its own transaction; the summed summary.

    Raises:
        KagError: of the failing batch's own kind, its message saying which batch failed and how
            many were committed before it; batches after it are not written.
    """
    nodes = relationships = committed = 0
    items = iter(batches)
    planner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kag-plan") if ahead else None

    def start(batch: WriteBatch) -> Future[P] | WriteBatch:
        return planner.submit(plan, batch) if planner is not None else batch

    def finish(started: Future[P] | WriteBatch) -> P:
        return started.result() if isinstance(started, Future) else plan(started)

    try:
        first = next(items, None)
        started = start(first) if first is not None else None
        while started is not None:
            try:
                work = finish(started)
                following = next(items, None)
                started = start(following) if following is not None else None
                summary = commit(work)
            except KagError as exc:
                raise _failed(exc, committed, nodes + relationships) from exc
            nodes += summary.nodes
            relationships += summary.relationships
            committed += 1
    finally:
        if planner is not None:
            planner.shutdown(wait=True, cancel_futures=True)
    return WriteSummary(nodes=nodes, relationships=relationships)


def _failed(exc: KagError, committed: int, elements: int) -> KagError:
    done = (
        f"the {committed} batch(es) before it were committed ({elements} elements)"
        if committed
        else "nothing was written"
    )
    return type(exc)(
        f"bulk write stopped at batch {committed + 1}: {exc.message}; {done}, later batches "
        "were not written"
    )
