"""From the LLM's ``ChunkFacts`` to the shared candidate models, validated against the ontology.

Every item that breaks a rule (a type, relation or metric outside the ontology, a domain/range
mismatch, a malformed unit or period) is rejected with its reason; the rest is kept. Names and
quotes are located in the chunk to give character spans; a name that cannot be found keeps an
empty span and is dropped as ungrounded by the reconciliation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Final

from graph_schema import GraphSchema, Layer, RelType
from graph_schema.ontology import relation_type_name
from ingestion.llm.schema import ChunkFacts, LlmObservation, LlmRelation
from ingestion.models import (
    Chunk,
    ChunkExtraction,
    EntityMention,
    LinkCandidate,
    ObservationCandidate,
    RelationCandidate,
    Span,
    StatementCandidate,
)
from ingestion.nlp.typing import type_allowed

EXTRACTOR: Final = "llm"
CONFIDENCE: Final = 0.7
_PERIOD = re.compile(r"^\d{4}(-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SENTENCE_END = re.compile(r"[.!?](\s|$)")


@dataclass
class Converted:
    """A chunk's candidates and the reasons items were rejected."""

    extraction: ChunkExtraction
    rejected: list[str] = field(default_factory=list)


class _Locator:
    def __init__(self, chunk: Chunk) -> None:
        self.chunk = chunk
        self.lower = chunk.text.casefold()

    def find(self, text: str) -> Span | None:
        text = text.strip()
        at = self.lower.find(text.casefold()) if text else -1
        if at < 0 or len(text.casefold()) != len(text):
            return None
        start = self.chunk.start + at
        return Span(start=start, end=start + len(text), text=self.chunk.text[at : at + len(text)])

    def empty(self) -> Span:
        return Span(start=self.chunk.start, end=self.chunk.start, text="")

    def sentence_around(self, *spans: Span) -> Span:
        """The sentence(s) covering the spans (the whole chunk when none is located)."""
        located = [s for s in spans if s.end > s.start]
        if not located:
            return Span(start=self.chunk.start, end=self.chunk.end, text=self.chunk.text)
        lo = min(s.start for s in located) - self.chunk.start
        hi = max(s.end for s in located) - self.chunk.start
        text = self.chunk.text
        begin = max((m.end() for m in _SENTENCE_END.finditer(text, 0, lo)), default=0)
        end_match = _SENTENCE_END.search(text, hi)
        end = end_match.start() + 1 if end_match else len(text)
        return Span(
            start=self.chunk.start + begin, end=self.chunk.start + end, text=text[begin:end]
        )


