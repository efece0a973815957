"""The spaCy half of extraction: parsed chunks in, one :class:`ChunkExtraction` per chunk out.

Chunks of many documents are parsed together with ``nlp.pipe`` (batched) for throughput. Per
sentence: entity mentions (typed onto the ontology), relations (the pluggable
:class:`~ingestion.relations.base.RelationFinder`), observations, and the sentence's layer with
its condition clause; per chunk: links between the statements.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from graph_schema import GraphSchema, Layer, RelType, normalise_name
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
from ingestion.nlp.entities import find_mentions, first_person_mentions
from ingestion.nlp.layers import SentenceReading, link_statements, read_sentence
from ingestion.nlp.observations import ObservationFinder
from ingestion.nlp.ruler import add_entity_ruler, example_patterns, ruler_patterns
from ingestion.nlp.typing import EXTRACTOR, EntityTyper
from ingestion.relations.base import RelationFinder, SentenceContext

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.tokens import Span as SpacySpan

logger = logging.getLogger(__name__)

KNOWLEDGE_CONFIDENCE: Final = 0.6
_CONDITION_LINK: Final = {Layer.WISDOM: RelType.APPLIES_IN, Layer.EXPERIENCE: RelType.IN_SITUATION}


@dataclass(frozen=True, slots=True)
class ParsedChunk:
    """A chunk with the title of its document (what a finder may use as context)."""

    chunk: Chunk
    title: str


class NlpExtractor:
    """Entities, relations, observations and layered statements with spaCy."""

    name = EXTRACTOR

    def __init__(
        self,
        schema: GraphSchema,
        nlp: Language,
        finder: RelationFinder,
        *,
        batch_size: int = 64,
        knowledge_statements: bool = True,
        first_person: tuple[str, str] | None = None,
    ) -> None:
        self.schema = schema
        self.nlp = nlp
        self.finder = finder
        self._typer = EntityTyper.for_ontology(schema.ontology)
        self._observations = ObservationFinder(schema.ontology)
        self._batch_size = batch_size
        self._knowledge_statements = knowledge_statements
        self._first_person = first_person
        self._ruler = add_entity_ruler(nlp, [])
        self._patterns: set[tuple[str, str]] = set()
        self.add_known_entities(example_patterns(self._typer.examples))

    def add_known_entities(self, entities: Iterable[tuple[str, str, Sequence[str]]]) -> int:
        """Feed the EntityRuler with ``(type, name, aliases)`` of entities in the graph; only
        patterns it does not have yet are added. Returns how many were added."""
        patterns = [
            p for p in ruler_patterns(entities) if (p["label"], p["pattern"]) not in self._patterns
        ]
        if patterns:
            with self.nlp.select_pipes(enable=[]):  # the tokenizer is all patterns need
                self._ruler.add_patterns(patterns)
            self._patterns.update((p["label"], p["pattern"]) for p in patterns)
        return len(patterns)

    def extract(self, chunks: Sequence[ParsedChunk]) -> list[ChunkExtraction]:
        """One extraction per chunk, in order (chunks of one document share entity types)."""
        docs = self.nlp.pipe((c.chunk.text for c in chunks), batch_size=self._batch_size)
        parsed = list(zip(chunks, docs, strict=True))
        mentions = [find_mentions(doc, self._typer, c.chunk.start) for c, doc in parsed]
        if self._first_person is not None:
            mentions = [
                first_person_mentions(doc, self._first_person, found, c.chunk.start)
                for (c, doc), found in zip(parsed, mentions, strict=True)
            ]
        mentions = _harmonise_types(parsed, mentions)
        return [
            self._extract_chunk(item, doc, found)
            for (item, doc), found in zip(parsed, mentions, strict=True)
        ]

    def _extract_chunk(
        self, item: ParsedChunk, doc: Doc, mentions: list[EntityMention]
    ) -> ChunkExtraction:
        chunk = item.chunk
        context = SentenceContext(
            graph_schema=self.schema, document_title=item.title, document_offset=chunk.start
        )
        relations: list[RelationCandidate] = []
        observations: list[ObservationCandidate] = []
        statements: list[StatementCandidate] = []
        readings: list[tuple[int, SentenceReading]] = []
        links: list[LinkCandidate] = []
        for sentence in doc.sents:
            if not sentence.text.strip():
                continue
            inside = _mentions_in(sentence, mentions, chunk.start)
            found = self.finder.find(sentence, inside, context) if len(inside) > 1 else []
            figures = self._observations.find(sentence, inside, chunk.start)
            relations.extend(found)
            observations.extend(figures)
            reading = read_sentence(sentence)
            if reading.layer is Layer.KNOWLEDGE and (
                found or figures or not inside or not self._knowledge_statements
            ):
                continue
            index = len(statements)
            statements.append(
                _statement(reading.layer, sentence, inside, chunk.start, reading.confidence)
            )
            readings.append((index, reading))
            if reading.condition is not None and reading.layer in _CONDITION_LINK:
                condition = reading.condition
                statements.append(
                    _statement(
                        Layer.SITUATION,
                        condition,
                        _mentions_in(condition, inside, chunk.start),
                        chunk.start,
                        reading.confidence,
                    )
                )
                links.append(
                    LinkCandidate(
                        source=index,
                        type=_CONDITION_LINK[reading.layer],
                        target=index + 1,
                        extractor=EXTRACTOR,
                        confidence=reading.confidence,
                    )
                )
        links.extend(
            LinkCandidate(
                source=link.source,
                type=link.type,
                target=link.target,
                extractor=EXTRACTOR,
                confidence=0.5,
            )
            for link in link_statements(readings)
        )
        return ChunkExtraction(
            chunk_id=chunk.id,
            extractor=EXTRACTOR,
            entities=tuple(mentions),
            relations=tuple(relations),
            observations=tuple(observations),
            statements=tuple(statements),
            links=tuple(links),
        )


def _mentions_in(
    span: SpacySpan, mentions: Sequence[EntityMention], offset: int
) -> list[EntityMention]:
    start, end = offset + span.start_char, offset + span.end_char
    return [m for m in mentions if start <= m.span.start and m.span.end <= end]


def _statement(
    layer: Layer,
    span: SpacySpan,
    mentions: Sequence[EntityMention],
    offset: int,
    confidence: float,
) -> StatementCandidate:
    start = offset + span.start_char
    return StatementCandidate(
        layer=layer,
        text=span.text,
        evidence=Span(start=start, end=start + len(span.text), text=span.text),
        entities=tuple(mentions),
        extractor=EXTRACTOR,
        confidence=KNOWLEDGE_CONFIDENCE if layer is Layer.KNOWLEDGE else confidence,
    )


def _harmonise_types(
    parsed: Sequence[tuple[ParsedChunk, Doc]], mentions: list[list[EntityMention]]
) -> list[list[EntityMention]]:
    """One type per name within a document: the type of its most trusted mention."""
    best: dict[tuple[str, str], EntityMention] = {}
    for (item, _), found in zip(parsed, mentions, strict=True):
        for m in found:
            key = (item.chunk.document_id, normalise_name(m.name))
            if key not in best or m.confidence > best[key].confidence:
                best[key] = m
    out: list[list[EntityMention]] = []
    for (item, _), found in zip(parsed, mentions, strict=True):
        fixed = []
        for m in found:
            chosen = best[(item.chunk.document_id, normalise_name(m.name))]
            if chosen.type != m.type:
                m = m.model_copy(update={"type": chosen.type})
            fixed.append(m)
        out.append(fixed)
    return out
