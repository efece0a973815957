"""Quantitative observations from a parsed sentence: entity, metric, value, unit, period.

Each money amount, percentage or count the NER finds is given the ontology metric whose cue is
nearest to it among the metrics of the same kind ("revenue" for an amount, "market share" for a
percentage, "customers" for a count the cue noun is counted by), the period of the nearest date,
and the entity the sentence says it about (the possessor of the cue, the subject, else the
nearest name before it). A "from X to Y" change keeps only Y.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from graph_schema import Ontology
from ingestion.models import EntityMention, ObservationCandidate, Span
from ingestion.nlp.quantities import (
    Amount,
    Period,
    parse_count,
    parse_money,
    parse_percent,
    parse_period,
)

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

EXTRACTOR: Final = "nlp"
_KIND_OF_LABEL: Final = {"MONEY": "money", "PERCENT": "percent", "CARDINAL": "count"}
_RANGE_TO: Final = re.compile(r"\s+to\s+")
_CURRENCY_TOKENS: Final = frozenset({"$", "€", "£", "¥", "₹", "us$", "usd", "eur", "gbp"})
_SCALE_TOKENS: Final = frozenset({"k", "m", "mn", "b", "bn", "t", "tn", "million", "billion"})
_PERCENT_TEXT: Final = re.compile(r"[-\u2212]?\d+(?:[.,]\d+)?\s?%")
_MONEY_TEXT: Final = re.compile(
    r"[-\u2212]?[$\u20ac\u00a3]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|bn|m|k))?\b", re.I
)
_PREPOSITIONS: Final = frozenset({"for", "at", "of", "in", "by", "to"})
_MINUS: Final = frozenset({"-", "\u2212", "\u2013"})
_DECREASE: Final = frozenset(
    {"cut", "reduce", "lower", "drop", "fall", "decline", "decrease", "slash", "shrink", "trim"}
)
_CHANGE_METRIC: Final = re.compile(r"\b(change|growth)\b")
_OWNED: Final = 0.9
_SUBJECT: Final = 0.85
_NEAREST: Final = 0.65
_UNLIKELY_SUBJECTS: Final = frozenset({"person", "place", "human", "country", "city"})


@dataclass(frozen=True, slots=True)
class _MetricCue:
    metric: str
    kind: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _CueHit:
    cue: _MetricCue
    start: int
    end: int


class ObservationFinder:
    """Finds observations with the ontology's ``metrics`` vocabulary."""

    def __init__(self, ontology: Ontology) -> None:
        self._cues = [
            _MetricCue(m.name, m.kind, tuple(cue.lower().split()))
            for m in ontology.metrics
            for cue in m.cues
            if cue.strip()
        ]
        self._by_first: dict[str, list[_MetricCue]] = {}
        for cue in self._cues:
            self._by_first.setdefault(cue.words[0], []).append(cue)

    def _hits(self, sentence: SpacySpan) -> list[_CueHit]:
        """Metric cues in the sentence; a cue ending with a preposition ("acquired for") also
        matches with words before the preposition ("acquired Gridwell for")."""
        tokens = list(sentence)
        hits: list[_CueHit] = []
        for i, token in enumerate(tokens):
            first = {token.lower_, token.lemma_.lower()}
            for cue in (c for key in first for c in self._by_first.get(key, ())):
                n = len(cue.words)
                if _words_match(tokens[i : i + n], cue.words):
                    hits.append(_CueHit(cue, tokens[i].i, tokens[i + n - 1].i + 1))
                elif n > 1 and cue.words[-1] in _PREPOSITIONS:
                    head = tokens[i : i + n - 1]
                    if _words_match(head, cue.words[:-1]) and any(
                        c.dep_ == "prep" and c.lower_ == cue.words[-1] for c in head[-1].children
                    ):
                        hits.append(_CueHit(cue, head[0].i, head[-1].i + 1))
        return hits

    @staticmethod
    def _amount(label: str, text: str) -> Amount | None:
        # "40% to 28%", "$40m to $45m": the figure stated is the last one
        text = _RANGE_TO.split(text)[-1] if _RANGE_TO.search(text) else text
        if label == "MONEY":
            return parse_money(text)
        if label == "PERCENT":
            return parse_percent(text)
        return parse_count(text)

    def find(
        self, sentence: SpacySpan, mentions: Sequence[EntityMention], offset: int
    ) -> list[ObservationCandidate]:
        """Observations stated by ``sentence`` (``offset``: its doc's start in the document)."""
        values = [_widened(e) for e in sentence.ents if e.label_ in _KIND_OF_LABEL]
        values += _unlabelled_values(sentence, values)
        if not values or not self._cues:
            return []
        hits = self._hits(sentence)
        if not hits:
            return []
        dates = [(e, p) for e in sentence.ents if e.label_ == "DATE" if (p := parse_period(e.text))]
        start = offset + sentence.start_char
        evidence = Span(start=start, end=start + len(sentence.text), text=sentence.text)
        located = [
            (
                m,
                sentence.doc.char_span(
                    m.span.start - offset, m.span.end - offset, alignment_mode="expand"
                ),
            )
            for m in mentions
        ]
        out: dict[tuple[str, str, str | None], ObservationCandidate] = {}
        for value in values:
            kind = _KIND_OF_LABEL[value.label_]
            if self._is_range_start(value, values):
                continue
            hit = self._metric_for(value, kind, hits)
            if hit is None:
                continue
            amount = self._amount(value.label_, value.text)
            if amount is None:
                continue
            if _CHANGE_METRIC.search(hit.cue.metric) and amount.value > 0 and _decrease(value, hit):
                amount = Amount(-amount.value, amount.unit)
            subject, confidence = self._subject(value, hit, located)
            if subject is None:
                continue
            period = self._period(value, dates)
            candidate = ObservationCandidate(
                subject=subject,
                metric=hit.cue.metric,
                value=amount.value,
                unit=amount.unit,
                period=period.label if period else None,
                evidence=evidence,
                extractor=EXTRACTOR,
                confidence=confidence if period else round(confidence - 0.1, 4),
            )
            key = (subject.name, hit.cue.metric, candidate.period)
            if key not in out:
                out[key] = candidate
        return list(out.values())

    @staticmethod
    def _is_range_start(value: SpacySpan, values: Sequence[SpacySpan]) -> bool:
        """``X`` of "from X to Y": the earlier value of a change, not the figure stated."""
        doc = value.doc

        def before(span: SpacySpan) -> str:
            return doc[span.start - 1].lower_ if span.start > 0 else ""

        return before(value) == "from" and any(
            before(v) == "to" and v.label_ == value.label_ and v.start > value.start for v in values
        )

    @staticmethod
    def _metric_for(value: SpacySpan, kind: str, hits: Sequence[_CueHit]) -> _CueHit | None:
        fitting = [h for h in hits if h.cue.kind == kind]
        if kind == "count":
            # a count only when it counts the cue noun: "4,200 customers", "customers: 4,200"
            head = value.root.head
            fitting = [h for h in fitting if h.start <= head.i < h.end or h.start == value.end]
        if not fitting:
            return None

        def distance(hit: _CueHit) -> tuple[int, int, int]:
            gap = hit.start - value.end if hit.start >= value.end else value.start - hit.end
            return (max(gap, 0), 0 if hit.end <= value.start else 1, -len(hit.cue.words))

        return min(fitting, key=distance)

    @staticmethod
    def _period(value: SpacySpan, dates: Sequence[tuple[SpacySpan, Period]]) -> Period | None:
        if not dates:
            return None
        _, period = min(dates, key=lambda d: abs(d[0].start - value.start))
        return period

    @staticmethod
    def _subject(
        value: SpacySpan,
        hit: _CueHit,
        located: Sequence[tuple[EntityMention, SpacySpan | None]],
    ) -> tuple[EntityMention | None, float]:
        """(entity the figure is about, confidence): highest when the entity owns the metric
        ("Pellmark's revenue", "acquired Gridwell for"), then when it is the subject of the
        clause, lowest when it is merely the nearest name."""
        doc = value.doc
        candidates = [(m, s) for m, s in located if s is not None]
        if not candidates:
            return None, 0.0
        cue_tokens = [doc[i] for i in range(hit.start, hit.end)]
        # "acquired X for $35 million": the figure is about the verb's object
        objects = {
            c for t in cue_tokens if t.pos_ == "VERB" for c in t.children if c.dep_ == "dobj"
        }
        owners = objects | {c for t in cue_tokens for c in t.children if c.dep_ == "poss"}
        verb = value.root
        for _ in range(6):
            if verb.pos_ in {"VERB", "AUX"} or verb.head == verb:
                break
            verb = verb.head
        subjects = {c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}}
        subjects.update(x for c in list(subjects) for x in c.children if x.dep_ == "poss")
        for tokens, confidence in ((owners, _OWNED), (subjects, _SUBJECT)):
            hits = [m for m, span in candidates if any(t in tokens for t in span)]
            hits.sort(key=lambda m: m.type in _UNLIKELY_SUBJECTS)
            if hits:
                return hits[0], confidence
        likely = [(m, s) for m, s in candidates if m.type not in _UNLIKELY_SUBJECTS] or candidates
        before = [m for m, s in likely if s.end <= value.start]
        return (before[-1] if before else likely[0][0]), _NEAREST


