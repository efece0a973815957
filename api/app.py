"""The app factory: ``uvicorn --factory api.app:create_app`` (settings from ``KAG_*``).

Building the app reads nothing and opens nothing; the lifespan opens the store and the state
file when the server starts and closes them when it stops.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.errors import install_error_handlers
from api.limits import BodySizeLimit
from api.metrics import ApiMetrics, MetricsMiddleware
from api.openapi import add_component_models
from api.routes import answers, curation, documents, feedback, graph, health, jobs, keys
from api.runtime import Runtime
from api.schemas.documents import TextsRequest
from api.store_holder import StoreOpener
from kag.settings import Settings, get_settings
from kag.store import open_store

logger = logging.getLogger(__name__)

API_PREFIX = "/v1"


def _version() -> str:
    try:
        return version("kag-advisory")
    except PackageNotFoundError:
        return "0+unknown"


def create_app(settings: Settings | None = None, *, opener: StoreOpener = open_store) -> FastAPI:
    """Build the API.

    Args:
        settings: defaults to :func:`kag.settings.get_settings` (the ``KAG_*`` environment).
        opener: how the store is opened (``open_store``); the lifespan calls it.
    """
    settings = settings or get_settings()
    metrics = ApiMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Opening may wait on the network (Neo4j); keep the event loop free meanwhile.
        runtime = await to_thread.run_sync(Runtime.open, settings, metrics, opener)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await to_thread.run_sync(runtime.close)

    app = FastAPI(
        title="KAG advisory engine",
        summary="Ask a curated knowledge graph for advice you can trace.",
        version=_version(),
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    app.add_middleware(
        BodySizeLimit,
        max_request_bytes=settings.api.max_request_bytes,
        max_upload_bytes=settings.api.max_upload_bytes,
        upload_paths=frozenset({f"{API_PREFIX}/documents"}),
    )
    # Added last, so outermost: it also counts what the size limit and CORS refuse.
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    v1 = APIRouter(prefix=API_PREFIX)
    v1.include_router(answers.build_router(settings))
    v1.include_router(feedback.router)
    v1.include_router(feedback.learning)
    v1.include_router(graph.router)
    v1.include_router(curation.router)
    v1.include_router(documents.build_router(settings))
    v1.include_router(jobs.router)
    v1.include_router(keys.router)
    add_component_models(app, TextsRequest)
    app.include_router(health.router)
    app.include_router(v1)
    return app
