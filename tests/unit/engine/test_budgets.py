"""Hard budgets: iterations, queries, LLM calls and tokens, and the wall-clock deadline.

The engine runs on a real embedded store; time is a fake monotonic clock advanced by the steps
themselves, so a deadline falls exactly where the test says.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest

from graph_schema import GraphSchema
from kag.engine import Engine
from kag.engine.budget import Budget
from kag.errors import BudgetExceeded
from kag.llm import Usage
from kag.plan import Hop, QueryPlan
from kag.settings import EngineSettings
from kag.store import GraphStore, WriteBatch, open_store
from kag.testing.scripted_chat import ScriptedChatModel, tool_call
from tests.support.builders import entity, relation
from tests.unit.engine.conftest import settings_for

SUNFIELD_TO_VARGA = "How is Sunfield Grocers related to Ines Varga?"  # 3 hops in the gold graph


class Clock:
    """A fake monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SlowStore:
    """The real store, with the fake clock advanced by every plan it runs."""

    def __init__(self, store: GraphStore, clock: Clock, seconds: float) -> None:
        self._store, self._clock, self._seconds = store, clock, seconds

    def execute_plan(self, plan: QueryPlan, *, timeout_s: float | None = None) -> Any:
        self._clock.now += self._seconds
        return self._store.execute_plan(plan, timeout_s=timeout_s)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def engine(store: Any, nlp: Any, clock: Clock | None = None, **limits: Any) -> Engine:
    return Engine(
        store,
        settings_for(Path("unused.db"), **limits),
        nlp=nlp,
        clock=clock or time.monotonic,
    )


def test_budget_caps_raise_naming_the_cap() -> None:
    clock = Clock()
    budget = Budget(
        EngineSettings(max_iterations=1, max_queries=1, max_llm_calls=1, max_llm_tokens=100),
        clock=clock,
    )
    budget.start_iteration()
    with pytest.raises(BudgetExceeded, match="iteration budget of 1"):
        budget.start_iteration()
    budget.start_query()
    with pytest.raises(BudgetExceeded, match="query budget of 1"):
        budget.start_query()
    with pytest.raises(BudgetExceeded, match="token budget of 100"):
        budget.start_llm_call(expected_tokens=101)
    budget.start_llm_call(expected_tokens=50)
    budget.charge_llm(Usage(30, 20))
    with pytest.raises(BudgetExceeded, match="LLM call budget of 1"):
        budget.start_llm_call(expected_tokens=1)
    clock.now += 25.0
    with pytest.raises(BudgetExceeded, match="deadline of 20 s") as caught:
        budget.check_deadline()
    assert caught.value.details["cap"] == "deadline"
    assert budget.remaining_s() == 0.0


def test_iterations_budget_stops_before_the_expansion(gold_store: GraphStore, nlp: Any) -> None:
    answer = engine(gold_store, nlp, max_iterations=1).ask(SUNFIELD_TO_VARGA)
    assert answer.outcome == "insufficient_evidence"
    assert any("iteration budget of 1" in f for f in answer.flags)
    expanded = engine(gold_store, nlp, max_iterations=2).ask(SUNFIELD_TO_VARGA)
    assert expanded.outcome == "answered"
    assert [c.nodes[-1].name for c in expanded.citations] == ["Ines Varga"]
    assert len(expanded.citations[0].relationships) == 3


def test_query_budget_is_enforced(gold_store: GraphStore, nlp: Any) -> None:
    answer = engine(gold_store, nlp, max_queries=1).ask(SUNFIELD_TO_VARGA)
    assert answer.outcome == "insufficient_evidence"
    assert any("query budget of 1" in f for f in answer.flags)
    assert len(answer.cypher) == 1


def test_deadline_before_any_query(gold_store: GraphStore, nlp: Any) -> None:
    clock = Clock()

    def slow_nlp(text: str) -> Any:
        clock.now += 30.0  # linking took longer than the whole deadline
        return nlp(text)

    answer = Engine(gold_store, settings_for(Path("unused.db")), nlp=slow_nlp, clock=clock).ask(
        "Who leads Pellmark Software?"
    )
    assert answer.outcome == "insufficient_evidence"
    assert answer.citations == ()
    assert any("deadline of 20 s" in f for f in answer.flags)
    assert answer.cypher == ()


def test_deadline_mid_loop_returns_the_best_partial_answer(
    gold_store: GraphStore, nlp: Any
) -> None:
    clock = Clock()
    store = SlowStore(gold_store, clock, seconds=6.0)
    question = "What was Quillon Systems' revenue in 2024?"  # only 2022 is known
    unlimited = engine(store, nlp, clock, deadline_s=1000.0).ask(question)
    assert unlimited.outcome == "partial"
    assert "no figure for 2024" in unlimited.text
    assert [q.value for q in unlimited.quantities] == [14200000.0]
    limited = engine(store, nlp, clock, deadline_s=10.0).ask(question)
    assert limited.outcome == "insufficient_evidence"  # stopped after two empty attempts
    assert any("deadline of 10 s" in f for f in limited.flags)
    assert len(limited.cypher) == 2


def test_llm_budget_falls_back_to_deterministic_plans(gold_store: GraphStore, nlp: Any) -> None:
    invalid = tool_call("PlanProposal", {"plans": [{"purpose": "x", "plan": {"anchors": []}}]})
    chat = ScriptedChatModel(replies=[invalid, invalid, invalid])
    eng = Engine(
        gold_store,
        settings_for(Path("unused.db"), max_llm_calls=2, max_plan_repairs=5),
        nlp=nlp,
        chat_model=chat,
    )
    answer = eng.ask("Who leads Pellmark Software?", save=False)
    assert len(chat.prompts) == 2  # the third call was refused by the budget
    assert any("LLM call budget of 2" in f for f in answer.flags)
    assert "Marcus Oyelaran" in answer.text  # the deterministic planner answered
    assert answer.composer == "template"  # no LLM call left to phrase it


def _dense_graph(store: GraphStore) -> list[str]:
    rng = random.Random(3)
    entities = [entity(f"Node {i}") for i in range(120)]
    predicates = sorted(GraphSchema.load().relation_types)
    rels = {}
    for _ in range(1500):
        a, b = rng.sample(entities, 2)
        r = relation(a, rng.choice(predicates), b)
        rels[r.id] = r
    store.write(WriteBatch(entities=tuple(entities), assertions=tuple(rels.values())))
    return [e.id for e in entities]


def test_the_embedded_executor_stops_at_its_deadline(tmp_path: Path) -> None:
    store = open_store(settings_for(tmp_path / "dense.db"))
    try:
        ids = _dense_graph(store)
        plan = QueryPlan(anchors=(ids[0],), hops=(Hop(max_length=5),), limit=500)
        with pytest.raises(BudgetExceeded, match="deadline"):
            store.execute_plan(plan, timeout_s=0.0)
    finally:
        store.close()
