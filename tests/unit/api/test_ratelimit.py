"""The per-key token bucket, on a fake clock."""

from __future__ import annotations

from api.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_the_sustained_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.acquire("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.acquire("k")
    assert wait == 1.0  # one request a second
    assert RateLimiter.retry_after(wait) == "1"
    clock.now += 0.5
    assert limiter.acquire("k") == 0.5
    clock.now += 0.5
    assert limiter.acquire("k") == 0.0


def test_keys_have_their_own_buckets_and_refill_caps_at_the_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=6, burst=2, clock=clock)
    assert limiter.acquire("a") == limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0
    assert limiter.acquire("b") == 0.0
    clock.now += 3600
    assert [limiter.acquire("a") == 0.0 for _ in range(3)] == [True, True, False]
    assert RateLimiter.retry_after(0.01) == "1"
    assert RateLimiter.retry_after(9.2) == "10"
