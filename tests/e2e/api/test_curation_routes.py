"""Curation routes through the real HTTP stack on both backends: the queue, decisions recorded
with the key's name and role, undo, bulk decisions with a preview, the pruning dry run, roles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph_schema import Status
from kag.settings import Settings
from kag.state import Role
from kag.store import GraphStore, WriteBatch, open_store
from tests.e2e.api.test_auth import assert_problem
from tests.support.api_server import RunningApi
from tests.support.builders import document, entity, evidence, relation

pytestmark = pytest.mark.e2e

ACME = entity("Acme Corp")
GLOBEX = entity("Globex")
INITECH = entity("Initech")
TEXT = "Acme Corp competes with Globex. Globex is supplied by Initech. Initech acquired Acme Corp."
COMPETES = relation(ACME, "COMPETES_WITH", GLOBEX, status=Status.PROPOSED)
SUPPLIED = relation(GLOBEX, "SUPPLIED_BY", INITECH, status=Status.PROPOSED)
ACQUIRED = relation(INITECH, "ACQUIRED", ACME, status=Status.PROPOSED)


@pytest.fixture
def graph(api_config: Settings) -> Iterator[GraphStore]:
    """The API's store with three proposed relations read from one document."""
    store = open_store(api_config)
    doc, chunk = document("notes/market.txt", TEXT)
    facts = ((COMPETES, "Acme Corp competes with Globex"), (SUPPLIED, "Globex is supplied by"))
    facts += ((ACQUIRED, "Initech acquired Acme Corp"),)
    try:
        store.write(
            WriteBatch(
                documents=(doc,),
                chunks=(chunk,),
                entities=(ACME, GLOBEX, INITECH),
                assertions=tuple(f for f, _ in facts),
                evidence=tuple(evidence(f, chunk, quote) for f, quote in facts),
            )
        )
        yield store
    finally:
        store.close()


def _status(store: GraphStore, node_id: str) -> Status | None:
    [node] = store.get_nodes([node_id])
    return node.status


def test_only_experts_and_admins_curate(graph: GraphStore, api: RunningApi) -> None:
    with api.client(Role.ANALYST) as analyst:
        assert_problem(analyst.get("/v1/curation/queue"), 403, "forbidden")
        assert_problem(
            analyst.post(f"/v1/curation/items/{COMPETES.id}/approve", json={}), 403, "forbidden"
        )
    with api.client(None) as anonymous:
        assert_problem(anonymous.get("/v1/curation/queue"), 401, "unauthenticated")
    with api.client(Role.ADMIN) as admin:
        assert admin.get("/v1/curation/queue").status_code == 200


def test_queue_item_reject_undo(graph: GraphStore, api: RunningApi) -> None:
    with api.client(Role.EXPERT) as client:
        page = client.get("/v1/curation/queue", params={"kinds": "assertion"}).json()
        ids = {item["id"] for item in page["items"]}
        assert {COMPETES.id, SUPPLIED.id, ACQUIRED.id} <= ids
        assert page["total"] == len(page["items"])
        only = client.get("/v1/curation/queue", params={"types": "ACQUIRED"}).json()
        assert [item["id"] for item in only["items"]] == [ACQUIRED.id]

        detail = client.get(f"/v1/curation/items/{ACQUIRED.id}").json()
        assert detail["item"]["title"]
        assert [span["quote"] for span in detail["evidence"]] == ["Initech acquired Acme Corp"]

        assert_problem(
            client.post(f"/v1/curation/items/{ACQUIRED.id}/reject", json={}),
            422,
            "validation-error",
        )
        done = client.post(
            f"/v1/curation/items/{ACQUIRED.id}/reject", json={"reason": "it is the other way"}
        )
        assert done.status_code == 200, done.text
        [decision] = done.json()["decisions"]
        assert decision["actor"] == "test-expert"
        assert decision["role"] == "expert"
        assert decision["reason"] == "it is the other way"
        assert _status(graph, ACQUIRED.id) is Status.REJECTED

        log = client.get("/v1/curation/decisions", params={"target_id": ACQUIRED.id}).json()
        assert [d["id"] for d in log["items"]] == [decision["id"]]
        assert client.get(f"/v1/curation/decisions/{decision['id']}").json()["action"] == "reject"

        undone = client.post(f"/v1/curation/decisions/{decision['id']}/undo", json={})
        assert undone.status_code == 200, undone.text
        assert _status(graph, ACQUIRED.id) is Status.PROPOSED

        missing = client.post("/v1/curation/items/kno_00000000000000000000/approve", json={})
        assert_problem(missing, 404, "not-found")
        assert_problem(
            client.get("/v1/curation/decisions/dec_00000000000000000000"), 404, "not-found"
        )


def test_bulk_preview_then_apply_and_a_stale_token(graph: GraphStore, api: RunningApi) -> None:
    request = {"filter": {"kinds": ["assertion"], "types": ["COMPETES_WITH", "SUPPLIED_BY"]}}
    request["verdict"] = "approve"
    with api.client(Role.EXPERT) as client:
        preview = client.post("/v1/curation/bulk/preview", json=request)
        assert preview.status_code == 200, preview.text
        body = preview.json()
        assert sorted(t["item_id"] for t in body["targets"]) == sorted([COMPETES.id, SUPPLIED.id])
        # Nothing is written by a preview.
        assert _status(graph, COMPETES.id) is Status.PROPOSED

        # Something changes in between: the token no longer matches what the request touches.
        client.post(f"/v1/curation/items/{SUPPLIED.id}/reject", json={"reason": "not a supplier"})
        stale = client.post(
            "/v1/curation/bulk/apply", json={"request": request, "token": body["token"]}
        )
        assert_problem(stale, 409, "conflict")
        assert _status(graph, COMPETES.id) is Status.PROPOSED

        fresh = client.post("/v1/curation/bulk/preview", json=request).json()
        applied = client.post(
            "/v1/curation/bulk/apply", json={"request": request, "token": fresh["token"]}
        )
        assert applied.status_code == 200, applied.text
        assert _status(graph, COMPETES.id) is Status.APPROVED
        assert _status(graph, SUPPLIED.id) is Status.REJECTED


def test_pruning_dry_run_writes_nothing(graph: GraphStore, api: RunningApi) -> None:
    with api.client(Role.EXPERT) as client:
        report = client.get("/v1/curation/prune")
        assert report.status_code == 200, report.text
        assert [r["rule"] for r in report.json()["rules"]]
        assert_problem(
            client.get("/v1/curation/prune", params={"rules": "no_such_rule"}), 422, "invalid-input"
        )
        assert client.get("/v1/curation/decisions").json()["total"] == 0
        twice = client.get("/v1/curation/decisions", params=[("batch_id", "a"), ("batch_id", "b")])
        assert_problem(twice, 422, "invalid-input")
