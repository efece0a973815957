"""The engine on both backends: same answers, stored answers, and injection attempts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kag.engine import Answer, Engine
from kag.engine.langchain_retriever import KagRetriever
from kag.engine.nlp import load_question_nlp
from kag.settings import EngineSettings, Settings
from kag.store import GraphStore, open_store
from kag.store.neo4j.store import Neo4jStore
from kag.testing.neo4j_server import Neo4jEndpoint
from tests.conftest import clear_neo4j, neo4j_settings
from tests.support.engine_graph import write_engine_graph

QUESTIONS = [
    "Tell me about Globex.",
    "Where is the supplier of the company Globex acquired headquartered?",
    "How is Acme Corp related to Initech?",
    "A competitor cuts its list prices. What should we do?",
    "What happened with Globex?",
    "Compare the 2024 market share of Acme Corp and Globex.",
    "How did Acme Corp's revenue develop from 2023 to 2025?",
    "Why do we believe that Globex acquired Initech?",
]
HOSTILE = [
    "Who competes with Acme Corp'}) MATCH (n) DETACH DELETE n //?",
    "Tell me about Globex`]->() DELETE x; CREATE (:Entity {id: 'evil'}) RETURN 1 //",
    "What is the revenue of Acme Corp in 2024\\u0027 OR 1=1; DROP INDEX entity_names",
    "How is $anchors related to {id: 'x'}) SET n.status = 'approved'?",
]
FRAGMENTS = ("DETACH", "DELETE", "CREATE", "DROP", "SET n", "evil", "1=1", "'x'")


@pytest.fixture(scope="module")
def nlp() -> Any:
    return load_question_nlp(None, "fast")


def _engine(store: GraphStore, nlp: Any, settings: Settings) -> Engine:
    return Engine(store, settings, nlp=nlp)


@pytest.fixture
def engine(store: GraphStore, store_settings: Settings, nlp: Any) -> Engine:
    write_engine_graph(store)
    return _engine(store, nlp, store_settings)


def test_injection_attempts_reach_cypher_only_as_parameters(engine: Engine) -> None:
    before = engine.store.counts()
    for question in HOSTILE:
        answer = engine.ask(question, save=False)
        for query in answer.cypher:
            for fragment in FRAGMENTS:
                assert fragment not in query.cypher
                assert fragment not in str(query.params)
    assert engine.store.counts() == before


def test_answers_are_stored_and_fetched_by_id(engine: Engine) -> None:
    answer = engine.ask("Where is the supplier of the company Globex acquired headquartered?")
    assert answer.outcome == "answered"
    assert "Berlin" in answer.text
    assert engine.get_answer(answer.id) == answer
    record = engine.store.get_answer(answer.id)
    assert record.question == answer.question
    assert engine.store.counts().relationships["CITES"] == len(answer.cited_ids)


def test_langchain_retriever_returns_cited_paths(engine: Engine) -> None:
    docs = KagRetriever(engine=engine).invoke("Where is Umbrella Group headquartered?")
    [doc] = docs
    assert doc.page_content.startswith("Umbrella Group -[HEADQUARTERED_IN]-> Berlin")
    assert "Evidence:" in doc.page_content
    assert doc.metadata["documents"] == ["profiles/relations.txt"]
    assert doc.metadata["answer_outcome"] == "answered"


def _comparable(answer: Answer) -> dict[str, Any]:
    data = answer.model_dump(mode="json", exclude={"id", "created_at", "trace"})
    for query in data["cypher"]:
        query.pop("executed_as")
    return data


@pytest.fixture
def both(neo4j_endpoint: Neo4jEndpoint, tmp_path: Path, nlp: Any) -> Iterator[list[Engine]]:
    clear_neo4j(neo4j_endpoint)
    engine_settings = EngineSettings(store_answers=False)
    settings = [
        Settings(store=f"embedded:{tmp_path / 'g.db'}", engine=engine_settings),
        neo4j_settings(neo4j_endpoint, engine=engine_settings),
    ]
    stores = [open_store(s) for s in settings]
    for store in stores:
        write_engine_graph(store)
    yield [_engine(store, nlp, s) for store, s in zip(stores, settings, strict=True)]
    for store in stores:
        store.close()


@pytest.mark.neo4j
def test_both_backends_give_the_same_answers(both: list[Engine]) -> None:
    for question in QUESTIONS:
        embedded, neo4j = (e.ask(question) for e in both)
        assert embedded.outcome == "answered", (question, embedded.text)
        assert _comparable(embedded) == _comparable(neo4j), question


@pytest.mark.neo4j
def test_plans_run_side_by_side_on_neo4j_keep_their_order(both: list[Engine]) -> None:
    embedded, neo4j = both
    question = "A competitor cuts its list prices. What should we do?"
    store = neo4j.store
    assert isinstance(store, Neo4jStore)
    with store.capture_reads() as sent:
        answer = neo4j.ask(question)
    purposes = [q.purpose for q in answer.cypher]
    assert len(purposes) >= 2  # the advice attempt has several plans: they ran together
    traced = [r.name for r in answer.trace if r.step == "query"]
    assert traced == purposes  # the trace keeps the attempt's order
    # Every query reached the server from the reader threads too: the plans, and the lookup of
    # earlier questions that ran while the question was analysed.
    sent_text = [s.query for s in sent]
    assert all(any(q.cypher == s for s in sent_text) for q in answer.cypher)
    assert any("$source" in s for s in sent_text)
    assert [r.name for r in embedded.ask(question).trace if r.step == "query"] == traced
