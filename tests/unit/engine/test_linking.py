"""Question analysis: entity linking, relation cues and hops, metrics, periods, shapes."""

from __future__ import annotations

from typing import Any

import pytest

from kag.engine.lexicon import find_periods
from kag.engine.linking import QuestionAnalysis, RelationCue, analyse, merge_hops
from kag.store import GraphStore


@pytest.fixture
def ask(gold_store: GraphStore, nlp: Any) -> Any:
    def run(question: str) -> QuestionAnalysis:
        return analyse(question, gold_store, nlp, gold_store.schema)

    return run


def names(a: QuestionAnalysis) -> list[str]:
    return [e.entity.name for e in a.entities]


def test_links_full_names_aliases_possessives_and_typos(ask: Any) -> None:
    a = ask("What happened when we matched Pellmark's discount at Sunfield Grocers?")
    assert names(a) == ["Lumenfold Systems", "Pellmark Software", "Sunfield Grocers"]
    assert [e.pronoun for e in a.entities] == [True, False, False]
    assert [e.entity.name for e in a.named] == ["Pellmark Software", "Sunfield Grocers"]
    typo = ask("Who leads Pelmark Sofware?")
    assert names(typo) == ["Pellmark Software"]
    assert typo.entities[0].exact is False


def test_a_common_noun_is_not_linked_to_a_name_containing_it(ask: Any) -> None:
    a = ask("Who supplies the sensors of the company that acquired Quillon Systems?")
    assert names(a) == ["Quillon Systems"]  # not "Orvik Sensors" for "sensors"


@pytest.mark.parametrize(
    ("question", "hops"),
    [
        (
            "Who supplies the sensors of the company that acquired Quillon Systems?",
            [("SUPPLIED_BY",), ("ACQUIRED",)],
        ),
        (
            "In which city is the parent company of the sensor supplier of Quillon Systems' "
            "acquirer headquartered?",
            [("HEADQUARTERED_IN",), ("SUBSIDIARY_OF",), ("SUPPLIED_BY",), ("ACQUIRED",)],
        ),
        (
            "Who leads the investor behind the vendor that Sunfield Grocers switched to?",
            [("LED_BY",), ("INVESTED_IN",), ("CUSTOMER_OF",)],
        ),
        (
            "Where is the company headquartered that acquired the yard management vendor "
            "Tollbridge Pharma Distribution used to buy from?",
            [("HEADQUARTERED_IN",), ("ACQUIRED",), ("CUSTOMER_OF",)],
        ),
    ],
)
def test_relation_cues_become_hops(ask: Any, question: str, hops: list[tuple[str, ...]]) -> None:
    a = ask(question)
    assert a.shape == "chain"
    assert list(a.hops) == hops


def test_merge_keeps_repeated_relations_apart() -> None:
    cue = RelationCue(text="supplier", position=0, types=("SUPPLIED_BY",))
    assert merge_hops([cue, cue.model_copy(update={"position": 3})]) == [
        ("SUPPLIED_BY",),
        ("SUPPLIED_BY",),
    ]
    where = RelationCue(
        text="where", position=0, types=("HEADQUARTERED_IN", "OPERATES_IN"), weak=True
    )
    operate = RelationCue(text="operate", position=3, types=("OPERATES_IN",))
    assert merge_hops([where, operate]) == [("OPERATES_IN",)]


@pytest.mark.parametrize(
    ("question", "metric", "op", "periods"),
    [
        (
            "Which had the higher revenue in 2024, Halvorsen or Pellmark?",
            "revenue",
            "compare",
            ("2024",),
        ),
        (
            "By how much did Pellmark cut its prices in Q2 2025?",
            "price change",
            "value",
            ("2025-Q2",),
        ),
        (
            "Compare the Q2 2025 list prices of Lumenfold Flow and Pellmark Stock.",
            "price",
            "compare",
            ("2025-Q2",),
        ),
        ("How much did Brannock pay for Quillon Systems?", "acquisition price", "value", ()),
        (
            "How did Pellmark's revenue develop from 2022 to 2024?",
            "revenue",
            "trend",
            ("2022", "2024"),
        ),
        (
            "How many customers did Lumenfold and Pellmark have together in 2024?",
            "customers",
            "sum",
            ("2024",),
        ),
    ],
)
def test_metric_operation_and_periods(
    ask: Any, question: str, metric: str, op: str, periods: tuple[str, ...]
) -> None:
    a = ask(question)
    assert (a.shape, a.metric, a.op, a.periods) == ("quantitative", metric, op, periods)
    assert a.hops == ()  # "customers" is the metric here, not a CUSTOMER_OF relation


@pytest.mark.parametrize(
    ("question", "shape"),
    [
        ("Tell me about Pellmark Software.", "describe"),
        ("What do we know about Quillon Systems?", "describe"),
        ("How is Halvorsen Logistics Cloud related to Nordavik Group?", "relate"),
        ("A competitor is undercutting us on price. What should we do?", "advice"),
        ("What happened in the Ardent Auto Parts deal?", "experience"),
        ("Why do we believe that Brannock acquired Quillon Systems?", "why"),
        ("Who leads Pellmark?", "chain"),
        ("What is the meaning of life?", None),
    ],
)
def test_shapes(ask: Any, question: str, shape: str | None) -> None:
    assert ask(question).shape == shape


def test_periods() -> None:
    assert find_periods("Q2 2025 and 2024-Q3, H1 2025, first half of 2023, and 2021") == [
        "2025-Q2",
        "2024-Q3",
        "2025-H1",
        "2023-H1",
        "2021",
    ]
    assert find_periods("between 2023 and 2024") == ["2023", "2024"]
    assert find_periods("no period, only 12345 and 1850") == []
