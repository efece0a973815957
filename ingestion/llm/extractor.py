"""The LLM half: one structured call per chunk, cached, budgeted, retried only when transient.

``chat.with_structured_output(ChunkFacts, include_raw=True)`` gives the raw message and the
parsed answer. An answer that does not parse is an :class:`~kag.errors.ExtractionError` carrying
the raw output (nothing of it is written); items that break the ontology are rejected one by one
with their reasons. Every call is checked against the run's :class:`~kag.llm.LlmBudget` first
and charged after (with the provider's token counts, or the estimate when it reports none).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import ValidationError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from graph_schema import GraphSchema
from ingestion.llm.cache import LlmCache, cache_key
from ingestion.llm.convert import Converted, Converter
from ingestion.llm.prompt import messages, prompt_version
from ingestion.llm.schema import ChunkFacts
from ingestion.models import Chunk
from kag.errors import ExtractionError
from kag.llm import LlmBudget, Usage, usage_of

logger = logging.getLogger(__name__)

CHARS_PER_TOKEN: Final = 4
_TRANSIENT_NAMES: Final = frozenset(
    {
        "APITimeoutError", "APIConnectionError", "RateLimitError", "InternalServerError",
        "ServiceUnavailableError", "OverloadedError", "Timeout", "ReadTimeout", "ConnectTimeout",
    }
)  # fmt: skip
_TRANSIENT_STATUS: Final = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})


def is_transient(exc: BaseException) -> bool:
    """Whether an error is worth retrying: timeouts, lost connections, rate limits, 5xx."""
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    if type(exc).__name__ in _TRANSIENT_NAMES:
        return True
    status = getattr(exc, "status_code", None) or getattr(exc, "status", None)
    return isinstance(status, int) and status in _TRANSIENT_STATUS


def estimate_usage(system: str, user: str) -> Usage:
    """Expected tokens of a call: the prompt, and about half the chunk back as JSON."""
    prompt = (len(system) + len(user)) // CHARS_PER_TOKEN
    return Usage(prompt, 150 + len(user) // (2 * CHARS_PER_TOKEN))


def estimate_calls(
    schema: GraphSchema, model: str, cache: LlmCache | None, chunks: Sequence[tuple[str, Chunk]]
) -> tuple[int, int, Usage]:
    """(calls needed, chunks cached, usage expected) for ``(title, chunk)`` pairs; needs no
    chat model, so ``--dry-run`` works before a provider package is even installed."""
    version = prompt_version(schema)
    calls, cached, usage = 0, 0, Usage()
    for title, chunk in chunks:
        if cache is not None and cache_key(model, version, chunk.text) in cache:
            cached += 1
            continue
        system, user = (str(m.content) for m in messages(schema, title, chunk.text))
        calls += 1
        usage = usage + estimate_usage(system, user)
    return calls, cached, usage


@dataclass
class LlmStats:
    """Counters of the LLM half in a run."""

    calls: int = 0
    cached: int = 0
    invalid_outputs: int = 0
    invalid_items: int = 0
    failed_calls: int = 0
    consecutive_failures: int = 0
    reasons: list[str] = field(default_factory=list)


class LlmExtractor:
    """Extracts one chunk at a time through a chat model."""

    name = "llm"

    def __init__(
        self,
        chat: BaseChatModel,
        schema: GraphSchema,
        *,
        model: str,
        budget: LlmBudget,
        cache: LlmCache | None,
        max_attempts: int = 3,
        wait: Callable[..., float] | None = None,
    ) -> None:
        self.schema = schema
        self.model = model
        self.budget = budget
        self.cache = cache
        self.stats = LlmStats()
        self._structured = chat.with_structured_output(ChunkFacts, include_raw=True)
        self._converter = Converter(schema)
        self._prompt_version = prompt_version(schema)
        self._attempts = max_attempts
        self._wait = wait or wait_exponential(multiplier=0.5, max=8)

    def key(self, chunk: Chunk) -> str:
        """The cache key of a chunk's answer."""
        return cache_key(self.model, self._prompt_version, chunk.text)

    def _invoke(self, prompt: list[BaseMessage]) -> dict[str, Any]:
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts),
            wait=self._wait,
            retry=retry_if_exception(is_transient),
            reraise=True,
        )
        result = retrying(self._structured.invoke, prompt)
        if not isinstance(result, dict):
            raise ExtractionError("the structured-output runnable did not return raw and parsed")
        return result

    def extract(self, title: str, chunk: Chunk) -> Converted:
        """The candidates of one chunk.

        Raises:
            BudgetExceeded: the call would pass a cap of the run (nothing was spent on it).
            ExtractionError: the call failed or the answer is not a valid ``ChunkFacts``; the
                raw output is kept on the error.
        """
        key = self.key(chunk)
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            try:
                facts = ChunkFacts.model_validate(cached)
            except ValidationError:
                facts = None
            if facts is not None:
                self.stats.cached += 1
                return self._converted(chunk, facts)
        prompt = messages(self.schema, title, chunk.text)
        expected = estimate_usage(str(prompt[0].content), str(prompt[1].content))
        self.budget.check(expected)
        try:
            result = self._invoke(prompt)
        except Exception as exc:  # provider errors vary by SDK; each is reported, none is fatal
            self.budget.charge(Usage(expected.input_tokens, 0))
            self.stats.failed_calls += 1
            self.stats.consecutive_failures += 1
            raise ExtractionError(
                f"LLM call for chunk {chunk.id} failed ({exc.__class__.__name__}: {exc})",
                raw_output=None,
            ) from exc
        self.stats.calls += 1
        self.stats.consecutive_failures = 0
        raw = result.get("raw")
        usage = usage_of(raw) if isinstance(raw, BaseMessage) else Usage()
        self.budget.charge(usage if usage.total else expected)
        parsed = result.get("parsed")
        if result.get("parsing_error") is not None or not isinstance(parsed, ChunkFacts):
            self.stats.invalid_outputs += 1
            raw_text = _raw_text(raw)
            reason = (
                f"LLM output for chunk {chunk.id} is not valid ChunkFacts: "
                + str(result.get("parsing_error") or "no structured answer").replace("\n", " ")[
                    :300
                ]
            )
            self.stats.reasons.append(reason)
            raise ExtractionError(reason, raw_output=raw_text)
        if self.cache is not None:
            self.cache.put(key, parsed.model_dump(mode="json"))
        return self._converted(chunk, parsed)

    def _converted(self, chunk: Chunk, facts: ChunkFacts) -> Converted:
        converted = self._converter.convert(chunk, facts)
        self.stats.invalid_items += len(converted.rejected)
        self.stats.reasons.extend(converted.rejected[:5])
        return converted


def _raw_text(raw: object) -> str:
    if isinstance(raw, BaseMessage):
        calls = getattr(raw, "tool_calls", None)
        if calls:
            return json.dumps(calls, default=str)
        return str(raw.content)
    return repr(raw)
