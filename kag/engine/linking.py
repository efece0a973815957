"""Question analysis: entity linking, relation and metric cues, periods, aggregation and shape.

Mentions are runs of capitalised words and runs of nouns in the question (plus spaCy's entities
and noun chunks in ``full`` mode); each is looked up with ``store.find_entities`` (exact names and
aliases first, then fuzzy: the Neo4j full-text index or the embedded token index, ranked with
rapidfuzz). Cue words then give the relation types to follow, the metric, the periods and the
question's shape. The result is a :class:`QuestionAnalysis`, the planner's input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from graph_schema import GraphSchema, normalise_name
from kag.engine.lexicon import (
    ASCENDING_WORDS,
    OP_PHRASES,
    SHAPE_PHRASES,
    Match,
    find_periods,
    find_phrases,
    key_of,
    metric_phrases,
    relation_phrases,
)
from kag.plan import QuestionShape
from kag.store import EntityMatch, GraphStore, NodeView
from kag.store.statement_lookup import STOP_WORDS

Op = Literal["value", "rank", "compare", "trend", "avg", "sum", "min", "max"]
PRONOUNS: Final = frozenset({"we", "us", "our", "ours"})
_NOUNISH: Final = frozenset({"NOUN", "PROPN", "ADJ", "X"})
_PERIOD_TOKEN: Final = frozenset({"q1", "q2", "q3", "q4", "h1", "h2"})
FUZZY_ACCEPT: Final = 90.0
MIN_COVER: Final = 0.6


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LinkedEntity(_Frozen):
    """An entity the question names: the mention (char offsets) and the graph entity."""

    text: str
    start: int
    end: int
    entity: NodeView
    score: float
    exact: bool
    pronoun: bool = False


class RelationCue(_Frozen):
    """Relation types a cue phrase names; ``weak`` cues (where, city) name the answer slot."""

    text: str
    position: int
    types: tuple[str, ...]
    weak: bool = False
    noun: bool = False


class QuestionAnalysis(_Frozen):
    """Everything the planner needs to know about a question."""

    question: str
    entities: tuple[LinkedEntity, ...]
    cues: tuple[RelationCue, ...]
    hops: tuple[tuple[str, ...], ...]
    metric: str | None
    op: Op | None
    ascending: bool
    periods: tuple[str, ...]
    shape: QuestionShape | None
    words: tuple[str, ...]

    @property
    def named(self) -> tuple[LinkedEntity, ...]:
        """Entities named in the question (not reached through "we"/"us")."""
        return tuple(e for e in self.entities if not e.pronoun)


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    lower: str
    start: int
    pos: str
    keys: tuple[str, ...]


def _tokens(doc: Any) -> list[_Token]:
    out = []
    for tok in doc:
        lemma = (tok.lemma_ or tok.text).lower()
        keys = tuple(dict.fromkeys((key_of(lemma), key_of(tok.text))))
        out.append(_Token(tok.text, tok.text.lower(), tok.idx, tok.pos_, keys))
    return out


def _is_name_word(tok: _Token, index: int) -> bool:
    if tok.lower in _PERIOD_TOKEN or tok.text.isdigit() or not tok.text[:1].isupper():
        return False
    return tok.pos == "PROPN" if index == 0 else tok.lower not in STOP_WORDS


def _runs(tokens: Sequence[_Token]) -> list[tuple[int, int]]:
    """Token ranges of capitalised-word runs, noun runs and first-person pronouns."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if _is_name_word(tokens[i], i):
            j = i + 1
            while j < len(tokens) and (
                _is_name_word(tokens[j], j)
                or (tokens[j].text in {"&", "-"} and j + 1 < len(tokens))
            ):
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.lower in PRONOUNS:
            runs.append((i, i + 1))
        if tok.pos in _NOUNISH and tok.lower not in STOP_WORDS:
            j = i + 1
            while j < len(tokens) and (
                (tokens[j].pos in _NOUNISH and tokens[j].lower not in STOP_WORDS)
                or tokens[j].text == "-"
            ):
                j += 1
            if (i, j) not in runs:
                runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def _span_text(question: str, tokens: Sequence[_Token], start: int, end: int) -> tuple[int, int]:
    first = tokens[start].start
    last = tokens[end - 1]
    stop = last.start + len(last.text)
    text = question[first:stop]
    for suffix in ("'s", "\u2019s", "'", "\u2019"):
        if text.endswith(suffix):
            stop -= len(suffix)
            break
    return first, stop


