"""The LLM half, driven by the scripted chat model (the one stand-in: no LLM is reachable here;
nothing it produces is a quality figure)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph_schema import GraphSchema, Layer
from ingestion.chunking import chunk_text
from ingestion.llm.cache import LlmCache
from ingestion.llm.extractor import LlmExtractor, estimate_calls, is_transient
from ingestion.models import Chunk
from kag.errors import BudgetExceeded, ExtractionError
from kag.llm import LlmBudget
from kag.testing.scripted_chat import ScriptedChatModel, tool_call

TEXT = (
    "Pellmark Software competes with Lumenfold Systems. Pellmark Software's revenue in 2024 "
    "was $41.2 million. When a competitor undercuts us on price, we should compete on "
    "integration depth."
)
GOOD: dict[str, Any] = {
    "entities": [
        {"name": "Pellmark Software", "type": "company"},
        {"name": "Lumenfold Systems", "type": "company"},
    ],
    "relations": [
        {
            "subject": "Pellmark Software",
            "subject_type": "company",
            "predicate": "competes with",  # the label is accepted for the type name
            "object": "Lumenfold Systems",
            "object_type": "company",
            "quote": "Pellmark Software competes with Lumenfold Systems.",
        }
    ],
    "observations": [
        {
            "subject": "Pellmark Software",
            "subject_type": "company",
            "metric": "revenue",
            "value": 41200000,
            "unit": "usd",
            "period": "2024",
            "quote": "Pellmark Software's revenue in 2024 was $41.2 million.",
        }
    ],
    "statements": [
        {
            "layer": "Wisdom",
            "text": "When a competitor undercuts us on price, we should compete on "
            "integration depth.",
        },
        {"layer": "Situation", "text": "a competitor undercuts us on price"},
    ],
    "links": [{"source": 0, "type": "APPLIES_IN", "target": 1}],
}


@pytest.fixture
def chunk() -> Chunk:
    [only] = chunk_text("doc_x", 1, TEXT, max_chars=2000)
    return only


def budget(**caps: Any) -> LlmBudget:
    values: dict[str, Any] = {"max_calls": 10, "max_tokens": 100_000, "max_cost_usd": 1.0}
    values.update(caps)
    return LlmBudget(**values, usd_per_1k_input=0.001, usd_per_1k_output=0.002)


def make(
    replies: list[Any], tmp_path: Path, schema: GraphSchema, **caps: Any
) -> tuple[LlmExtractor, ScriptedChatModel]:
    chat = ScriptedChatModel(replies=replies)
    extractor = LlmExtractor(
        chat,
        schema,
        model="scripted:test",
        budget=budget(**caps),
        cache=LlmCache(tmp_path / "cache"),
        wait=lambda *_: 0.0,
    )
    return extractor, chat


def test_structured_answer_becomes_candidates(
    chunk: Chunk, tmp_path: Path, schema: GraphSchema
) -> None:
    extractor, chat = make([tool_call("ChunkFacts", GOOD)], tmp_path, schema)
    converted = extractor.extract("doc", chunk)
    extraction = converted.extraction
    assert converted.rejected == []
    [relation] = extraction.relations
    assert (relation.subject.name, relation.predicate, relation.object.name) == (
        "Pellmark Software",
        "COMPETES_WITH",
        "Lumenfold Systems",
    )
    assert relation.evidence.text == "Pellmark Software competes with Lumenfold Systems."
    assert TEXT[relation.subject.span.start : relation.subject.span.end] == "Pellmark Software"
    [figure] = extraction.observations
    assert (figure.metric, figure.value, figure.unit, figure.period) == (
        "revenue",
        41_200_000.0,
        "USD",
        "2024",
    )
    assert [s.layer for s in extraction.statements] == [Layer.WISDOM, Layer.SITUATION]
    assert extraction.statements[1].evidence.text == "a competitor undercuts us on price"
    assert len(extraction.links) == 1
    # the prompt names the ontology's types and the chunk
    system, human = chat.prompts[0]
    assert "COMPETES_WITH: company -> company" in str(system.content)
    assert "operating margin: percent" in str(system.content)
    assert TEXT in str(human.content)
    assert extractor.budget.calls == 1
    assert extractor.budget.usage.total > 0


def test_cached_answer_is_not_asked_again(
    chunk: Chunk, tmp_path: Path, schema: GraphSchema
) -> None:
    first, _ = make([tool_call("ChunkFacts", GOOD)], tmp_path, schema)
    first.extract("doc", chunk)
    again, chat = make([], tmp_path, schema)  # an empty script: any call would fail
    converted = again.extract("doc", chunk)
    assert len(converted.extraction.relations) == 1
    assert again.stats.cached == 1
    assert chat.prompts == []
    assert again.budget.calls == 0
    calls, cached, _ = estimate_calls(schema, "scripted:test", again.cache, [("doc", chunk)])
    assert (calls, cached) == (0, 1)
    calls, cached, usage = estimate_calls(schema, "other:model", again.cache, [("doc", chunk)])
    assert (calls, cached) == (1, 0)
    assert usage.input_tokens > len(TEXT) // 4


def test_invalid_items_are_rejected_with_reasons(
    chunk: Chunk, tmp_path: Path, schema: GraphSchema
) -> None:
    bad = {
        "entities": [{"name": "Pellmark Software", "type": "spaceship"}],
        "relations": [
            {**GOOD["relations"][0], "predicate": "LOVES"},
            {**GOOD["relations"][0], "predicate": "HEADQUARTERED_IN"},  # range is a place
        ],
        "observations": [
            {**GOOD["observations"][0], "metric": "happiness"},
            {**GOOD["observations"][0], "unit": "dollars"},
            {**GOOD["observations"][0], "period": "last year"},
        ],
        "links": [{"source": 0, "type": "SUPPORTS", "target": 7}],
    }
    extractor, _ = make([tool_call("ChunkFacts", bad)], tmp_path, schema)
    converted = extractor.extract("doc", chunk)
    extraction = converted.extraction
    assert extraction.relations == ()
    assert extraction.observations == ()
    reasons = " | ".join(converted.rejected)
    for fragment in (
        "'spaceship' is not a concept",
        "relation type 'LOVES' is not in the ontology",
        "HEADQUARTERED_IN does not join a company to a company",
        "metric 'happiness' is not in the ontology",
        "unit 'dollars' is not an ISO currency code",
        "period 'last year' is not YYYY",
        "link 0->7: no such statement",
    ):
        assert fragment in reasons
    assert extractor.stats.invalid_items == 7


def test_unparseable_output_is_an_extraction_error_with_the_raw_output(
    chunk: Chunk, tmp_path: Path, schema: GraphSchema
) -> None:
    extractor, _ = make([tool_call("ChunkFacts", {"relations": "not a list"})], tmp_path, schema)
    with pytest.raises(ExtractionError, match="not valid ChunkFacts") as caught:
        extractor.extract("doc", chunk)
    assert caught.value.raw_output is not None
    assert "not a list" in caught.value.raw_output
    assert extractor.stats.invalid_outputs == 1
    assert not any((tmp_path / "cache").rglob("*.json"))  # nothing invalid is cached


def test_transient_errors_are_retried_others_are_not(
    chunk: Chunk, tmp_path: Path, schema: GraphSchema
) -> None:
    attempts: list[str] = []

    def timeout(_: object) -> str:
        attempts.append("timeout")
        raise TimeoutError("read timed out")

    extractor, _ = make([timeout, tool_call("ChunkFacts", GOOD)], tmp_path, schema)
    assert len(extractor.extract("doc", chunk).extraction.relations) == 1
    assert attempts == ["timeout"]

    def refused(_: object) -> str:
        attempts.append("refused")
        raise PermissionError("invalid API key")

    failing, _ = make([refused, tool_call("ChunkFacts", GOOD)], tmp_path / "other", schema)
    with pytest.raises(ExtractionError, match="invalid API key"):
        failing.extract("doc", chunk)
    assert attempts == ["timeout", "refused"]  # not retried
    assert is_transient(TimeoutError())
    assert not is_transient(ValueError())

    class RateLimited(Exception):
        status_code = 429

    assert is_transient(RateLimited())


def test_budget_is_checked_before_the_call(
    chunk: Chunk, tmp_path: Path, schema: GraphSchema
) -> None:
    extractor, chat = make([tool_call("ChunkFacts", GOOD)], tmp_path, schema, max_tokens=10)
    with pytest.raises(BudgetExceeded, match="token budget"):
        extractor.extract("doc", chunk)
    assert chat.prompts == []  # nothing was sent
    capped, chat = make([tool_call("ChunkFacts", GOOD)], tmp_path / "b", schema, max_calls=0)
    with pytest.raises(BudgetExceeded, match="call budget"):
        capped.extract("doc", chunk)
    assert chat.prompts == []
