"""Question cues: relation phrases, metric phrases, question-shape and aggregation words, periods.

Relation and metric phrases come from the ontology (relation labels and ``cues``, metric names
and ``cues``) plus the question phrasings below (documents say "X acquired Y", questions ask for
"the acquirer of Y"). A phrase matches question tokens by crude stems of their lemmas, a phrase
word of 4+ characters also as a prefix ("make" matches "maker"), and up to two stop words may sit
between phrase words ("cut its prices" matches "cut price"). The longest match wins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from graph_schema import GraphSchema
from kag.store.statement_lookup import STOP_WORDS, stem

#: Question phrasings per relation type of the shipped ontology (ignored for absent types).
QUESTION_PHRASES: Final[dict[str, tuple[str, ...]]] = {
    "ACQUIRED": ("acquirer", "acquisition", "bought", "buyer", "purchased", "took over"),
    "SUPPLIED_BY": ("supplier", "supplies", "vendor", "provider", "runs on", "hosted on"),
    "CUSTOMER_OF": (
        "customer of",
        "client of",
        "switched to",
        "buy from",
        "bought from",
        "vendor",
        "chose",
        "picked",
        "signed with",
    ),
    "SUBSIDIARY_OF": ("parent", "owns", "owner", "owned by", "subsidiary"),
    "INVESTED_IN": ("investor", "invested", "backer", "backed by"),
    "LED_BY": ("runs", "leads", "leader", "ceo", "chief executive", "head", "founder"),
    "HEADQUARTERED_IN": ("headquartered", "headquarters", "based in"),
    "OPERATES_IN": ("operates", "active in", "region"),
    "OFFERS": ("maker", "makes", "sells", "product", "offers"),
    "PARTNERS_WITH": ("partner", "partnership"),
    "COMPETES_WITH": ("competitor", "rival", "competes"),
    "INTEGRATES_WITH": ("integrates", "integration"),
    "USES_TECHNOLOGY": ("technology", "built on"),
}
#: Ontology cues that are too ambiguous in questions ("market share" is no OFFERS relation).
IGNORED_CUES: Final = frozenset({"market", "use", "provide", "power"})
#: Wh-words and nouns that name the answer slot; they merge into a relation cue that shares
#: a type with them instead of counting as a hop of their own.
WEAK_PHRASES: Final[dict[str, tuple[str, ...]]] = {
    "where": ("HEADQUARTERED_IN", "OPERATES_IN"),
    "city": ("HEADQUARTERED_IN",),
    "which city": ("HEADQUARTERED_IN",),
}
METRIC_PHRASES: Final[dict[str, tuple[str, ...]]] = {
    "acquisition price": ("pay for", "paid for", "price paid"),
    "price change": ("cut price", "price cut", "raise price", "discount", "price increase"),
    "price": ("list price", "cost"),
    "funding": ("raise", "funding round"),
    "customers": ("customer count", "number of customers"),
}

SHAPE_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "why": ("why", "evidence", "believe", "source", "proof", "how do we know"),
    "advice": (
        "should",
        "recommend",
        "advice",
        "advise",
        "what to do",
        "how to respond",
        "how do we respond",
        "what works",
        "playbook",
    ),
    "experience": ("what happened", "how did it go", "outcome", "lesson", "experience with"),
    "describe": ("tell me about", "know about", "describe", "profile", "overview", "who is"),
    "relate": ("relate", "related", "connect", "connected", "relationship", "link between"),
}
OP_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "rank": ("rank", "ranking", "highest", "lowest", "largest", "smallest", "top", "biggest"),
    "compare": ("compare", "higher", "lower", "larger", "smaller", "more than", "less than", "vs"),
    "trend": ("develop", "trend", "change", "grow", "evolve", "over time", "over the years"),
    "avg": ("average", "mean"),
    "sum": ("total", "together", "combined", "sum", "altogether", "in total"),
    "min": ("minimum",),
    "max": ("maximum", "peak"),
}
ASCENDING_WORDS: Final = frozenset({"lowest", "smallest", "least", "bottom"})

_QUARTER = re.compile(
    r"\b(?:Q([1-4])[\s-]*((?:19|20)\d{2})|((?:19|20)\d{2})[\s-]*Q([1-4]))\b", re.I
)
_HALF = re.compile(
    r"\b(?:H([12])[\s-]*((?:19|20)\d{2})|((?:19|20)\d{2})[\s-]*H([12])|"
    r"(first|second) half of ((?:19|20)\d{2}))\b",
    re.I,
)
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


@dataclass(frozen=True, slots=True)
class Phrase:
    """A cue phrase: its word keys and what it means (relation types or a metric)."""

    keys: tuple[str, ...]
    meaning: frozenset[str]
    weak: bool = False


def key_of(word: str) -> str:
    """The matching key of a word: its crude stem, lower-cased."""
    return stem(word.lower())


def _phrase(text: str, meaning: frozenset[str], weak: bool = False) -> Phrase | None:
    keys = tuple(key_of(w) for w in re.findall(r"\w+", text.lower()))
    return Phrase(keys, meaning, weak) if keys else None


@lru_cache(maxsize=8)
def relation_phrases(schema: GraphSchema) -> tuple[Phrase, ...]:
    """Relation phrases of a schema: labels, ontology cues and question phrasings."""
    by_text: dict[str, set[str]] = {}
    for name, rel in schema.relation_types.items():
        texts = [rel.label, *rel.cues, *QUESTION_PHRASES.get(name, ())]
        for text in texts:
            if text.lower() not in IGNORED_CUES:
                by_text.setdefault(text.lower(), set()).add(name)
    phrases = [_phrase(t, frozenset(types)) for t, types in by_text.items()]
    for text, types in WEAK_PHRASES.items():
        known = frozenset(t for t in types if t in schema.relation_types)
        if known:
            phrases.append(_phrase(text, known, weak=True))
    return tuple(p for p in phrases if p is not None)


@lru_cache(maxsize=8)
def metric_phrases(schema: GraphSchema) -> tuple[Phrase, ...]:
    """Metric phrases of a schema: metric names, ontology cues and question phrasings."""
    phrases = []
    for metric in schema.ontology.metrics:
        for text in (metric.name, *metric.cues, *METRIC_PHRASES.get(metric.name, ())):
            phrases.append(_phrase(text, frozenset({metric.name})))
    return tuple(p for p in phrases if p is not None)


def _word_phrases(table: dict[str, tuple[str, ...]]) -> tuple[Phrase, ...]:
    out = [_phrase(text, frozenset({name})) for name, texts in table.items() for text in texts]
    return tuple(p for p in out if p is not None)


SHAPE_PHRASES: Final = _word_phrases(SHAPE_WORDS)
OP_PHRASES: Final = _word_phrases(OP_WORDS)


@dataclass(frozen=True, slots=True)
class Match:
    """A phrase found in the question, over tokens ``start..end`` (exclusive)."""

    start: int
    end: int
    phrase: Phrase


def _key_matches(token_keys: Sequence[str], key: str) -> bool:
    return any(k == key or (len(key) >= 4 and k.startswith(key)) for k in token_keys)


@lru_cache(maxsize=32)
def _first_keys(phrases: tuple[Phrase, ...]) -> dict[str, tuple[Phrase, ...]]:
    """Phrases by their first key (a question token is only tried against these)."""
    index: dict[str, list[Phrase]] = {}
    for phrase in phrases:
        index.setdefault(phrase.keys[0], []).append(phrase)
    return {key: tuple(found) for key, found in index.items()}


def _starting_at(index: dict[str, tuple[Phrase, ...]], keys: Sequence[str]) -> list[Phrase]:
    """Phrases whose first key matches a token: equal, or a 4+ character prefix of it."""
    out: dict[Phrase, None] = {}
    for key in keys:
        for size in (len(key), *range(4, len(key))):
            out.update(dict.fromkeys(index.get(key[:size], ())))
    return list(out)


def find_phrases(
    tokens: Sequence[Sequence[str]],
    words: Sequence[str],
    phrases: Sequence[Phrase],
    *,
    blocked: frozenset[int] = frozenset(),
) -> list[Match]:
    """Non-overlapping phrase matches, longest first, in token order.

    Args:
        tokens: per question token, its candidate keys (lemma and surface stems).
        words: the lower-case question tokens (to recognise skippable stop words).
        phrases: the phrases to look for.
        blocked: token positions that may not be part of a match (entity mentions).
    """
    index = _first_keys(tuple(phrases))
    found: list[Match] = []
    for start in range(len(tokens)):
        if start in blocked:
            continue
        for phrase in _starting_at(index, tokens[start]):
            end = _match_at(tokens, words, phrase.keys, start, blocked)
            if end is not None:
                found.append(Match(start, end, phrase))
    found.sort(key=lambda m: (-len(m.phrase.keys), m.start))
    taken: set[int] = set()
    chosen: list[Match] = []
    for match in found:
        span = set(range(match.start, match.end))
        if span & taken:
            continue
        taken |= span
        chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def _match_at(
    tokens: Sequence[Sequence[str]],
    words: Sequence[str],
    keys: Sequence[str],
    start: int,
    blocked: frozenset[int],
) -> int | None:
    position = start
    for n, key in enumerate(keys):
        skipped = 0
        while (
            n > 0
            and position < len(tokens)
            and not _key_matches(tokens[position], key)
            and words[position] in STOP_WORDS
            and skipped < 2
        ):
            position += 1
            skipped += 1
        if position >= len(tokens) or position in blocked:
            return None
        if not _key_matches(tokens[position], key):
            return None
        position += 1
    return position


def find_periods(question: str) -> list[str]:
    """Periods named in the question, in order: ``2024``, ``2025-Q2``, ``2025-H1``."""
    found: list[tuple[int, str]] = []
    consumed: list[tuple[int, int]] = []
    for m in _QUARTER.finditer(question):
        quarter, year = (m[1], m[2]) if m[1] else (m[4], m[3])
        found.append((m.start(), f"{year}-Q{quarter}"))
        consumed.append(m.span())
    for m in _HALF.finditer(question):
        if m[5]:
            half, year = ("1" if m[5].lower() == "first" else "2"), m[6]
        else:
            half, year = (m[1], m[2]) if m[1] else (m[4], m[3])
        found.append((m.start(), f"{year}-H{half}"))
        consumed.append(m.span())
    for m in _YEAR.finditer(question):
        if not any(a <= m.start() < b for a, b in consumed):
            found.append((m.start(), m[1]))
    return list(dict.fromkeys(p for _, p in sorted(found)))
