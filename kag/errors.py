"""The error hierarchy of the engine.

Every error the library raises on purpose is a :class:`KagError`. Adapters translate driver and
SDK exceptions into these with ``raise ... from exc`` so callers (CLI, API, notebooks) handle one
family.
Messages say what was wrong, with the offending value, and what to do about it.
"""

from __future__ import annotations

from typing import Any


class KagError(Exception):
    """Root of every error raised by the engine on purpose."""

    #: A short machine-readable code, used by the API's problem+json bodies.
    code: str = "kag-error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details


class ConfigurationError(KagError):
    """An operator mistake in settings, files or the environment."""

    code = "configuration-error"


class StoreUnavailable(KagError):
    """The graph store cannot be reached (server down, wrong URI, refused credentials)."""

    code = "store-unavailable"


class SchemaMismatch(KagError):
    """The graph's schema version differs from the code's; the message says what to run."""

    code = "schema-mismatch"


class ExtractionError(KagError):
    """An extractor produced output that cannot be used. Keeps the raw output for inspection."""

    code = "extraction-error"

    def __init__(self, message: str, raw_output: str | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.raw_output = raw_output


class BudgetExceeded(KagError):
    """A hard budget (LLM calls, tokens, cost, queries, deadline) was reached."""

    code = "budget-exceeded"


class NotFound(KagError):
    """A requested object (entity, document, answer, job, ...) does not exist."""

    code = "not-found"


class Conflict(KagError):
    """The request conflicts with the current state (e.g. deciding on an already decided item)."""

    code = "conflict"


class InvalidInput(KagError):
    """Input that violates the schema or the rules: unknown relation type, malformed value, ..."""

    code = "invalid-input"


class LlmUnavailable(KagError):
    """The configured language model failed (unreachable, refused, malformed reply).

    The engine treats the model as optional: it falls back to deterministic planning and
    template composition, and says so in the answer's flags.
    """

    code = "llm-unavailable"