def _decrease(value: SpacySpan, hit: _CueHit) -> bool:
    """Whether a decrease verb ("cut", "fell") governs the value or is part of its cue."""
    doc = value.doc
    tokens = [doc[i] for i in range(hit.start, hit.end)]
    head = value.root
    for _ in range(4):
        tokens.append(head)
        if head.head == head:
            break
        head = head.head
    return any(t.lemma_.lower() in _DECREASE for t in tokens)


def _widened(value: SpacySpan) -> SpacySpan:
    """A value entity with a minus sign or currency symbol before it and a scale word after
    it, which the small model often leaves out ("$120m" tagged as "120")."""
    doc = value.doc
    start, end = value.start, value.end
    if start > 0 and doc[start - 1].lower_ in _CURRENCY_TOKENS:
        start -= 1
    if start > 0 and doc[start - 1].text in _MINUS and not doc[start - 1].whitespace_:
        start -= 1
    if end < len(doc) and doc[end].lower_ in _SCALE_TOKENS:
        end += 1
    if (start, end) == (value.start, value.end):
        return value
    label = "MONEY" if any(t.lower_ in _CURRENCY_TOKENS for t in doc[start:end]) else value.label_
    return doc.char_span(doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), label=label) or value


def _unlabelled_values(sentence: SpacySpan, found: Sequence[SpacySpan]) -> list[SpacySpan]:
    """Percentages and amounts the NER did not label ("-4%"), found by their shape."""
    doc = sentence.doc
    taken = {t.i for v in found for t in v}
    out: list[SpacySpan] = []
    for pattern, label in ((_PERCENT_TEXT, "PERCENT"), (_MONEY_TEXT, "MONEY")):
        for match in pattern.finditer(sentence.text):
            start = sentence.start_char + match.start()
            span = doc.char_span(start, start + len(match.group(0)), label=label)
            if span is not None and not any(t.i in taken for t in span):
                out.append(span)
                taken.update(t.i for t in span)
    return out


def _words_match(tokens: Sequence[Token], words: Sequence[str]) -> bool:
    return len(tokens) == len(words) and all(
        t.lower_ == w or t.lemma_.lower() == w for t, w in zip(tokens, words, strict=True)
    )
