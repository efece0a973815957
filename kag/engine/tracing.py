"""Tracing of engine steps: an OpenTelemetry span (no-op unless configured) and a trace record.

Every step, query and LLM call goes through :meth:`Tracer.step`, so the answer's trace and the
spans an operator exports say the same thing. Span attributes carry ids and sizes, never
document text or the question itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from opentelemetry import trace

from kag.engine.answer import TraceRecord

Detail = dict[str, str | int | float | bool]
_TRACER_NAME: Final = "kag.engine"


class Tracer:
    """Collects the trace records of one question."""

    def __init__(self, origin: float | None = None) -> None:
        self._origin = time.perf_counter() if origin is None else origin
        self.records: list[TraceRecord] = []
        self._tracer = trace.get_tracer(_TRACER_NAME)

    def fork(self) -> Tracer:
        """A tracer on the same clock for work run beside this one; its records are added
        back (in the order the work was started) by the caller."""
        return Tracer(self._origin)

    @contextmanager
    def step(self, step: str, name: str, **detail: str | int | float | bool) -> Iterator[Detail]:
        """Time a step; the yielded dict takes details found while it runs."""
        found: Detail = dict(detail)
        started = time.perf_counter()
        ok = True
        with self._tracer.start_as_current_span(f"kag.{step}") as span:
            span.set_attribute("kag.step.name", name)
            try:
                yield found
            except BaseException:
                ok = False
                raise
            finally:
                duration = (time.perf_counter() - started) * 1000
                for key, value in found.items():
                    span.set_attribute(f"kag.{key}", value)
                self.records.append(
                    TraceRecord(
                        step=step,
                        name=name,
                        start_ms=round((started - self._origin) * 1000, 3),
                        duration_ms=round(duration, 3),
                        ok=ok,
                        detail=found,
                    )
                )
