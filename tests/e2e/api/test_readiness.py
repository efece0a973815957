"""Neo4j stopped and started while the API runs: /readyz and the routes say so with a clear
503, /healthz stays up, and service resumes by itself when Neo4j is back (a dedicated Neo4j
that this test starts, stops and restarts on the same port and data)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kag.settings import ApiSettings, Neo4jSettings, Settings
from kag.state import Role
from kag.store import WriteBatch, open_store
from kag.testing.neo4j_server import LaunchedNeo4j, launcher_problem
from tests.e2e.api.test_auth import assert_problem
from tests.support.api_server import RunningApi, free_port, issue_keys, serve
from tests.support.builders import entity

pytestmark = [pytest.mark.e2e, pytest.mark.neo4j, pytest.mark.slow]

ACME = entity("Acme Corp")


def _launcher_or_skip() -> None:
    problem = launcher_problem()
    if problem is not None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI=true and the Neo4j launcher cannot run: {problem}")
        pytest.skip(f"the Neo4j launcher cannot run here: {problem}")


def _until(check: Callable[[], bool], timeout_s: float, what: str) -> float:
    """Poll ``check`` until true; returns the seconds it took."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > timeout_s:
            pytest.fail(f"{what} did not happen within {timeout_s:.0f} s")
        time.sleep(0.25)
    return time.monotonic() - began


def test_readiness_follows_neo4j_down_and_back(tmp_path: Path) -> None:
    _launcher_or_skip()
    port = free_port()
    data = tmp_path / "neo4j-data"
    settings = Settings(
        store=f"neo4j://127.0.0.1:{port}",
        neo4j=Neo4jSettings(connection_timeout_s=2.0, max_transaction_retry_time_s=2.0),
        api=ApiSettings(
            state_dir=tmp_path / "state", readiness_timeout_s=3.0, store_retry_interval_s=0.5
        ),
    )
    tokens = issue_keys(settings)

    with serve(settings) as url, RunningApi(url, tokens).client(Role.ANALYST) as client:

        def ready() -> bool:
            return client.get("/readyz").status_code == 200

        def entity_found() -> bool:
            return client.get(f"/v1/entities/{ACME.id}").status_code == 200

        # 1. The API starts although Neo4j is not running yet, and says why it is not ready.
        assert client.get("/healthz").status_code == 200
        assert_problem(client.get("/readyz"), 503, "store-unavailable")
        early = client.get(f"/v1/entities/{ACME.id}")
        assert_problem(early, 503, "store-unavailable")
        assert early.headers["retry-after"]

        # 2. Neo4j comes up (empty: the API applies the schema); the API gets ready by itself.
        first = LaunchedNeo4j(data, port=port).start()
        try:
            _until(ready, 60, "readiness after Neo4j started")
            seeded = open_store(settings)
            seeded.write(WriteBatch(entities=(ACME,)))
            seeded.close()
            assert entity_found()
        finally:
            first.stop()

        # 3. Neo4j stops: not ready, routes answer 503 problems quickly, liveness stays up.
        _until(lambda: not ready(), 30, "readiness turning false after Neo4j stopped")
        began = time.monotonic()
        down = client.get(f"/v1/entities/{ACME.id}")
        assert time.monotonic() - began < 5, "requests must fail fast while the store is down"
        problem = assert_problem(down, 503, "store-unavailable")
        assert "retry" in problem["detail"]
        assert client.get("/healthz").status_code == 200

        # 4. Neo4j comes back on the same port and data: service resumes with nothing lost.
        second = LaunchedNeo4j(data, port=port).start()
        try:
            took = _until(ready, 60, "readiness after Neo4j restarted")
            assert entity_found()
            body = client.get(f"/v1/entities/{ACME.id}").json()
            assert body["entity"]["name"] == "Acme Corp"
            metrics = client.get("/metrics").text
            assert "kag_store_up 1.0" in metrics
            assert 'status="503"' in metrics
        finally:
            second.stop()
    assert took < 60
