"""Hard budgets of one question: iterations, queries, LLM calls and tokens, wall-clock deadline.

A :class:`Budget` is checked *before* each step and charged after it; a check that would exceed a
cap raises :class:`~kag.errors.BudgetExceeded` naming the cap. The agent loop catches it and
returns the best supported partial answer (or "insufficient evidence"), never an invented one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kag.errors import BudgetExceeded
from kag.llm import Usage
from kag.settings import EngineSettings

Clock = Callable[[], float]


class Budget:
    """The budgets of one question, with an injectable monotonic clock (for tests)."""

    def __init__(self, settings: EngineSettings, *, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.started = clock()
        self.deadline = self.started + settings.deadline_s
        self.iterations = 0
        self.queries = 0
        self.llm_calls = 0
        self.llm_tokens = 0
        self.exhausted: str | None = None  # the cap that stopped the loop, if any

    def elapsed_s(self) -> float:
        """Seconds since the question arrived."""
        return self.clock() - self.started

    def remaining_s(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self.deadline - self.clock())

    def _refuse(self, cap: str, message: str) -> BudgetExceeded:
        self.exhausted = cap
        return BudgetExceeded(message, cap=cap)

    def check_deadline(self) -> None:
        """Refuse to start anything once the deadline has passed."""
        if self.clock() >= self.deadline:
            raise self._refuse(
                "deadline",
                f"deadline of {self.settings.deadline_s:g} s reached "
                f"(KAG_ENGINE__DEADLINE_S) after {self.elapsed_s():.3f} s",
            )

    def start_iteration(self) -> None:
        """Count one planner -> retriever -> critic round."""
        self.check_deadline()
        if self.iterations >= self.settings.max_iterations:
            raise self._refuse(
                "iterations",
                f"iteration budget of {self.settings.max_iterations} reached "
                "(KAG_ENGINE__MAX_ITERATIONS)",
            )
        self.iterations += 1

    def start_query(self) -> float:
        """Count one query; returns the seconds it may take."""
        self.check_deadline()
        if self.queries >= self.settings.max_queries:
            raise self._refuse(
                "queries",
                f"query budget of {self.settings.max_queries} reached (KAG_ENGINE__MAX_QUERIES)",
            )
        self.queries += 1
        return self.remaining_s()

    def start_llm_call(self, expected_tokens: int) -> None:
        """Refuse an LLM call that would exceed the call or token cap."""
        self.check_deadline()
        if self.llm_calls >= self.settings.max_llm_calls:
            raise self._refuse(
                "llm_calls",
                f"LLM call budget of {self.settings.max_llm_calls} reached "
                "(KAG_ENGINE__MAX_LLM_CALLS)",
            )
        if self.llm_tokens + expected_tokens > self.settings.max_llm_tokens:
            raise self._refuse(
                "llm_tokens",
                f"LLM token budget of {self.settings.max_llm_tokens} would be exceeded "
                f"({self.llm_tokens} used, about {expected_tokens} more needed; "
                "KAG_ENGINE__MAX_LLM_TOKENS)",
            )
        self.llm_calls += 1

    def charge_llm(self, usage: Usage) -> None:
        """Record the tokens an LLM call used."""
        self.llm_tokens += usage.total
