"""Error responses through the real HTTP stack: RFC 9457 problem+json everywhere, limits on
request size, unknown fields refused, no internals leaked, CORS closed unless configured."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from kag.errors import StoreUnavailable
from kag.settings import ApiSettings, Settings
from kag.state import Role
from kag.store import EntityMatch, GraphStore, NodeView, WriteBatch, open_store
from tests.e2e.api.conftest import api_settings
from tests.e2e.api.test_auth import assert_problem
from tests.support.api_server import RunningApi, issue_keys, serve
from tests.support.builders import entity

pytestmark = pytest.mark.e2e

SECRET_DETAIL = "bolt://admin:hunter2@10.1.2.3:7687 /srv/kag/private/graph.db"


def test_huge_numbers_in_queries_are_refused(api: RunningApi) -> None:
    """Found by schemathesis: an offset past SQLite's integers once gave a 500."""
    with api.client(Role.ADMIN) as client:
        jobs = client.get("/v1/jobs", params={"offset": 10**20})
        documents = client.get("/v1/documents", params={"offset": 10**20})
        keys = client.get("/v1/keys", params={"include_revoked": "yes", "verbose": 1})
    assert_problem(jobs, 422, "validation-error")
    assert_problem(documents, 422, "validation-error")
    assert assert_problem(keys, 422, "validation-error")["errors"][0]["type"] == "extra_forbidden"


def test_unknown_route_and_method(api: RunningApi) -> None:
    with api.client(Role.ANALYST) as client:
        unknown = client.get("/v1/nothing-here")
        wrong_method = client.put("/v1/keys")
    assert_problem(unknown, 404, "not-found")
    assert_problem(wrong_method, 405, "method-not-allowed")
    assert wrong_method.headers["allow"]


@pytest.mark.parametrize(
    ("body", "content_type", "location"),
    [
        (b'{"name": "x", "role": "analyst", "admin": true}', "application/json", "admin"),
        (b'{"name": "x", "role": "owner"}', "application/json", "role"),
        (b'{"name": "x", "role": ', "application/json", None),
        (b"name=x&role=analyst", "application/x-www-form-urlencoded", None),
        (b"[]", "application/json", None),
    ],
)
def test_invalid_bodies_are_refused_with_422(
    api: RunningApi, body: bytes, content_type: str, location: str | None
) -> None:
    with api.client(Role.ADMIN) as client:
        response = client.post("/v1/keys", content=body, headers={"content-type": content_type})
        keys = client.get("/v1/keys").json()
    problem = assert_problem(response, 422, "validation-error")
    if location:
        assert ["body", location] in [e["location"] for e in problem["errors"]]
    assert "x" not in [k["name"] for k in keys]  # nothing was created


def test_request_size_limit_with_and_without_content_length(
    store_settings: Settings, tmp_path: Path
) -> None:
    settings = api_settings(store_settings, tmp_path / "state", max_request_bytes=2_000)
    tokens = issue_keys(settings)
    big = b'{"name": "' + b"a" * 5_000 + b'", "role": "analyst"}'

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 512):
            yield big[i : i + 512]

    with serve(settings) as url, RunningApi(url, tokens).client(Role.ADMIN) as client:
        declared = client.post(
            "/v1/keys", content=big, headers={"content-type": "application/json"}
        )
        streamed = client.post(
            "/v1/keys", content=chunks(), headers={"content-type": "application/json"}
        )
        small = client.post("/v1/keys", json={"name": "fits", "role": "analyst"})
    assert "2,000 bytes" in assert_problem(declared, 413, "content-too-large")["detail"]
    assert_problem(streamed, 413, "content-too-large")
    assert small.status_code == 201


class FaultyStore:
    """Fault injection around a real store: some reads fail the way a broken deployment does,
    with messages full of internals that must never reach a client."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def find_entities(self, text: str, **_: Any) -> list[EntityMatch]:
        raise RuntimeError(f"driver exploded at {SECRET_DETAIL}")

    def get_nodes(self, ids: Sequence[str]) -> list[NodeView]:
        raise StoreUnavailable(f"Neo4j is not reachable at {SECRET_DETAIL}")


def test_internal_errors_leak_nothing(tmp_path: Path) -> None:
    settings = Settings(store=f"embedded:{tmp_path / 'graph.db'}")
    settings = api_settings(settings, tmp_path / "state")
    tokens = issue_keys(settings)

    def faulty(s: Settings) -> GraphStore:
        return FaultyStore(open_store(s))  # type: ignore[return-value]

    with serve(settings, opener=faulty) as url, RunningApi(url, tokens).client() as client:
        crashed = client.get("/v1/entities", params={"name": "acme"})
        down = client.get("/v1/entities/ent_0123456789abcdef0123")
    assert_problem(crashed, 500, "internal-error")
    problem = assert_problem(down, 503, "store-unavailable")
    assert down.headers["retry-after"] == "5"
    assert "retry" in problem["detail"]
    for response in (crashed, down):
        assert "hunter2" not in response.text
        assert "10.1.2.3" not in response.text
        assert "/srv/kag" not in response.text


def _preflight(client: httpx.Client, origin: str) -> httpx.Response:
    return client.options(
        "/v1/entities",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )


def test_cors_is_closed_by_default(api: RunningApi) -> None:
    with api.client(Role.ANALYST) as client:
        simple = client.get(
            "/v1/entities", params={"name": "x"}, headers={"Origin": "https://evil.example"}
        )
        preflight = _preflight(client, "https://evil.example")
    assert "access-control-allow-origin" not in simple.headers
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_configured_origins(store_settings: Settings, tmp_path: Path) -> None:
    settings = api_settings(
        store_settings, tmp_path / "state", cors_origins=("https://analysts.example",)
    )
    tokens = issue_keys(settings)
    with serve(settings) as url, RunningApi(url, tokens).client() as client:
        allowed = _preflight(client, "https://analysts.example")
        refused = _preflight(client, "https://evil.example")
    assert allowed.headers["access-control-allow-origin"] == "https://analysts.example"
    assert "access-control-allow-origin" not in refused.headers


def test_readyz_refuses_a_store_with_another_schema_version(tmp_path: Path) -> None:
    """An old graph (schema version behind the code) is reported, not silently used."""
    store_path = tmp_path / "graph.db"
    settings = Settings(
        store=f"embedded:{store_path}", api=ApiSettings(state_dir=tmp_path / "state")
    )
    store = open_store(settings)
    store.write(WriteBatch(entities=(entity("Acme Corp"),)))
    store.close()
    with sqlite3.connect(store_path) as conn:  # pretend the graph was made by an older release
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    tokens = issue_keys(settings)
    with serve(settings) as url, RunningApi(url, tokens).client(Role.ANALYST) as client:
        ready = client.get("/readyz")
        route = client.get(f"/v1/entities/{entity('Acme Corp').id}")
    assert "kag schema apply" in assert_problem(ready, 503, "schema-mismatch")["detail"]
    assert_problem(route, 503, "schema-mismatch")
