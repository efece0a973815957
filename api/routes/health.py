"""``/healthz`` (no key), ``/readyz`` and ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import AnalystDep, RuntimeDep
from api.schemas.health import HealthPublic, ReadyPublic
from api.schemas.problem import AUTH_ERRORS, problem_responses
from graph_schema import schema_version

router = APIRouter(tags=["health"])

_PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/healthz", summary="The process is up")
async def healthz() -> HealthPublic:
    """Liveness: answers while the process runs, whatever the state of the store."""
    return HealthPublic()


@router.get(
    "/readyz",
    summary="The store answers with the right schema version",
    responses=problem_responses(*AUTH_ERRORS, 503),
)
def readyz(key: AnalystDep, runtime: RuntimeDep) -> ReadyPublic:
    """Readiness: 200 when the store answers within the readiness timeout and its schema
    version is the code's; 503 with the reason otherwise."""
    runtime.store.ready()
    store = runtime.store.get()
    return ReadyPublic(backend=store.backend, schema_version=schema_version())


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {"content": {_PROMETHEUS_TEXT: {"schema": {"type": "string"}}}},
        **problem_responses(*AUTH_ERRORS),
    },
)
def metrics(key: AnalystDep, runtime: RuntimeDep) -> Response:
    """Requests and latencies by route and status, and whether the store is up."""
    return Response(runtime.metrics.exposition(), media_type=_PROMETHEUS_TEXT)
