"""Every golden question of the sample corpus, against the gold graph, on both backends.

The gold graph is written through the storage API (``kag.samples.gold_write_batches``); the
engine runs without a language model. Each answer must be accurate and its citations valid
(``bench.scoring.golden``): every cited relationship exists, every hop has an evidence span whose
quote is the chunk's text, and every expected document is cited.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.scoring.golden import evaluate
from kag.engine import Engine
from kag.samples import GoldenQuestion, gold_write_batches, load_golden_questions
from kag.settings import EngineSettings, Settings
from kag.store import GraphStore, open_store
from kag.testing.neo4j_server import Neo4jEndpoint
from tests.conftest import clear_neo4j, neo4j_settings

QUESTIONS = load_golden_questions()


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def gold(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[GraphStore, Engine]]:
    """The gold graph in a fresh store of each backend, and an engine over it."""
    engine_settings = EngineSettings(store_answers=False)
    if request.param == "embedded":
        path: Path = tmp_path_factory.mktemp("gold") / "graph.db"
        settings = Settings(store=f"embedded:{path}", engine=engine_settings)
    else:
        endpoint: Neo4jEndpoint = request.getfixturevalue("neo4j_endpoint")
        clear_neo4j(endpoint)
        settings = neo4j_settings(endpoint, engine=engine_settings)
    store = open_store(settings)
    for batch in gold_write_batches(store.schema):
        store.write(batch)
    try:
        yield store, Engine(store, settings)
    finally:
        store.close()


def _id(q: GoldenQuestion) -> str:
    return f"{q.id}-{q.shape}"


@pytest.mark.parametrize("question", QUESTIONS, ids=_id)
def test_golden_question(gold: tuple[GraphStore, Engine], question: GoldenQuestion) -> None:
    store, engine = gold
    answer = engine.ask(question.question)
    outcome = evaluate(question, answer, store)
    assert outcome.problems == [], f"{question.question}\n{answer.text}"
    assert outcome.passed


def test_the_suite_covers_every_shape_and_long_chains() -> None:
    shapes = {q.shape for q in QUESTIONS}
    assert shapes == {"describe", "relate", "chain", "advice", "experience", "quantitative", "why"}
    assert any(q.hops is not None and q.hops >= 3 for q in QUESTIONS)
    assert len(QUESTIONS) >= 30
