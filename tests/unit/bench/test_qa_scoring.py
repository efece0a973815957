"""MuSiQue answer and passage scores on hand-made cases."""

import pytest

from bench.scoring.qa import (
    PassageKey,
    exact_match,
    normalize_answer,
    passage_key,
    recall_at_k,
    token_f1,
)

HALL = ["G. Stanley Hall", "Stanley Hall"]


def test_normalisation_strips_case_punctuation_articles_and_spaces() -> None:
    assert normalize_answer("  The Quick,  brown fox! ") == "quick brown fox"
    assert normalize_answer("An apple a day") == "apple day"
    assert normalize_answer("Theatre") == "theatre"  # "the" only as a whole word


def test_exact_match_takes_the_best_alias() -> None:
    assert exact_match("stanley hall", HALL) == 1.0
    assert exact_match("G Stanley Hall.", HALL) == 1.0
    assert exact_match("Hall", HALL) == 0.0


def test_token_f1_takes_the_best_alias() -> None:
    # vs "g stanley hall": overlap 2, P 2/3, R 2/3 -> 0.667; vs "stanley hall": P 2/3, R 1 -> 0.8
    assert token_f1("Stanley Hall was", HALL) == pytest.approx(0.8)


def test_token_f1_counts_repeated_words_once_per_gold_occurrence() -> None:
    assert token_f1("Paris Paris", ["Paris"]) == pytest.approx(2 / 3)  # P 1/2, R 1


def test_empty_prediction_scores_zero() -> None:
    assert exact_match("", HALL) == 0.0
    assert token_f1("", HALL) == 0.0
    assert token_f1("the", ["a"]) == 1.0  # both normalise to nothing


def test_answer_scores_need_gold() -> None:
    with pytest.raises(ValueError, match="gold_answers is empty"):
        token_f1("x", [])


A, B, C, D = (PassageKey(name, f"text of {name}") for name in "ABCD")


@pytest.mark.parametrize(
    ("cited", "k", "expected"),
    [
        ([A, B, C], 1, 0.0),
        ([A, B, C], 2, 0.5),
        ([A, B, C, D], 5, 1.0),
        ([B], 5, 0.5),  # fewer citations than k
        ([], 2, 0.0),
        ([A, A, B], 2, 0.5),  # a repeated citation does not use up a slot
        ([A, A, D, B], 2, 0.5),
    ],
)
def test_recall_at_k(cited: list[PassageKey], k: int, expected: float) -> None:
    assert recall_at_k(cited, {B, D}, k) == pytest.approx(expected)


def test_recall_needs_gold_and_positive_k() -> None:
    with pytest.raises(ValueError, match="supporting is empty"):
        recall_at_k([A], set(), 2)
    with pytest.raises(ValueError, match="at least 1"):
        recall_at_k([A], {A}, 0)


def test_passage_key_ignores_whitespace_only() -> None:
    assert passage_key(" Paris ", "Capital  of\nFrance.") == PassageKey(
        "Paris", "Capital of France."
    )
    assert passage_key("Paris", "capital of France.") != passage_key("Paris", "Capital of France.")