def _acceptable(text: str, match: EntityMatch, *, exact_only: bool) -> bool:
    if match.exact:
        return True
    if exact_only or text.lower() in PRONOUNS or match.score < FUZZY_ACCEPT:
        return False
    # a fuzzy match must be about as long as the name: "sensors" is no "Orvik Sensors",
    # "Hooli partner" no "Hooli"
    ratio = len(normalise_name(text)) / max(len(normalise_name(match.matched)), 1)
    return MIN_COVER <= ratio <= 1 / MIN_COVER


def link_entities(
    store: GraphStore,
    question: str,
    doc: Any,
    tokens: Sequence[_Token],
    cue_words: frozenset[int] = frozenset(),
) -> list[LinkedEntity]:
    """Entities named in the question, in order of mention, one per mention.

    Exact names and aliases are linked first (longest mention first); fuzzy matches only for
    mentions no exact match covers. Lower-case runs made only of cue words ("supplier",
    "revenue", "parent") are not looked up.
    """

    def generic(start: int, end: int) -> bool:
        return all(i in cue_words and not _is_name_word(tokens[i], i) for i in range(start, end))

    runs = [(a, b) for a, b in _runs(tokens) if not generic(a, b)]
    spans = [_span_text(question, tokens, a, b) for a, b in runs]
    if getattr(doc, "has_annotation", lambda _: False)("DEP"):
        spans += [(c.start_char, c.end_char) for c in doc.noun_chunks]
    spans += [(e.start_char, e.end_char) for e in getattr(doc, "ents", ())]
    ordered = sorted(set(spans), key=lambda s: (-(s[1] - s[0]), s[0]))
    texts = [question[a:b].strip(" ,.?!;:'\"") for a, b in ordered]
    # Every candidate span in one store call (one round trip on Neo4j), before choosing.
    found = store.find_entities_many([t for t in texts if t], limit=3, min_score=FUZZY_ACCEPT)
    linked: dict[str, LinkedEntity] = {}
    covered: list[tuple[int, int]] = []
    for exact_only in (True, False):
        for start, end in ordered:
            text = question[start:end].strip(" ,.?!;:'\"")
            if not text or any(a < end and start < b for a, b in covered):
                continue
            best = next(
                (m for m in found[text] if _acceptable(text, m, exact_only=exact_only)), None
            )
            if best is None or best.entity.id in linked:
                continue
            covered.append((start, end))
            linked[best.entity.id] = LinkedEntity(
                text=text,
                start=start,
                end=end,
                entity=best.entity,
                score=best.score,
                exact=best.exact,
                pronoun=text.lower() in PRONOUNS,
            )
    return sorted(linked.values(), key=lambda e: e.start)


def _relation_cues(matches: Sequence[Match], tokens: Sequence[_Token]) -> list[RelationCue]:
    return [
        RelationCue(
            text=" ".join(t.text for t in tokens[m.start : m.end]),
            position=m.start,
            types=tuple(sorted(m.phrase.meaning)),
            weak=m.phrase.weak,
            noun=all(t.pos in ("NOUN", "PROPN") for t in tokens[m.start : m.end]),
        )
        for m in matches
    ]


