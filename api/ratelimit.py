"""Per-key rate limits: a token bucket per API key, in this process's memory.

Each key may make ``KAG_API__RATE_LIMIT_PER_MINUTE`` requests a minute on average and burst up
to ``KAG_API__RATE_LIMIT_BURST``. Limits are per API process: run one process per deployment
(uvicorn's default), or divide the limit by the number of workers.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by key id.

    Args:
        per_minute: sustained requests per minute per key.
        burst: bucket size (requests allowed at once after a quiet period).
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(max(burst, 1))
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, key_id: str) -> float:
        """Take one request from the key's bucket.

        Returns:
            0 when allowed, else the seconds until one request will be allowed.
        """
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = _Bucket(self._burst, now)
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self._rate

    @staticmethod
    def retry_after(wait_s: float) -> str:
        """The ``Retry-After`` header value (whole seconds, at least 1)."""
        return str(max(1, math.ceil(wait_s)))