class Converter:
    """Validates and converts one chunk's answer."""

    def __init__(self, schema: GraphSchema) -> None:
        self.schema = schema
        self.concepts = {c.label.strip().lower(): c.label.strip() for c in schema.ontology.concepts}
        self.metrics = {m.name: m for m in schema.ontology.metrics}

    def _concept(self, name: str) -> str | None:
        return self.concepts.get(name.strip().lower())

    def _mention(self, loc: _Locator, name: str, entity_type: str) -> EntityMention:
        span = loc.find(name) or loc.empty()
        return EntityMention(
            name=name.strip() or "?",
            type=entity_type,
            span=span,
            extractor=EXTRACTOR,
            confidence=CONFIDENCE,
        )

    def _relation(self, loc: _Locator, item: LlmRelation) -> RelationCandidate | str:
        predicate = item.predicate.strip()
        name = (
            predicate if predicate in self.schema.relation_types else relation_type_name(predicate)
        )
        relation = self.schema.relation_types.get(name)
        if relation is None:
            return f"relation type {item.predicate!r} is not in the ontology"
        s_type, o_type = self._concept(item.subject_type), self._concept(item.object_type)
        if s_type is None or o_type is None:
            return f"{name}: entity type {item.subject_type!r}/{item.object_type!r} unknown"
        fits = type_allowed(s_type, relation.domains) and type_allowed(o_type, relation.ranges)
        swapped = type_allowed(o_type, relation.domains) and type_allowed(s_type, relation.ranges)
        if not (fits or (relation.symmetric and swapped)):
            return f"{name} does not join a {s_type} to a {o_type}"
        subject = self._mention(loc, item.subject, s_type)
        obj = self._mention(loc, item.object, o_type)
        quote = loc.find(item.quote) if item.quote else None
        return RelationCandidate(
            subject=subject,
            predicate=name,
            object=obj,
            evidence=quote or loc.sentence_around(subject.span, obj.span),
            extractor=EXTRACTOR,
            confidence=CONFIDENCE,
        )

    def _observation(self, loc: _Locator, item: LlmObservation) -> ObservationCandidate | str:
        metric = self.metrics.get(item.metric.strip().lower())
        if metric is None:
            return f"metric {item.metric!r} is not in the ontology"
        s_type = self._concept(item.subject_type)
        if s_type is None:
            return f"{metric.name}: entity type {item.subject_type!r} unknown"
        if not math.isfinite(item.value):
            return f"{metric.name}: value {item.value!r} is not a number"
        unit = item.unit.strip()
        expected = {"percent": "percent", "count": "count"}.get(metric.kind)
        if expected is not None and unit.lower() != expected:
            return f"{metric.name}: unit {unit!r} should be {expected!r}"
        if metric.kind == "money" and not _CURRENCY.match(unit.upper()):
            return f"{metric.name}: unit {unit!r} is not an ISO currency code"
        if item.period is not None and not _PERIOD.match(item.period.strip()):
            return f"{metric.name}: period {item.period!r} is not YYYY, YYYY-Qn, YYYY-Hn or YYYY-MM"
        subject = self._mention(loc, item.subject, s_type)
        quote = loc.find(item.quote) if item.quote else None
        return ObservationCandidate(
            subject=subject,
            metric=metric.name,
            value=float(item.value),
            unit=expected or (unit.upper() if metric.kind == "money" else unit),
            period=item.period.strip() if item.period else None,
            evidence=quote or loc.sentence_around(subject.span),
            extractor=EXTRACTOR,
            confidence=CONFIDENCE,
        )

    def convert(self, chunk: Chunk, facts: ChunkFacts) -> Converted:
        """The candidates of an answer; invalid items are left out with a reason."""
        loc = _Locator(chunk)
        rejected: list[str] = []
        entities: list[EntityMention] = []
        for entity in facts.entities:
            concept = self._concept(entity.type)
            if concept is None:
                rejected.append(f"entity {entity.name!r}: type {entity.type!r} is not a concept")
            elif entity.name.strip():
                entities.append(self._mention(loc, entity.name, concept))
        relations: list[RelationCandidate] = []
        for rel in facts.relations:
            got = self._relation(loc, rel)
            if isinstance(got, str):
                rejected.append(got)
            else:
                relations.append(got)
        observations: list[ObservationCandidate] = []
        for obs in facts.observations:
            got_obs = self._observation(loc, obs)
            if isinstance(got_obs, str):
                rejected.append(got_obs)
            else:
                observations.append(got_obs)
        statements: list[StatementCandidate] = []
        index: dict[int, int] = {}
        names = {e.name.casefold(): e for e in entities}
        for i, st in enumerate(facts.statements):
            if not st.text.strip():
                rejected.append(f"statement {i} is empty")
                continue
            index[i] = len(statements)
            statements.append(
                StatementCandidate(
                    layer=Layer(st.layer),
                    text=st.text.strip(),
                    evidence=loc.find(st.text) or loc.empty(),
                    entities=tuple(
                        names[n.casefold()] for n in st.entities if n.casefold() in names
                    ),
                    extractor=EXTRACTOR,
                    confidence=CONFIDENCE,
                )
            )
        links = []
        for link in facts.links:
            if link.source not in index or link.target not in index:
                rejected.append(f"link {link.source}->{link.target}: no such statement")
                continue
            links.append(
                LinkCandidate(
                    source=index[link.source],
                    type=RelType(link.type),
                    target=index[link.target],
                    extractor=EXTRACTOR,
                    confidence=CONFIDENCE,
                )
            )
        return Converted(
            ChunkExtraction(
                chunk_id=chunk.id,
                extractor=EXTRACTOR,
                entities=tuple(entities),
                relations=tuple(relations),
                observations=tuple(observations),
                statements=tuple(statements),
                links=tuple(links),
            ),
            rejected,
        )