def merge_hops(cues: Sequence[RelationCue]) -> list[tuple[str, ...]]:
    """Relation types per hop, in text order.

    A weak cue (where, city) merges with a later cue that shares a type. A noun cue and the
    verb cue right after it whose types overlap ("the vendor that X switched to", "the vendor X
    chose") are one hop, kept at the noun's position with the shared types. Two noun cues stay
    two hops ("the cloud supplier of the vendor", "the supplier of the supplier").
    """
    kept: list[tuple[set[str], RelationCue]] = []
    for cue in cues:
        types = set(cue.types)
        merged = False
        for i, (prior, first) in enumerate(kept):
            adjacent = i == len(kept) - 1
            overlap = prior & types
            clause = adjacent and first.noun != cue.noun
            if overlap and (first.weak or cue.weak or clause):
                kept[i] = (overlap, first if not first.weak else cue)
                merged = True
                break
        if not merged:
            kept.append((types, cue))
    return [tuple(sorted(types)) for types, _ in kept]


def _shape(
    words: set[str],
    shape_hits: set[str],
    named: int,
    metric: str | None,
    hops: int,
) -> QuestionShape | None:
    for shape in ("why", "advice", "experience"):
        if shape in shape_hits:
            return shape
    if metric is not None:
        return "quantitative"
    if "relate" in shape_hits and named >= 2:
        return "relate"
    if "describe" in shape_hits and named >= 1:
        return "describe"
    if hops and named >= 1:
        return "chain"
    if named >= 2:
        return "relate"
    if named == 1:
        return "describe"
    return "advice" if words & {"when", "if"} else None


def _op(matches: Sequence[Match], periods: Sequence[str], named: int) -> Op:
    found = {name for m in matches for name in m.phrase.meaning}
    for op in ("rank", "compare", "avg", "sum", "trend", "min", "max"):
        if op in found:
            if op == "compare" and named < 2:
                continue
            return op
    if len(periods) >= 2 and named <= 1:
        return "trend"
    return "value"


def analyse(question: str, store: GraphStore, nlp: Any, schema: GraphSchema) -> QuestionAnalysis:
    """Link a question's entities and read its cues."""
    doc = nlp(question)
    tokens = _tokens(doc)
    keys = [t.keys for t in tokens]
    words = [t.lower for t in tokens]
    every = (*relation_phrases(schema), *metric_phrases(schema), *SHAPE_PHRASES, *OP_PHRASES)
    cue_words = frozenset(
        i for m in find_phrases(keys, words, every) for i in range(m.start, m.end)
    )
    entities = link_entities(store, question, doc, tokens, cue_words)
    blocked = frozenset(
        i
        for i, t in enumerate(tokens)
        for e in entities
        if not e.pronoun and e.start <= t.start < e.end
    )
    metric_hits = find_phrases(keys, words, metric_phrases(schema), blocked=blocked)
    in_metric = frozenset(i for m in metric_hits for i in range(m.start, m.end))
    relation_hits = find_phrases(keys, words, relation_phrases(schema), blocked=blocked | in_metric)
    cues = _relation_cues(relation_hits, tokens)
    metric = None
    if metric_hits:
        longest = max(metric_hits, key=lambda m: (m.end - m.start, -m.start))
        metric = sorted(longest.phrase.meaning)[0]
    shape_hits = {n for m in find_phrases(keys, words, SHAPE_PHRASES) for n in m.phrase.meaning}
    periods = find_periods(question)
    named = sum(1 for e in entities if not e.pronoun)
    hops = merge_hops(cues)
    shape = _shape(set(words), shape_hits, named, metric, len(hops))
    op = _op(find_phrases(keys, words, OP_PHRASES), periods, named) if metric else None
    return QuestionAnalysis(
        question=question,
        entities=tuple(entities),
        cues=tuple(cues),
        hops=tuple(hops),
        metric=metric,
        op=op,
        ascending=bool(set(words) & ASCENDING_WORDS),
        periods=tuple(periods),
        shape=shape,
        words=tuple(words),
    )
