"""Guarded text-to-Cypher on a real Neo4j 5.26, driven by the scripted chat model.

The scripted model stands in for a real one (none is reachable here); what is tested is the
guard, the READ transaction, EXPLAIN-first, bounded repair and the explicit "cannot answer".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kag.engine import Engine
from kag.errors import BudgetExceeded, ConfigurationError, InvalidInput
from kag.settings import EngineSettings, Settings
from kag.store import GraphStore, open_store
from kag.testing.neo4j_server import Neo4jEndpoint
from kag.testing.scripted_chat import ScriptedChatModel, tool_call
from tests.conftest import clear_neo4j, neo4j_settings
from tests.support.engine_graph import ACME, COMPETES, GLOBEX, write_engine_graph

pytestmark = pytest.mark.neo4j
QUESTION = "Who competes with Acme Corp?"
GOOD = (
    "MATCH (a:Entity {id: $id})-[r:COMPETES_WITH]-(b:Entity) WHERE r.status IN $statuses "
    "RETURN b.name AS competitor, r.id AS fact"
)


def cypher(query: str, **params: Any) -> dict[str, Any]:
    return tool_call("CypherProposal", {"cypher": query, "params": params})


@pytest.fixture(scope="module")
def neo4j_graph(neo4j_endpoint: Neo4jEndpoint) -> Iterator[tuple[GraphStore, Settings]]:
    clear_neo4j(neo4j_endpoint)
    settings = neo4j_settings(neo4j_endpoint, engine=EngineSettings(store_answers=False))
    store = open_store(settings)
    write_engine_graph(store)
    yield store, settings
    store.close()


def ask(graph: tuple[GraphStore, Settings], nlp: Any, replies: list[Any]) -> tuple[Any, Any]:
    store, settings = graph
    chat = ScriptedChatModel(replies=replies)
    answer = Engine(store, settings, nlp=nlp, chat_model=chat).ask(QUESTION, mode="cypher")
    return answer, chat


@pytest.fixture(scope="module")
def nlp() -> Any:
    from kag.engine.nlp import load_question_nlp

    return load_question_nlp(None, "fast")


def test_a_valid_query_runs_and_its_facts_are_cited(neo4j_graph: Any, nlp: Any) -> None:
    answer, _ = ask(neo4j_graph, nlp, [cypher(GOOD, id=ACME.id, statuses=["approved"])])
    assert answer.outcome == "answered"
    assert "Globex" in answer.text
    assert answer.cypher[0].cypher == GOOD
    assert answer.cypher[0].params == {"id": ACME.id, "statuses": ["approved"]}
    [cited] = answer.citations
    assert cited.relationships[0].id == COMPETES.id
    assert cited.hops[0].spans  # the relation's evidence span
    assert [r.name for r in answer.trace if r.step == "query"] == ["EXPLAIN", "text-to-Cypher"]


def test_write_queries_never_reach_the_server(neo4j_graph: Any, nlp: Any) -> None:
    store, _ = neo4j_graph
    before = store.counts()
    hostile = cypher("MATCH (n:Entity) DETACH DELETE n RETURN count(n) AS gone")
    answer, chat = ask(neo4j_graph, nlp, [hostile, hostile, hostile])
    assert answer.outcome == "cannot_answer"
    assert answer.text.startswith("Cannot answer:")
    assert "not read-only: DELETE, DETACH refused" in str(chat.prompts[1][-1].content)
    assert store.counts() == before
    assert not [r for r in answer.trace if r.step == "query"]


def test_explain_errors_are_repaired(neo4j_graph: Any, nlp: Any) -> None:
    broken = cypher(
        "MATCH (a:Entity {id: $id})-[r:COMPETES_WITH]-(b:Entity) RETURN b.name AS x, AS y",
        id=ACME.id,
    )
    answer, chat = ask(neo4j_graph, nlp, [broken, cypher(GOOD, id=ACME.id, statuses=["approved"])])
    assert "Neo4j refused the query" in str(chat.prompts[1][-1].content)
    assert answer.outcome == "answered"
    assert "Globex" in answer.text


def test_the_model_may_say_it_cannot_answer(neo4j_graph: Any, nlp: Any) -> None:
    declined = tool_call(
        "CypherProposal", {"cannot_answer": True, "reason": "the graph has no stock prices"}
    )
    answer, _ = ask(neo4j_graph, nlp, [declined])
    assert answer.outcome == "cannot_answer"
    assert answer.text == "Cannot answer: the graph has no stock prices."
    assert answer.citations == ()


def test_an_empty_result_is_cannot_answer_not_a_guess(neo4j_graph: Any, nlp: Any) -> None:
    answer, _ = ask(neo4j_graph, nlp, [cypher(GOOD, id=GLOBEX.id, statuses=["nothing"])])
    assert answer.outcome == "cannot_answer"
    assert "found nothing" in answer.text


def test_read_transactions_refuse_writes_and_time_out(neo4j_graph: Any) -> None:
    store, _ = neo4j_graph
    with pytest.raises(InvalidInput, match="Neo4j refused the query"):
        store.read_query("CREATE (n:Entity {id: $id}) RETURN n", {"id": "ent_0000000000"})
    assert store.get_nodes(["ent_0000000000"]) == []
    with pytest.raises(BudgetExceeded, match="deadline"):
        store.read_query(
            "UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 0 RETURN count(x)",
            {},
            timeout_s=0.2,
        )


def test_cypher_mode_needs_neo4j_and_a_model(neo4j_graph: Any, nlp: Any, tmp_path: Path) -> None:
    store, settings = neo4j_graph
    with pytest.raises(ConfigurationError, match="KAG_LLM"):
        Engine(store, settings, nlp=nlp).ask(QUESTION, mode="cypher")
    embedded = open_store(Settings(store=f"embedded:{tmp_path / 'g.db'}"))
    try:
        engine = Engine(embedded, settings, nlp=nlp, chat_model=ScriptedChatModel())
        with pytest.raises(InvalidInput, match="needs the Neo4j backend"):
            engine.ask(QUESTION, mode="cypher")
    finally:
        embedded.close()
