"""Reads run side by side: results in call order, every call finished before a failure."""

from __future__ import annotations

import contextvars
import threading
import time

import pytest

from kag.engine.overlap import run_all, start

CURRENT = contextvars.ContextVar("current", default="unset")


def test_results_come_in_call_order_whatever_finishes_first() -> None:
    def slow() -> str:
        time.sleep(0.05)
        return "slow"

    assert run_all([slow, lambda: "fast", lambda: "third"], side_by_side=True) == [
        "slow",
        "fast",
        "third",
    ]


def test_calls_run_on_other_threads_only_side_by_side() -> None:
    def name() -> str:
        return threading.current_thread().name

    main = threading.current_thread().name
    assert run_all([name, name], side_by_side=False) == [main, main]
    first, second = run_all([name, name], side_by_side=True)
    assert first == main
    assert second.startswith("kag-read")


def test_the_first_failure_in_call_order_is_raised_after_all_finished() -> None:
    finished: list[str] = []

    def fails(message: str, delay: float) -> None:
        time.sleep(delay)
        finished.append(message)
        raise ValueError(message)

    def late() -> None:
        time.sleep(0.05)
        finished.append("late")

    with pytest.raises(ValueError, match="second"):
        run_all(
            [lambda: None, lambda: fails("second", 0.02), lambda: fails("third", 0.0), late],
            side_by_side=True,
        )
    assert sorted(finished) == ["late", "second", "third"]


def test_calls_see_the_callers_context() -> None:
    token = CURRENT.set("question 7")
    try:
        assert start(CURRENT.get).result() == "question 7"
        assert run_all([CURRENT.get, CURRENT.get], side_by_side=True) == ["question 7"] * 2
    finally:
        CURRENT.reset(token)
