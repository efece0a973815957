"""Statement ranking: the string-search implementation ranks exactly as the definition does."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from graph_schema import Label, Status
from kag.store.statement_lookup import (
    StatementIndex,
    rank_statements,
    statement_terms,
    statement_tokens,
)

_WORDS: tuple[str, ...] = (
    "price",
    "prices",
    "pricing",
    "priced",
    "cut",
    "cuts",
    "cutting",
    "supplier",
    "suppliers",
    "supply",
    "key",
    "partner",
    "acquired",
    "acquires",
    "competitor",
    "demand",
    "falls",
    "fall",
    "falling",
    "958",
    "2024",
    "q3",
    "recall",
    "recalled",
    "Über",
    "über",
    "straße",
    "strasse",
    "don't",
    "long-term",
    "AT&T",
    "(958)",
    "co-op",
    "the",
    "a",
    "of",
    "what",
    "should",
    "we",
    "do",
)


def _reference(
    text: str,
    candidates: Sequence[tuple[str, Label, Mapping[str, Any]]],
    *,
    labels: Sequence[Label],
    statuses: Sequence[Status],
    limit: int,
    min_score: float,
) -> list[tuple[str, float, tuple[str, ...]]]:
    """The ranking as the module docstring defines it, written the obvious way."""
    terms = statement_terms(text)
    if not terms:
        return []
    allowed = {s.value for s in statuses}
    ranked, seen = [], set()
    for node_id, label, props in candidates:
        if node_id in seen or label not in labels:
            continue
        seen.add(node_id)
        if props.get("status") not in allowed:
            continue
        tokens = statement_tokens(str(props.get("text", "")))
        matched = [t for t in terms if any(tok.startswith(t) for tok in tokens)]
        score = round(100.0 * len(matched) / len(terms), 6)
        if not matched or score < min_score:
            continue
        hit = sum(1 for tok in tokens if any(tok.startswith(t) for t in matched))
        ranked.append((-score, -hit / len(tokens), node_id, tuple(matched)))
    ranked.sort(key=lambda item: item[:3])
    return [(node_id, -score, matched) for score, _, node_id, matched in ranked[:limit]]


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(low, high))]
    return rng.choice(("", " ", ", ", ". ", "; ")).join(words) if words else ""


@pytest.mark.parametrize("seed", range(40))
def test_ranking_matches_its_definition(seed: int) -> None:
    rng = random.Random(seed)
    labels = (Label.SITUATION, Label.EXPERIENCE)
    statuses = (Status.APPROVED, Status.PROPOSED)
    candidates = [
        (
            f"sit_{rng.randint(0, 60)}",
            rng.choice((Label.SITUATION, Label.EXPERIENCE, Label.WISDOM)),
            {
                "text": _sentence(rng, 0, 12),
                "status": rng.choice(("approved", "proposed", "rejected")),
            },
        )
        for _ in range(80)
    ]
    for _ in range(10):
        question = _sentence(rng, 1, 8)
        for min_score in (0.0, 25.0, 33.333333, 50.0, 66.666667, 100.0):
            for limit in (1, 5, 100):
                options = {"labels": labels, "statuses": statuses, "limit": limit}
                got = rank_statements(question, candidates, min_score=min_score, **options)
                want = _reference(question, candidates, min_score=min_score, **options)
                assert [(m.node.id, m.score, m.matched) for m in got] == want


def test_terms_match_token_prefixes_only() -> None:
    candidates = [
        ("sit_1", Label.SITUATION, {"text": "Prices fall (958)", "status": "approved"}),
        ("sit_2", Label.SITUATION, {"text": "Supply of chips", "status": "approved"}),
        ("sit_3", Label.SITUATION, {"text": "unpriced 1958 cut", "status": "approved"}),
    ]
    found = rank_statements(
        "price 958",
        candidates,
        labels=(Label.SITUATION,),
        statuses=(Status.APPROVED,),
        limit=5,
        min_score=50.0,
    )
    # "price" starts "prices" but not "unpriced"; "958" starts "958" but not "1958"
    assert [(m.node.id, m.score, m.matched) for m in found] == [("sit_1", 100.0, ("price", "958"))]


def test_index_scoring_uses_the_same_threshold() -> None:
    index = StatementIndex()
    index.add("sit_1", Label.SITUATION, "price cut demand")
    index.add("sit_2", Label.SITUATION, "price increase")
    index.add("sit_3", Label.SITUATION, "nothing relevant")
    terms = statement_terms("price cut recall")  # three terms: one is 33.3, two 66.7
    assert index.scoring(terms, (Label.SITUATION,), 33.333333) == {"sit_1", "sit_2"}
    assert index.scoring(terms, (Label.SITUATION,), 50.0) == {"sit_1"}
    assert index.scoring(terms, (Label.SITUATION,), 100.0) == set()
