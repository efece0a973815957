"""The deterministic planner: the attempts it makes for each question shape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from graph_schema import Label, Status
from kag.engine.linking import analyse
from kag.engine.planner import Attempt, DeterministicPlanner
from kag.settings import EngineSettings
from kag.store import GraphStore, NodeView


@pytest.fixture
def plan(gold_store: GraphStore, nlp: Any) -> Any:
    searches: list[tuple[str, ...]] = []

    def search(text: str, labels: Sequence[Label], min_score: float) -> list[NodeView]:
        searches.append(tuple(label.value for label in labels))
        found = gold_store.search_statements(text, labels=labels, min_score=min_score)
        return [m.node for m in found]

    def run(question: str, **settings: Any) -> list[Attempt]:
        a = analyse(question, gold_store, nlp, gold_store.schema)
        planner = DeterministicPlanner(EngineSettings(**settings), search)
        return list(planner.attempts(a))

    run.searches = searches  # type: ignore[attr-defined]
    return run


def test_chain_typed_then_order_free(plan: Any) -> None:
    first, second = plan(
        "Which group owns the sensor supplier of the company that acquired Quillon?"
    )
    assert first.name == "first"
    [query] = first.queries
    assert [h.rel_types for h in query.plan.hops] == [
        ("ACQUIRED",),
        ("SUPPLIED_BY",),
        ("SUBSIDIARY_OF",),
    ]
    assert all(h.direction == "both" and h.max_length == 1 for h in query.plan.hops)
    assert second.name == "replan"
    assert second.queries[0].hop_types == (("ACQUIRED",), ("SUPPLIED_BY",), ("SUBSIDIARY_OF",))
    assert {t for h in second.queries[0].plan.hops for t in h.rel_types} == {
        "ACQUIRED",
        "SUBSIDIARY_OF",
        "SUPPLIED_BY",
    }


def test_relate_expands_hops_then_goes_through_statements(plan: Any) -> None:
    attempts = plan("How is Brannock Industrial Group connected to Kestrel Holdings?", max_hops=4)
    assert [a.name for a in attempts] == ["first", "expand", "replan"]
    assert [a.queries[0].plan.hops[0].max_length for a in attempts[:2]] == [2, 4]
    assert attempts[0].queries[0].plan.targets == attempts[1].queries[0].plan.targets
    assert [h.rel_types for h in attempts[2].queries[0].plan.hops] == [("ABOUT",), ("ABOUT",)]


def test_proposed_facts_only_when_the_settings_allow(plan: Any) -> None:
    [default] = plan("Tell me about Pellmark Software.")
    assert default.queries[0].plan.filters.statuses == (Status.APPROVED,)
    [allowed] = plan("Tell me about Pellmark Software.", allow_proposed=True, min_confidence=0.4)
    assert set(allowed.queries[0].plan.filters.statuses) == {Status.APPROVED, Status.PROPOSED}
    assert allowed.queries[0].plan.filters.min_confidence == 0.4


def test_advice_goes_situation_wisdom_experience(plan: Any) -> None:
    attempts = plan("A competitor is undercutting us on price in a renewal. What should we do?")
    first = attempts[0]
    assert [q.role for q in first.queries] == ["answer", "supports", "context"]
    assert [h.rel_types for h in first.queries[1].plan.hops] == [
        ("APPLIES_IN",),
        ("SUPPORTS", "CONTRADICTS"),
    ]
    assert all(label_of_anchor.startswith("sit_") for label_of_anchor in first.anchors)
    assert plan.searches[0] == ("Situation",)


@pytest.mark.parametrize(
    ("question", "op", "by_entity", "by_period", "granularity"),
    [
        (
            "Rank Corvane Robotics and Pellmark Software by revenue in 2024.",
            "rank",
            True,
            False,
            "year",
        ),
        (
            "What was the average 2024 operating margin of Corvane and Pellmark?",
            "avg",
            False,
            False,
            "year",
        ),
        (
            "How did Pellmark Software's revenue develop from 2022 to 2024?",
            "trend",
            True,
            True,
            "year",
        ),
        (
            "By how much did Pellmark Software cut its prices in Q2 2025?",
            "avg",
            True,
            True,
            "quarter",
        ),
    ],
)
def test_quantitative_plans(
    plan: Any, question: str, op: str, by_entity: bool, by_period: bool, granularity: str
) -> None:
    first = plan(question)[0]
    query = first.queries[0].plan
    assert query.returns == "values"
    assert query.aggregation is not None
    assert (query.aggregation.op, query.aggregation.by_entity, query.aggregation.by_period) == (
        op,
        by_entity,
        by_period,
    )
    assert query.time.granularity == granularity


def test_unanswerable_question_yields_no_attempt(plan: Any) -> None:
    assert plan("What is the meaning of life?") == []
