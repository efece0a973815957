"""Keys and roles through the real HTTP stack: 401 without a valid key, 403 below the role,
429 over the rate limit; every refusal is problem+json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from kag.settings import Settings
from kag.state import KeyStore, Role, StateDB
from tests.e2e.api.conftest import api_settings
from tests.support.api_server import RunningApi, issue_keys, serve

pytestmark = pytest.mark.e2e

ENTITY = "ent_0123456789abcdef0123"
OTHER = "ent_3210fedcba9876543210"

#: (method, path, JSON body, the least role allowed)
ROUTES: list[tuple[str, str, dict[str, Any] | None, Role]] = [
    ("GET", "/readyz", None, Role.ANALYST),
    ("GET", "/metrics", None, Role.ANALYST),
    ("GET", "/v1/entities?name=acme", None, Role.ANALYST),
    ("GET", f"/v1/entities/{ENTITY}", None, Role.ANALYST),
    ("GET", f"/v1/paths?source={ENTITY}&target={OTHER}", None, Role.ANALYST),
    ("POST", "/v1/ask", {"question": "Who competes with Acme?"}, Role.ANALYST),
    ("GET", "/v1/answers/ans_0123456789abcdef0123", None, Role.ANALYST),
    ("GET", "/v1/answers/ans_0123456789abcdef0123/feedback", None, Role.ANALYST),
    ("POST", "/v1/answers/ans_0123456789abcdef0123/feedback", {"verdict": "wrong"}, Role.ANALYST),
    ("POST", "/v1/documents", {"documents": [{"source": "a", "text": "b"}]}, Role.ADMIN),
    ("GET", "/v1/documents", None, Role.ANALYST),
    ("GET", "/v1/documents/doc_0123456789abcdef0123", None, Role.ANALYST),
    ("DELETE", "/v1/documents/doc_0123456789abcdef0123", None, Role.ADMIN),
    ("GET", "/v1/jobs", None, Role.ADMIN),
    ("GET", "/v1/jobs/job_0123456789abcdef0123", None, Role.ADMIN),
    ("GET", "/v1/keys", None, Role.ADMIN),
    ("POST", "/v1/keys", {"name": "made-by-test", "role": "analyst"}, Role.ADMIN),
    ("DELETE", "/v1/keys/000000000000", None, Role.ADMIN),
]


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status and code, and no internals."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:kag:problem:{code}"
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == response.request.url.path
    assert "Traceback" not in response.text
    assert not {"exception", "trace", "stack"} & set(body)
    return body


def call(
    client: httpx.Client, method: str, path: str, body: dict[str, Any] | None
) -> httpx.Response:
    return client.request(method, path, json=body)


def test_healthz_needs_no_key(api: RunningApi) -> None:
    with api.client(None) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(("method", "path", "body", "least"), ROUTES)
def test_every_other_route_needs_a_key(
    api: RunningApi, method: str, path: str, body: dict[str, Any] | None, least: Role
) -> None:
    with api.client(None) as client:
        missing = call(client, method, path, body)
        unknown = "Bearer kag_000000000000_" + "x" * 43
        wrong = client.request(method, path, json=body, headers={"Authorization": unknown})
        garbage = client.request(method, path, json=body, headers={"Authorization": "Basic abc"})
    assert_problem(missing, 401, "unauthenticated")
    assert missing.headers["www-authenticate"] == "Bearer"
    assert_problem(wrong, 401, "invalid-key")
    assert_problem(garbage, 401, "unauthenticated")


@pytest.mark.parametrize(("method", "path", "body", "least"), ROUTES)
def test_roles(
    api: RunningApi, method: str, path: str, body: dict[str, Any] | None, least: Role
) -> None:
    for role in Role:
        with api.client(role) as client:
            response = call(client, method, path, body)
        if role.allows(least):
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            body_json = assert_problem(response, 403, "forbidden")
            assert least.value in body_json["detail"]


def test_a_forged_secret_for_a_real_key_id_is_refused(api: RunningApi) -> None:
    token = api.tokens[Role.ADMIN]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with api.client(None) as client:
        response = client.get("/v1/keys", headers={"Authorization": f"Bearer {forged}"})
    assert_problem(response, 401, "invalid-key")


def test_keys_are_stored_hashed(api_config: Settings, api: RunningApi) -> None:
    raw = (api_config.api.state_dir / "state.db").read_bytes()
    for token in api.tokens.values():
        secret = token.split("_", 2)[2]
        assert secret.encode() not in raw


def test_revoked_key_is_refused_at_once(api_config: Settings, api: RunningApi) -> None:
    with api.client(Role.ANALYST) as client:
        assert client.get("/v1/entities", params={"name": "x"}).status_code == 200
        db = StateDB(api_config.api.state_dir)  # as `kag keys revoke` does, from outside
        try:
            KeyStore(db).revoke("test-analyst")
        finally:
            db.close()
        assert_problem(client.get("/v1/entities", params={"name": "x"}), 401, "invalid-key")


def test_key_management_round_trip(api: RunningApi) -> None:
    with api.client(Role.ADMIN) as admin:
        created = admin.post("/v1/keys", json={"name": "notebook", "role": "expert"})
        assert created.status_code == 201, created.text
        issued = created.json()
        assert issued["key"]["role"] == "expert"
        assert issued["token"].startswith(f"kag_{issued['key']['id']}_")
        listed = admin.get("/v1/keys").json()
        assert "notebook" in [k["name"] for k in listed]
        assert all("token" not in k and "hash" not in k for k in listed)
        assert_problem(
            admin.post("/v1/keys", json={"name": "notebook", "role": "analyst"}), 409, "conflict"
        )
        with httpx.Client(
            base_url=api.url, headers={"Authorization": f"Bearer {issued['token']}"}
        ) as fresh:
            assert fresh.get("/v1/entities", params={"name": "x"}).status_code == 200
            revoked = admin.delete(f"/v1/keys/{issued['key']['id']}")
            assert revoked.status_code == 200
            assert revoked.json()["revoked_at"]
            assert_problem(fresh.get("/v1/entities", params={"name": "x"}), 401, "invalid-key")
        assert_problem(admin.delete(f"/v1/keys/{issued['key']['id']}"), 404, "not-found")
        own_id = api.tokens[Role.ADMIN].split("_")[1]
        assert_problem(admin.delete(f"/v1/keys/{own_id}"), 409, "conflict")


def test_rate_limit_per_key(store_settings: Settings, tmp_path: Path) -> None:
    settings = api_settings(
        store_settings, tmp_path / "state", rate_limit_per_minute=6, rate_limit_burst=3
    )
    tokens = issue_keys(settings)
    with serve(settings) as url:
        running = RunningApi(url=url, tokens=tokens)
        with running.client(Role.ANALYST) as client:
            statuses = [
                client.get("/v1/entities", params={"name": "x"}).status_code for _ in range(3)
            ]
            limited = client.get("/v1/entities", params={"name": "x"})
        with running.client(Role.EXPERT) as other:
            unaffected = other.get("/v1/entities", params={"name": "x"})
    assert statuses == [200, 200, 200]
    body = assert_problem(limited, 429, "rate-limited")
    assert "test-analyst" in body["detail"]
    assert 1 <= int(limited.headers["retry-after"]) <= 10  # one request every 10 s
    assert unaffected.status_code == 200
