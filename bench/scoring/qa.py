"""Question-answering scores for MuSiQue: answer EM/F1 and supporting-passage recall@k.

Rule (``shared/eval/README.md``, musique-dev): "answer Exact Match and token F1 after SQuAD-style
normalisation (lower-case, strip punctuation, articles and extra whitespace; best over answer and
aliases); supporting-passage recall@2 and @5 from the passages the answer cites (in rank order),
against ``is_supporting``."

The normalisation and the token F1 follow the SQuAD evaluation script, as MuSiQue's own answer
metric does; where one side normalises to no tokens at all, F1 is 1 if both do and 0 otherwise
(the SQuAD 2.0 convention MuSiQue uses), so an empty prediction never scores.
"""

import re
import string
from collections import Counter
from collections.abc import Collection, Hashable, Sequence
from typing import NamedTuple, TypeVar

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)
_Key = TypeVar("_Key", bound=Hashable)


class PassageKey(NamedTuple):
    """How a passage is identified across the corpus, the questions and a system's citations.

    MuSiQue paragraphs carry an ``idx`` that is only a position within one question's 20
    paragraphs, and titles repeat across passages (1,764 titles for 1,890 passages), so a passage
    is identified by its title and text together. Both come straight from the data: the corpus
    entry ``{"title", "text"}`` and the question paragraph ``{"title", "paragraph_text"}`` of one
    passage are equal strings. Build keys with :func:`passage_key`.
    """

    title: str
    text: str


def passage_key(title: str, text: str) -> PassageKey:
    """Identify a passage by title and text, with outer and repeated whitespace collapsed.

    Whitespace is the only thing normalised (a store may trim or re-wrap text); case and
    punctuation must match, so two different passages never collide.
    """
    return PassageKey(" ".join(title.split()), " ".join(text.split()))


def normalize_answer(text: str) -> str:
    """Normalise an answer the SQuAD way.

    Lower-case, delete ASCII punctuation, delete the articles ``a``, ``an``, ``the`` as whole
    words, and collapse whitespace, in that order.
    """
    lowered = text.lower()
    no_punctuation = "".join(char for char in lowered if char not in _PUNCTUATION)
    no_articles = _ARTICLES.sub(" ", no_punctuation)
    return " ".join(no_articles.split())


def _require_gold(gold_answers: Sequence[str]) -> None:
    if not gold_answers:
        raise ValueError("gold_answers is empty: pass the answer and its aliases")


def exact_match(prediction: str, gold_answers: Sequence[str]) -> float:
    """Exact Match: 1.0 if the normalised prediction equals any normalised gold answer.

    Args:
        prediction: The system's answer.
        gold_answers: The answer followed by its aliases.

    Returns:
        1.0 or 0.0.

    Raises:
        ValueError: ``gold_answers`` is empty.
    """
    _require_gold(gold_answers)
    predicted = normalize_answer(prediction)
    return float(any(predicted == normalize_answer(gold) for gold in gold_answers))


def _token_f1(prediction: str, gold: str) -> float:
    predicted_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    if not predicted_tokens or not gold_tokens:
        return float(predicted_tokens == gold_tokens)
    common = Counter(predicted_tokens) & Counter(gold_tokens)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(predicted_tokens)
    recall = overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, gold_answers: Sequence[str]) -> float:
    """Token F1 between the normalised prediction and the best-matching gold answer.

    Tokens are the whitespace-separated words after :func:`normalize_answer`, counted as a
    multiset (a repeated word matches at most as often as it occurs in the gold answer).

    Args:
        prediction: The system's answer.
        gold_answers: The answer followed by its aliases.

    Returns:
        The maximum F1 over ``gold_answers``, in [0, 1].

    Raises:
        ValueError: ``gold_answers`` is empty.
    """
    _require_gold(gold_answers)
    return max(_token_f1(prediction, gold) for gold in gold_answers)


def recall_at_k(cited: Sequence[_Key], supporting: Collection[_Key], k: int) -> float:
    """Share of the gold supporting passages among the first ``k`` distinct cited passages.

    ``cited`` is the system's ranked list (best first); a passage cited twice counts once and
    does not use up a second slot. Fewer than ``k`` citations simply means fewer chances: the
    denominator is always the number of gold passages. Use :class:`PassageKey` values on both
    sides for MuSiQue.

    Args:
        cited: Passages the answer cites, in rank order.
        supporting: The question's gold passages (``is_supporting`` true).
        k: The cut-off, at least 1.

    Returns:
        ``|gold ∩ top-k distinct cited| / |gold|``.

    Raises:
        ValueError: ``k`` is below 1 or ``supporting`` is empty.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    gold = set(supporting)
    if not gold:
        raise ValueError("supporting is empty: recall is undefined for a question without gold")
    top: list[_Key] = []
    for passage in cited:
        if passage not in top:
            top.append(passage)
            if len(top) == k:
                break
    return len(gold.intersection(top)) / len(gold)
