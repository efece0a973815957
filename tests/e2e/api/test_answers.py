"""Ask, past answers and feedback through the real HTTP stack on both backends, over the gold
graph of the sample corpus; object-level checks; injection attempts in questions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kag.samples import gold_write_batches
from kag.settings import Settings
from kag.state import Role
from kag.store import GraphStore, StoreCounts, open_store
from tests.e2e.api.conftest import api_settings
from tests.e2e.api.test_auth import assert_problem
from tests.support.api_server import RunningApi, issue_keys, serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHAIN = "Who supplies the sensors of the company that acquired Quillon Systems?"


@pytest.fixture
def gold(api_config: Settings) -> Iterator[GraphStore]:
    """The API's store holding the sample corpus' gold graph (approved facts)."""
    store = open_store(api_config)
    try:
        for batch in gold_write_batches(store.schema):
            store.write(batch)
        yield store
    finally:
        store.close()


def ask(api: RunningApi, role: Role, question: str, **extra: Any) -> dict[str, Any]:
    with api.client(role) as client:
        response = client.post("/v1/ask", json={"question": question, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_ask_then_fetch_the_answer(gold: GraphStore, api: RunningApi) -> None:
    answer = ask(api, Role.ANALYST, CHAIN)
    assert answer["outcome"] == "answered"
    assert "Orvik Sensors" in answer["text"]
    [first, *_] = answer["citations"]
    assert len(first["relationships"]) >= 2
    assert all(hop["spans"] for hop in first["hops"])
    assert first["hops"][0]["spans"][0]["quote"]
    assert answer["cypher"]
    assert {r["step"] for r in answer["trace"]} >= {"link", "plan", "compose"}

    with api.client(Role.ANALYST) as analyst, api.client(Role.EXPERT) as expert:
        again = analyst.get(f"/v1/answers/{answer['id']}")
        by_expert = expert.get(f"/v1/answers/{answer['id']}")
        missing = analyst.get("/v1/answers/ans_ffffffffffffffffffff")
        metrics = analyst.get("/metrics").text
    assert again.json() == answer
    assert by_expert.json() == answer
    assert_problem(missing, 404, "not-found")
    assert 'kag_answers_total{outcome="answered"} 1.0' in metrics
    assert 'kag_engine_step_duration_seconds_count{ok="true",step="plan"}' in metrics


def test_an_analyst_sees_only_their_own_answers(
    gold: GraphStore, api_config: Settings, api: RunningApi
) -> None:
    answer = ask(api, Role.EXPERT, "Describe Corvane Robotics.")
    with api.client(Role.ANALYST) as analyst:
        hidden = analyst.get(f"/v1/answers/{answer['id']}")
        feedback = analyst.post(f"/v1/answers/{answer['id']}/feedback", json={"verdict": "helpful"})
    assert_problem(hidden, 404, "not-found")
    assert_problem(feedback, 404, "not-found")


def test_feedback_is_stored_with_who_and_role(gold: GraphStore, api: RunningApi) -> None:
    answer = ask(api, Role.ANALYST, CHAIN)
    url = f"/v1/answers/{answer['id']}/feedback"
    with api.client(Role.ANALYST) as analyst, api.client(Role.EXPERT) as expert:
        given = analyst.post(
            url,
            json={
                "verdict": "wrong",
                "correction": "Orvik Sensors stopped supplying them in 2025.",
                "citation_flags": [{"citation_id": "c1", "flag": "outdated", "note": "2024"}],
            },
        )
        by_expert = expert.post(url, json={"verdict": "helpful"})
        unknown_citation = analyst.post(
            url,
            json={
                "verdict": "wrong",
                "citation_flags": [{"citation_id": "c99", "flag": "outdated"}],
            },
        )
        bad_flag = analyst.post(
            url,
            json={"verdict": "wrong", "citation_flags": [{"citation_id": "c1", "flag": "boring"}]},
        )
        extra = analyst.post(url, json={"verdict": "helpful", "score": 5})
        own = analyst.get(url).json()
        everyone = expert.get(url).json()
    assert given.status_code == 201, given.text
    stored = given.json()
    assert stored["actor"] == "test-analyst"
    assert stored["role"] == "analyst"
    assert stored["citation_flags"] == [{"citation_id": "c1", "flag": "outdated", "note": "2024"}]
    assert stored["applied"] is True  # applied at once (kag.feedback); effects in the response
    assert stored["effects"]["review_items"][0]["kind"] == "outdated"
    assert by_expert.json()["role"] == "expert"
    assert "c99" in assert_problem(unknown_citation, 422, "invalid-input")["detail"]
    assert_problem(bad_flag, 422, "validation-error")
    assert_problem(extra, 422, "validation-error")
    assert [f["id"] for f in own] == [stored["id"]]
    assert {f["role"] for f in everyone} == {"analyst", "expert"}
    assert gold.counts().nodes["Feedback"] == 2


def _without_answers(counts: StoreCounts) -> tuple[dict[str, int], dict[str, int]]:
    nodes = {k: v for k, v in counts.nodes.items() if k != "Answer"}
    rels = {k: v for k, v in counts.relationships.items() if k != "CITES"}
    return nodes, rels


@pytest.mark.parametrize(
    "question",
    [
        "Who is Acme'}) MATCH (n) DETACH DELETE n //",
        'Tell me about "Pellmark Software"}) SET n.status = "rejected" RETURN n //',
        "Describe `Entity`) CALL dbms.shutdown() //",
        "What about Corvane Robotics\\'; CREATE (x:Owned) //",
    ],
)
def test_questions_reach_cypher_only_as_parameters(
    gold: GraphStore, api: RunningApi, question: str
) -> None:
    before = _without_answers(gold.counts())
    for mode in ("plan", "cypher"):
        with api.client(Role.ANALYST) as analyst:
            response = analyst.post("/v1/ask", json={"question": question, "mode": mode})
        # plan mode answers (or says the evidence is insufficient); cypher mode needs an LLM.
        assert response.status_code in (200, 422), response.text
    assert _without_answers(gold.counts()) == before
    [node] = gold.get_nodes(["ent_" + "0" * 20]) or [None]
    assert node is None


def test_invalid_questions(api: RunningApi) -> None:
    with api.client(Role.ANALYST) as analyst:
        blank = analyst.post("/v1/ask", json={"question": "   "})
        # Whitespace to Python, not to the schema's regex: the engine's own check refuses it.
        empty = analyst.post("/v1/ask", json={"question": "\x1c\x1d"})
        long = analyst.post("/v1/ask", json={"question": "why " * 300})
        extra = analyst.post("/v1/ask", json={"question": "Who?", "temperature": 2})
        mode = analyst.post("/v1/ask", json={"question": "Who?", "mode": "sql"})
    assert_problem(blank, 422, "validation-error")
    assert "empty" in assert_problem(empty, 422, "invalid-input")["detail"]
    assert_problem(long, 422, "validation-error")
    assert_problem(extra, 422, "validation-error")
    assert_problem(mode, 422, "validation-error")


def test_ask_timeout(store_settings: Settings, tmp_path: Path) -> None:
    settings = api_settings(store_settings, tmp_path / "state", ask_timeout_s=0.001)
    tokens = issue_keys(settings)
    with serve(settings) as url, RunningApi(url, tokens).client(Role.ANALYST) as client:
        response = client.post("/v1/ask", json={"question": CHAIN})
    assert "0.001 s" in assert_problem(response, 504, "timeout")["detail"]
