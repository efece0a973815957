"""The LLM port: factory, budgets, and the scripted test double's structured output."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from kag.errors import BudgetExceeded, ConfigurationError
from kag.llm import LlmBudget, Usage, make_chat_model, usage_of
from kag.settings import Settings
from kag.testing.scripted_chat import ScriptedChatModel, tool_call


class Verdict(BaseModel):
    answer: str
    score: int


def test_no_llm_configured_gives_none() -> None:
    assert make_chat_model(Settings(llm="none")) is None


def test_missing_provider_package_is_a_configuration_error() -> None:
    try:
        import langchain_anthropic  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigurationError, match=r"pip install 'kag-advisory\[anthropic\]'"):
            make_chat_model(Settings(llm="anthropic:claude-x"))
    else:  # pragma: no cover - depends on the environment
        assert make_chat_model(Settings(llm="anthropic:claude-x")) is not None


def test_scripted_model_drives_structured_output_and_reports_usage() -> None:
    model = ScriptedChatModel(replies=[tool_call("Verdict", {"answer": "yes", "score": 3})])
    result = model.with_structured_output(Verdict).invoke("Is it?")
    assert result == Verdict(answer="yes", score=3)
    assert len(model.prompts) == 1


def test_scripted_model_invalid_output_fails_validation() -> None:
    model = ScriptedChatModel(replies=[tool_call("Verdict", {"answer": "yes", "score": "x"})])
    with pytest.raises(ValidationError):
        model.with_structured_output(Verdict).invoke("Is it?")


def test_scripted_model_refuses_unscripted_calls() -> None:
    model = ScriptedChatModel(replies=["only one"])
    assert model.invoke("a").content == "only one"
    with pytest.raises(RuntimeError, match="no reply left"):
        model.invoke("b")


def test_budget_caps_calls_tokens_and_cost() -> None:
    budget = LlmBudget(
        max_calls=2, max_tokens=100, max_cost_usd=0.009, usd_per_1k_input=0.1, usd_per_1k_output=0.1
    )
    budget.check(Usage(10, 10))
    budget.charge(Usage(40, 10))
    with pytest.raises(BudgetExceeded, match="token budget"):
        budget.check(Usage(40, 20))
    with pytest.raises(BudgetExceeded, match="cost budget"):
        budget.check(Usage(40, 5))
    budget.charge(Usage(1, 1))
    with pytest.raises(BudgetExceeded, match="call budget"):
        budget.check()
    assert budget.calls == 2
    reply = ScriptedChatModel(replies=["four words in reply"]).invoke("one two three")
    assert usage_of(reply).total > 0
