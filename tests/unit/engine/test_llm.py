"""The LLM paths, driven by the scripted chat model (the project's one test double).

Nothing here measures quality: the scripted model says what the test wants. What is tested is
what the engine does with it: validation, bounded repair, fallback, citation and number checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kag.engine import Engine
from kag.store import GraphStore
from kag.testing.scripted_chat import ScriptedChatModel, tool_call
from tests.unit.engine.conftest import settings_for

QUESTION = "Who leads Pellmark Software?"


def pellmark(store: GraphStore) -> str:
    [match] = store.find_entities("Pellmark Software", limit=1)
    return match.entity.id


def proposal(anchor: str, rel_type: str = "LED_BY", **plan: Any) -> dict[str, Any]:
    body = {"shape": "chain", "anchors": [anchor], "hops": [{"rel_types": [rel_type]}], **plan}
    return tool_call("PlanProposal", {"plans": [{"purpose": "the leader", "plan": body}]})


def engine(store: GraphStore, nlp: Any, chat: ScriptedChatModel, **limits: Any) -> Engine:
    return Engine(store, settings_for(Path("unused.db"), **limits), nlp=nlp, chat_model=chat)


def test_a_valid_llm_plan_is_executed(gold_store: GraphStore, nlp: Any) -> None:
    chat = ScriptedChatModel(replies=[proposal(pellmark(gold_store)), "no citation here"] * 2)
    answer = engine(gold_store, nlp, chat).ask(QUESTION)
    assert answer.outcome == "answered"
    assert answer.cypher[0].purpose == "the leader"  # the LLM's plan ran first
    assert "Marcus Oyelaran" in answer.text
    assert [r.step for r in answer.trace].count("llm") == 3  # plan + two composer tries
    assert answer.composer == "template"  # both phrasings cited nothing: template stands


def test_invalid_plans_are_repaired_within_the_bound(gold_store: GraphStore, nlp: Any) -> None:
    anchor = pellmark(gold_store)
    chat = ScriptedChatModel(
        replies=[proposal(anchor, "LOVES"), proposal("ent_00000000000000000000"), proposal(anchor)]
    )
    chat.replies.append("Marcus Oyelaran leads Pellmark Software [c1].")
    answer = engine(gold_store, nlp, chat, max_plan_repairs=2).ask(QUESTION)
    repairs = [str(p[-1].content) for p in chat.prompts[1:3]]
    assert "LOVES" in repairs[0]
    assert "not among the linked entities" in repairs[1]
    assert answer.cypher[0].purpose == "the leader"
    assert answer.composer == "llm"
    assert answer.text == "Marcus Oyelaran leads Pellmark Software [c1]."


def test_after_the_repairs_the_deterministic_planner_answers(
    gold_store: GraphStore, nlp: Any
) -> None:
    bad = proposal(pellmark(gold_store), "LOVES")
    chat = ScriptedChatModel(replies=[bad, bad, "Marcus Oyelaran [c1]."])
    answer = engine(gold_store, nlp, chat, max_plan_repairs=1).ask(QUESTION)
    assert len(chat.prompts) == 3
    assert "LLM plans were not usable; deterministic plans used" in answer.flags
    assert answer.cypher[0].purpose == "typed chain from the innermost entity"
    assert answer.outcome == "answered"


def test_the_model_cannot_widen_the_statuses(gold_store: GraphStore, nlp: Any) -> None:
    widened = proposal(
        pellmark(gold_store), filters={"statuses": ["approved", "proposed"], "min_confidence": 0}
    )
    chat = ScriptedChatModel(replies=[widened, "Marcus Oyelaran [c1]."])
    answer = engine(gold_store, nlp, chat).ask(QUESTION)
    plan = answer.cypher[0].plan
    assert plan is not None
    assert [s.value for s in plan.filters.statuses] == ["approved"]


FUNDING = "How much funding has Pellmark Software raised in total?"


def test_llm_composer_may_not_invent_numbers_or_cite_unknown_ids(
    gold_store: GraphStore, nlp: Any
) -> None:
    replies = ["(no plan)", "Pellmark raised $75 million in total [c1].", "About $58 million [c9]."]
    chat = ScriptedChatModel(replies=replies)
    answer = engine(gold_store, nlp, chat, max_plan_repairs=0).ask(FUNDING)
    assert answer.composer == "template"
    assert "$58 million" in answer.text
    assert "numbers the facts do not give: ['75']" in str(chat.prompts[2][-1].content)
    assert not chat.replies  # the third reply (unknown id c9) was refused too


def test_llm_composer_phrasing_is_used_when_it_checks_out(gold_store: GraphStore, nlp: Any) -> None:
    phrased = "Pellmark Software has raised $58 million in total [c1][c2]."
    chat = ScriptedChatModel(replies=["(no plan)", phrased])
    answer = engine(gold_store, nlp, chat, max_plan_repairs=0).ask(FUNDING)
    assert answer.composer == "llm"
    assert answer.text == phrased
    assert answer.quantities[0].value == 58000000.0  # from the executor


def test_a_failing_model_falls_back_to_deterministic_planning_and_templates(
    gold_store: GraphStore, nlp: Any
) -> None:
    chat = ScriptedChatModel(replies=[])  # every call raises, like an unreachable server
    answer = engine(gold_store, nlp, chat).ask(QUESTION)
    assert answer.outcome == "answered"
    assert "Marcus Oyelaran" in answer.text
    assert answer.composer == "template"
    assert any(
        f.startswith("LLM planner stopped (the language model call failed") for f in answer.flags
    )
    assert any(f.startswith("LLM composer stopped") for f in answer.flags)


def test_llm_tokens_are_budgeted(gold_store: GraphStore, nlp: Any) -> None:
    chat = ScriptedChatModel(replies=["(no plan)"])
    answer = engine(gold_store, nlp, chat, max_llm_tokens=10).ask(QUESTION)
    assert chat.prompts == []  # the first call would already exceed the token cap
    assert any("LLM token budget of 10" in f for f in answer.flags)
    assert "Marcus Oyelaran" in answer.text
