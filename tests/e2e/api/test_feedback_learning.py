"""Feedback applied through the real HTTP stack on both backends: belief updates, review items
only experts decide, episodes, undo, insight proposals, role checks and problem+json errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from graph_schema import Status
from kag.samples import gold_write_batches
from kag.settings import Settings
from kag.state import Role
from kag.store import GraphStore, open_store
from tests.e2e.api.test_answers import ask
from tests.e2e.api.test_auth import assert_problem
from tests.support.api_server import RunningApi

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHAIN = "Who supplies the sensors of the company that acquired Quillon Systems?"


@pytest.fixture
def gold(api_config: Settings) -> Iterator[GraphStore]:
    store = open_store(api_config)
    try:
        for batch in gold_write_batches(store.schema):
            store.write(batch)
        yield store
    finally:
        store.close()


def _status(store: GraphStore, node_id: str) -> Any:
    return store.get_nodes([node_id])[0].props.get("status")


def test_feedback_applies_experts_decide_and_undo_restores(
    gold: GraphStore, api: RunningApi
) -> None:
    answer = ask(api, Role.ANALYST, CHAIN)
    fact = next(r["id"] for r in answer["citations"][0]["relationships"])
    url = f"/v1/answers/{answer['id']}/feedback"
    body = {
        "verdict": "wrong",
        "correction": "Brannock buys sensors from someone else.",
        "citation_flags": [{"citation_id": "c1", "flag": "wrong_path"}],
    }
    with (
        api.client(Role.ANALYST) as analyst,
        api.client(Role.EXPERT) as expert,
        api.client(Role.ADMIN) as admin,
    ):
        given = analyst.post(url, json=body)
        assert given.status_code == 201, given.text
        effects = given.json()["effects"]
        assert {b["fact_id"] for b in effects["beliefs"]} >= {fact}
        assert all(b["beta_after"] == b["beta_before"] + 1.0 for b in effects["beliefs"])
        assert sorted(i["kind"] for i in effects["review_items"]) == ["correction", "wrong_path"]
        assert _status(gold, fact) == Status.APPROVED.value  # feedback decides nothing

        # analysts cannot see or decide review items
        assert_problem(analyst.get("/v1/feedback/reviews"), 403, "forbidden")
        item = next(i for i in effects["review_items"] if i["kind"] == "wrong_path")
        decide = f"/v1/feedback/reviews/{item['id']}"
        assert_problem(analyst.post(decide, json={"verdict": "accept"}), 403, "forbidden")
        pending = expert.get("/v1/feedback/reviews").json()
        assert {i["id"] for i in pending} == {i["id"] for i in effects["review_items"]}

        episodes = analyst.get("/v1/feedback/experiences").json()
        assert [e["id"] for e in episodes] == [effects["experience_id"]]
        assert episodes[0]["status"] == "proposed"

        # a bad verdict, an unknown item, a fact off the path: problems, nothing written
        bad = expert.post(decide, json={"verdict": "approve"})
        assert_problem(bad, 422, "validation-error")
        missing = expert.post(
            "/v1/feedback/reviews/fr_00000000000000000000_c1", json={"verdict": "dismiss"}
        )
        assert_problem(missing, 404, "not-found")
        off = expert.post(decide, json={"verdict": "accept", "fact_ids": ["kno_x"]})
        assert "not on the flagged path" in assert_problem(off, 422, "invalid-input")["detail"]

        decided = expert.post(decide, json={"verdict": "accept", "fact_ids": [fact]})
        assert decided.status_code == 200, decided.text
        assert _status(gold, fact) == Status.REJECTED.value
        again = expert.post(decide, json={"verdict": "dismiss"})
        assert_problem(again, 409, "conflict")

        proposals = expert.post("/v1/feedback/insights")
        assert proposals.status_code == 201, proposals.text
        assert proposals.json() == []  # one episode is no pattern
        assert admin.get("/v1/feedback/insights").json() == []

        # undoing the feedback restores its own effects; the expert's verdict stands
        undo = admin.post(f"/v1/feedback/{given.json()['id']}/undo", json={})
        assert undo.status_code == 200, undo.text
        assert _status(gold, fact) == Status.REJECTED.value


def test_undo_restores_beliefs_and_removes_the_episode(gold: GraphStore, api: RunningApi) -> None:
    answer = ask(api, Role.ANALYST, CHAIN)
    fact = next(r["id"] for r in answer["citations"][0]["relationships"])
    before = gold.get_nodes([fact])[0].props
    url = f"/v1/answers/{answer['id']}/feedback"
    with api.client(Role.ANALYST) as analyst, api.client(Role.EXPERT) as expert:
        given = analyst.post(url, json={"verdict": "helpful"}).json()
        assert gold.get_nodes([fact])[0].props["alpha"] == before["alpha"] + 1.0
        other = expert.post(url, json={"verdict": "helpful"}).json()
        # an analyst cannot undo someone else's feedback (it is not theirs to see)
        refused = analyst.post(f"/v1/feedback/{other['id']}/undo", json={})
        assert_problem(refused, 404, "not-found")
        undone = expert.post(f"/v1/feedback/{other['id']}/undo", json={"reason": "test"})
        assert undone.status_code == 200, undone.text
        done = analyst.post(f"/v1/feedback/{given['id']}/undo", json={"reason": "mis-click"})
        assert done.status_code == 200, done.text
        assert analyst.get("/v1/feedback/experiences").json() == []
        twice = analyst.post(f"/v1/feedback/{given['id']}/undo", json={})
        assert_problem(twice, 404, "not-found")
        reapplied = analyst.post(f"/v1/feedback/{given['id']}/apply")
        assert reapplied.status_code == 200, reapplied.text
        assert reapplied.json()["effects"]["beliefs"]
        assert_problem(analyst.post(f"/v1/feedback/{given['id']}/apply"), 409, "conflict")
        assert analyst.post(f"/v1/feedback/{given['id']}/undo", json={}).status_code == 200
        malformed = analyst.post("/v1/feedback/fbk_nothex/undo", json={})
        assert_problem(malformed, 422, "validation-error")
    after = gold.get_nodes([fact])[0].props
    assert {k: after.get(k) for k in before} == before
    assert after.get("feedback_spent") == before.get("feedback_spent")
