"""The critic's judgement and the template composer's wording, on real graphs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph_schema import GraphSchema, Status
from kag.engine import Engine
from kag.engine.render import amount, change, relation_phrase
from kag.store import GraphStore, WriteBatch
from tests.support.builders import relation
from tests.support.engine_graph import ACME, HOOLI
from tests.unit.engine.conftest import settings_for


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (120000000.0, "USD", "$120 million"),
        (58900000.0, "USD", "$58.9 million"),
        (2100000000.0, "USD", "$2.1 billion"),
        (1650.0, "USD", "$1,650"),
        (-15.0, "percent", "-15%"),
        (4.425, "percent", "4.425%"),
        (1030.0, "count", "1,030"),
        (11.0, "EUR million", "11 EUR million"),
        (-2500000.0, "EUR", "-\u20ac2.5 million"),
    ],
)
def test_amounts(value: float, unit: str, text: str) -> None:
    assert amount(value, unit) == text


def test_changes_and_relation_phrases() -> None:
    assert change(-14.0, "percent") == "-14 percentage points"
    assert change(19700000.0, "USD") == "+$19.7 million"
    schema = GraphSchema.load()
    assert relation_phrase(schema, "SUBSIDIARY_OF") == "is a subsidiary of"
    assert relation_phrase(schema, "SUPPLIED_BY") == "is supplied by"
    assert relation_phrase(schema, "HEADQUARTERED_IN") == "is headquartered in"
    assert relation_phrase(schema, "INVESTED_IN") == "invested in"
    assert relation_phrase(schema, "ACQUIRED") == "acquired"


def test_every_sentence_cites_and_numbers_come_from_rows(gold_engine: Engine) -> None:
    answer = gold_engine.ask(
        "Rank Corvane Robotics, Halvorsen Logistics Cloud and Pellmark Software by revenue in 2024."
    )
    assert answer.outcome == "answered"
    assert [(q.label, q.value, q.rank) for q in answer.quantities] == [
        ("Corvane Robotics", 80300000.0, 1),
        ("Halvorsen Logistics Cloud", 58900000.0, 2),
        ("Pellmark Software", 41200000.0, 3),
    ]
    for q in answer.quantities:
        assert q.citation_ids
        assert all(f"[{c}]" in answer.text for c in q.citation_ids)
        [cited] = [c for c in answer.citations if c.id == q.citation_ids[0]]
        assert cited.nodes[0].label.value == "Knowledge"  # the observation itself
    assert "$80.3 million" in answer.text


def test_unevidenced_facts_make_a_partial_answer(small_store: GraphStore, nlp: Any) -> None:
    bare = relation(ACME, "ACQUIRED", HOOLI)  # written without any evidence span
    small_store.write(WriteBatch(assertions=(bare,)))
    engine = Engine(small_store, settings_for(Path("unused.db")), nlp=nlp)
    answer = engine.ask("Which company did Acme Corp acquire?")
    assert answer.outcome == "partial"
    assert "hops without an evidence span" in answer.text
    assert "Hooli" in answer.text
    assert answer.citations[0].hops[0].spans == ()


def test_low_confidence_answers_are_partial(small_store: GraphStore, nlp: Any) -> None:
    shaky = relation(ACME, "ACQUIRED", HOOLI, confidence=0.2)
    small_store.write(WriteBatch(assertions=(shaky,)))
    engine = Engine(small_store, settings_for(Path("unused.db")), nlp=nlp)
    answer = engine.ask("Which company did Acme Corp acquire?")
    assert answer.outcome == "partial"
    assert "confidence below 0.5" in answer.text
    assert answer.confidence < 0.2


def test_proposed_facts_are_used_only_when_allowed_and_flagged(
    small_store: GraphStore, nlp: Any
) -> None:
    question = "Who does Hooli partner with?"
    strict = Engine(small_store, settings_for(Path("x.db")), nlp=nlp).ask(question)
    assert strict.outcome == "insufficient_evidence"
    assert "Acme" not in strict.text
    allowing = Engine(small_store, settings_for(Path("x.db"), allow_proposed=True), nlp=nlp)
    answer = allowing.ask(question)
    assert "Acme Corp" in answer.text
    assert answer.citations[0].proposed
    assert "uses proposed (unreviewed) facts" in answer.flags
    assert answer.citations[0].relationships[0].status is Status.PROPOSED


def test_rejected_facts_are_never_used(small_store: GraphStore, nlp: Any) -> None:
    engine = Engine(small_store, settings_for(Path("x.db"), allow_proposed=True), nlp=nlp)
    answer = engine.ask("Who competes with Vandelay Industries?")  # only a rejected relation
    assert answer.outcome == "insufficient_evidence"
    assert answer.citations == ()
