"""The engine's store operations on every backend: statement search and stored answers."""

from __future__ import annotations

import pytest

from graph_schema import Label, Status
from graph_schema.properties import AnswerRecord
from kag.errors import InvalidInput, NotFound
from kag.store import GraphStore
from tests.support import engine_graph as g

ANSWER = AnswerRecord(
    id="ans_0123456789abcdef0123",
    question="Who does Globex compete with?",
    text="Acme Corp [c1].",
    outcome="answered",
    confidence=0.9,
    payload='{"id": "ans_0123456789abcdef0123"}',
    created_at="2026-01-01T00:00:00.000000Z",
)


@pytest.fixture
def graph(store: GraphStore) -> GraphStore:
    g.write_engine_graph(store)
    return store


def test_statement_search_ranks_by_shared_words(graph: GraphStore) -> None:
    found = graph.search_statements(
        "A competitor is cutting its prices. What should we do?", min_score=50
    )
    assert [m.node.id for m in found] == [g.SITUATION.id, g.WISDOM.id, g.EXPERIENCE_WIN.id]
    assert found[0].matched == ("competitor", "cut", "pric")
    assert found[0].score == 100.0
    situations = graph.search_statements("competitor price", labels=(Label.SITUATION,), min_score=0)
    assert [m.node.label for m in situations] == [Label.SITUATION]


def test_statement_search_skips_unreviewed_unless_asked(graph: GraphStore) -> None:
    question = "never match a price cut in the first quarter"
    assert g.WISDOM_PROPOSED.id not in [m.node.id for m in graph.search_statements(question)]
    both = graph.search_statements(question, statuses=(Status.APPROVED, Status.PROPOSED))
    assert both[0].node.id == g.WISDOM_PROPOSED.id
    assert graph.search_statements("the of and") == []


def test_answers_are_stored_with_their_citations_and_read_back(graph: GraphStore) -> None:
    graph.save_answer(ANSWER, [g.COMPETES.id, g.ACME.id, g.GLOBEX.id])
    assert graph.get_answer(ANSWER.id) == ANSWER
    assert graph.counts().relationships["CITES"] == 3
    graph.save_answer(ANSWER, [g.COMPETES.id])  # saving again updates, links accumulate
    assert graph.counts().nodes["Answer"] == 1


def test_unknown_answers_and_dangling_citations_are_refused(graph: GraphStore) -> None:
    with pytest.raises(NotFound, match="ans_ffffffffffffffffffff"):
        graph.get_answer("ans_ffffffffffffffffffff")
    with pytest.raises(InvalidInput, match="not stored"):
        graph.save_answer(ANSWER, [g.ACME.id, "kno_00000000000000000000"])
    assert "Answer" not in graph.counts().nodes
