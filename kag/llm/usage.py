"""Token usage and hard budgets for LLM calls (calls, tokens, cost)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from langchain_core.messages import BaseMessage

from kag.errors import BudgetExceeded


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens of one call (or a sum of calls)."""

    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens
        )


def usage_of(message: BaseMessage) -> Usage:
    """The usage a provider reported on a message (zero when it reported none)."""
    meta = getattr(message, "usage_metadata", None) or {}
    return Usage(int(meta.get("input_tokens", 0)), int(meta.get("output_tokens", 0)))


class LlmBudget:
    """Hard caps on calls, tokens and cost; thread-safe.

    Call :meth:`check` before a call (with its estimated size) and :meth:`charge` after it.
    """

    def __init__(
        self,
        *,
        max_calls: int,
        max_tokens: int,
        max_cost_usd: float = float("inf"),
        usd_per_1k_input: float = 0.0,
        usd_per_1k_output: float = 0.0,
    ) -> None:
        self.max_calls = max_calls
        self.max_tokens = max_tokens
        self.max_cost_usd = max_cost_usd
        self.usd_per_1k_input = usd_per_1k_input
        self.usd_per_1k_output = usd_per_1k_output
        self.calls = 0
        self.usage = Usage()
        self._lock = threading.Lock()

    def cost(self, usage: Usage) -> float:
        """The cost of ``usage`` in USD at the configured prices."""
        return (
            usage.input_tokens * self.usd_per_1k_input
            + usage.output_tokens * self.usd_per_1k_output
        ) / 1000

    @property
    def spent_usd(self) -> float:
        """Cost so far."""
        return self.cost(self.usage)

    def check(self, expected: Usage = Usage()) -> None:
        """Refuse a call that would exceed a cap.

        Raises:
            BudgetExceeded: naming the cap, its value and what was used.
        """
        with self._lock:
            if self.calls + 1 > self.max_calls:
                raise BudgetExceeded(
                    f"LLM call budget reached ({self.calls} of {self.max_calls} calls)",
                    cap="calls",
                )
            if self.usage.total + expected.total > self.max_tokens:
                raise BudgetExceeded(
                    f"LLM token budget reached ({self.usage.total} used, "
                    f"{expected.total} more expected, cap {self.max_tokens})",
                    cap="tokens",
                )
            if self.cost(self.usage + expected) > self.max_cost_usd:
                raise BudgetExceeded(
                    f"LLM cost budget reached (${self.spent_usd:.4f} spent, "
                    f"cap ${self.max_cost_usd:.2f})",
                    cap="cost",
                )

    def charge(self, usage: Usage) -> None:
        """Record one call and its usage."""
        with self._lock:
            self.calls += 1
            self.usage = self.usage + usage
