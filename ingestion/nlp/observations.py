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

    def _hits(self, sentence: SpacySpan) -> list[_CueHit]:
        tokens = list(sentence)
        hits: list[_CueHit] = []
        for i in range(len(tokens)):
            for cue in self._cues:
                window = tokens[i : i + len(cue.words)]
                if len(window) == len(cue.words) and all(
                    t.lower_ == w or t.lemma_.lower() == w
                    for t, w in zip(window, cue.words, strict=True)
                ):
                    hits.append(_CueHit(cue, window[0].i, window[-1].i + 1))
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
            subject, linked = self._subject(value, hit, located)
            if subject is None:
                continue
            period = self._period(value, dates)
            confidence = 0.8 if linked else 0.65
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
        head = value.root.head
        if head.lower_ != "from":
            return False
        return any(
            v.root.head.lower_ == "to" and v.label_ == value.label_ and v.start > value.start
            for v in values
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
    ) -> tuple[EntityMention | None, bool]:
        """(entity the figure is about, whether the parse links them)."""
        doc = value.doc
        candidates = [(m, s) for m, s in located if s is not None]
        likely = [(m, s) for m, s in candidates if m.type not in _UNLIKELY_SUBJECTS] or candidates
        if not likely:
            return None, False
        cue_tokens = {doc[i] for i in range(hit.start, hit.end)}
        linked_tokens: set[Token] = set()
        for token in cue_tokens:
            linked_tokens.update(c for c in token.children if c.dep_ == "poss")
        verb = value.root
        for _ in range(6):
            if verb.pos_ in {"VERB", "AUX"} or verb.head == verb:
                break
            verb = verb.head
        linked_tokens.update(c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"})
        for c in list(linked_tokens):
            linked_tokens.update(x for x in c.children if x.dep_ == "poss")
        for mention, span in likely:
            if any(t in linked_tokens for t in span):
                return mention, True
        before = [(m, s) for m, s in likely if s.end <= value.start]
        if before:
            return before[-1][0], False
        return likely[0][0], False


def _widened(value: SpacySpan) -> SpacySpan:
    """A value entity with a currency symbol before it and a scale word after it, which the
    small model often leaves out ("$120m" tagged as "120")."""
    doc = value.doc
    start, end = value.start, value.end
    if start > 0 and doc[start - 1].lower_ in _CURRENCY_TOKENS:
        start -= 1
    if end < len(doc) and doc[end].lower_ in _SCALE_TOKENS:
        end += 1
    if (start, end) == (value.start, value.end):
        return value
    label = "MONEY" if doc[start].lower_ in _CURRENCY_TOKENS else value.label_
    return doc.char_span(doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), label=label) or value
