"""Prometheus metrics of one app: requests and latencies by route and status, store health.

Each app has its own registry (not the process-global one), so several apps in one process (as
in the tests) do not collide, and ``/metrics`` shows exactly this app's figures.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from api.store_holder import StoreHolder
    from ingestion.report import IngestReport
    from kag.engine import Answer

#: Latency buckets in seconds, from a cached graph read to a slow ingestion upload.
_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class ApiMetrics:
    """The metric families of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "kag_http_requests",
            "HTTP requests by method, route template and status",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "kag_http_request_duration_seconds",
            "Time from request to the end of the response, by method and route template",
            ("method", "route"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "kag_http_requests_in_flight", "Requests being served", registry=self.registry
        )
        self.store_up = Gauge(
            "kag_store_up",
            "1 when the graph store was usable at the last check, else 0",
            registry=self.registry,
        )

        self.answers = Counter(
            "kag_answers", "Answers by outcome", ("outcome",), registry=self.registry
        )
        self.engine_steps = Histogram(
            "kag_engine_step_duration_seconds",
            "Engine steps (link, plan, query, evidence, critic, compose, llm, ...) by step and "
            "whether they succeeded",
            ("step", "ok"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.llm_calls = Counter(
            "kag_llm_calls",
            "LLM calls by purpose (engine, ingestion)",
            ("purpose",),
            registry=self.registry,
        )
        self.llm_tokens = Counter(
            "kag_llm_tokens",
            "LLM tokens by purpose (engine, ingestion)",
            ("purpose",),
            registry=self.registry,
        )
        self.documents = Counter(
            "kag_ingested_documents",
            "Documents processed by ingestion jobs, by outcome",
            ("status",),
            registry=self.registry,
        )

    def observe_answer(self, answer: Answer) -> None:
        """Count an answer, its steps and its LLM calls and tokens."""
        self.answers.labels(answer.outcome).inc()
        for record in answer.trace:
            self.engine_steps.labels(record.step, str(record.ok).lower()).observe(
                record.duration_ms / 1000
            )
            if record.step == "llm":
                self.llm_calls.labels("engine").inc()
                tokens = record.detail.get("tokens", 0)
                if isinstance(tokens, int | float) and not isinstance(tokens, bool):
                    self.llm_tokens.labels("engine").inc(tokens)

    def observe_ingestion(self, report: IngestReport) -> None:
        """Count an ingestion run's documents and LLM usage."""
        for outcome in report.documents:
            self.documents.labels(outcome.status).inc()
        usage = report.llm
        if usage.calls:
            self.llm_calls.labels("ingestion").inc(usage.calls)
        tokens = usage.input_tokens + usage.output_tokens
        if tokens:
            self.llm_tokens.labels("ingestion").inc(tokens)

    def watch_store(self, holder: StoreHolder) -> None:
        """Report the holder's state on every scrape."""
        self.store_up.set_function(lambda: 1.0 if holder.is_up else 0.0)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (not its raw path)."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app fails before answering
        began = time.perf_counter()

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, record_status)
        finally:
            self.metrics.in_flight.dec()
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - began)
