"""Shared fixtures: a real Neo4j for the session, and a store fixture per backend.

Neo4j comes from ``kag.testing.neo4j_server.provide_neo4j`` (KAG_NEO4J_URI, testcontainers, or the
Maven-built launcher). When none can be had the Neo4j tests skip with the reason, except under
``CI=true`` where they fail: CI must never pass without having run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_schema import GraphSchema
from kag.settings import Neo4jSettings, Settings
from kag.store import GraphStore, open_store
from kag.testing.neo4j_server import (
    Neo4jEndpoint,
    Neo4jUnavailable,
    clear_database,
    provide_neo4j,
)

BACKENDS = ("embedded", "neo4j")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def neo4j_endpoint() -> Iterator[Neo4jEndpoint]:
    """A real Neo4j 5.26 for the whole session, stopped at the end if we started it."""
    try:
        with provide_neo4j() as endpoint:
            yield endpoint
    except Neo4jUnavailable as exc:
        if _in_ci():
            pytest.fail(f"CI=true and no Neo4j could be started: {exc.reason}")
        pytest.skip(f"no Neo4j available: {exc.reason}")


def neo4j_settings(endpoint: Neo4jEndpoint, **overrides: object) -> Settings:
    """Settings that point the engine at ``endpoint``.

    A ``bolt://`` endpoint is addressed as ``neo4j://``: the routing driver (READ routing,
    routing table, bookmarks) is what clusters and Aura need, so the suite exercises that path.
    """
    uri = endpoint.uri.replace("bolt://", "neo4j://", 1)
    return Settings(
        store=uri,
        neo4j=Neo4jSettings(user=endpoint.user, password=endpoint.password),
        **overrides,  # type: ignore[arg-type]
    )


def clear_neo4j(endpoint: Neo4jEndpoint) -> None:
    """Delete every node (constraints and indexes stay)."""
    clear_database(endpoint)


@pytest.fixture
def graph_schema() -> GraphSchema:
    """The default (competitive intelligence) schema."""
    return GraphSchema.load()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The name of each backend in turn."""
    name: str = request.param
    if name == "neo4j":
        request.applymarker(pytest.mark.neo4j)
    return name


@pytest.fixture
def store_settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh, empty store of the current backend."""
    if backend == "embedded":
        return Settings(store=f"embedded:{tmp_path / 'graph.db'}")
    endpoint: Neo4jEndpoint = request.getfixturevalue("neo4j_endpoint")
    clear_neo4j(endpoint)
    return neo4j_settings(endpoint)


@pytest.fixture
def store(store_settings: Settings) -> Iterator[GraphStore]:
    """A fresh, empty, migrated store of the current backend."""
    graph = open_store(store_settings)
    try:
        yield graph
    finally:
        graph.close()
