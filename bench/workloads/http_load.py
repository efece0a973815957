"""Closed-loop HTTP load: N concurrent clients, each sending its next request when the last one
is answered, until a time limit or a request budget (loopback only, bounded, stops by itself)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import quantiles
from typing import Any

import httpx

#: One request: method, path and JSON body (or ``None``).
Request = tuple[str, str, dict[str, Any] | None]


@dataclass
class LoadResult:
    """What the clients saw."""

    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0

    @property
    def requests(self) -> int:
        """Requests that got an answer or failed."""
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        """Requests per second over the run."""
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        """The ``p``-th percentile latency in ms (0 when nothing ran)."""
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]


async def _client(
    client: httpx.AsyncClient,
    next_request: Callable[[], Request | None],
    deadline: float,
    result: LoadResult,
    is_ok: Callable[[httpx.Response], bool],
) -> None:
    while time.monotonic() < deadline:
        request = next_request()
        if request is None:
            return
        method, path, body = request
        began = time.perf_counter()
        try:
            response = await client.request(method, path, json=body)
            await response.aread()
            status = str(response.status_code)
            ok = is_ok(response)
        except httpx.HTTPError as exc:
            status, ok = type(exc).__name__, False
        result.latencies_ms.append((time.perf_counter() - began) * 1000)
        result.statuses[status] += 1
        if not ok:
            result.errors += 1


async def _run(
    base_url: str,
    headers: dict[str, str],
    requests: Sequence[Request],
    clients: int,
    duration_s: float,
    max_requests: int,
    timeout_s: float,
    is_ok: Callable[[httpx.Response], bool],
) -> LoadResult:
    result = LoadResult()
    sent = 0

    def next_request() -> Request | None:
        nonlocal sent
        if sent >= max_requests:
            return None
        sent += 1
        return requests[sent % len(requests)]

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=timeout_s, limits=limits
    ) as client:
        began = time.monotonic()
        deadline = began + duration_s
        await asyncio.gather(
            *(_client(client, next_request, deadline, result, is_ok) for _ in range(clients))
        )
        result.seconds = time.monotonic() - began
    return result


def run_load(
    base_url: str,
    token: str,
    requests: Sequence[Request],
    *,
    clients: int = 50,
    duration_s: float = 60.0,
    max_requests: int = 200_000,
    timeout_s: float = 30.0,
    is_ok: Callable[[httpx.Response], bool] = lambda r: r.status_code < 400,
) -> LoadResult:
    """Drive ``clients`` concurrent clients through ``requests`` (round robin) until
    ``duration_s`` passes or ``max_requests`` were sent; only loopback URLs are accepted.

    Raises:
        ValueError: ``base_url`` is not on the loopback interface.
    """
    host = httpx.URL(base_url).host
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError(f"load runs on loopback only, not against {base_url}")
    headers = {"Authorization": f"Bearer {token}"}
    # httpx logs every request at INFO: tens of thousands of log lines would load the client.
    quiet = [logging.getLogger(name) for name in ("httpx", "httpcore")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.WARNING)
    try:
        return asyncio.run(
            _run(base_url, headers, requests, clients, duration_s, max_requests, timeout_s, is_ok)
        )
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
