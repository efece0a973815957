"""The spaCy half of extraction: parsed chunks in, one :class:`ChunkExtraction` per chunk out.

Chunks of many documents are parsed together with ``nlp.pipe`` (batched) for throughput. Per
sentence: entity mentions (typed onto the ontology), relations (the pluggable
:class:`~ingestion.relations.base.RelationFinder`), observations, and the sentence's layer with
its condition clause; per chunk: links between the statements.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from graph_schema import GraphSchema, Layer, RelType
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
from ingestion.nlp.layers import (
    SentenceReading,
    heading_layer,
    link_statements,
    read_sentence,
)
from ingestion.nlp.observations import ObservationFinder
from ingestion.nlp.ruler import add_entity_ruler, example_patterns, ruler_patterns
from ingestion.nlp.settle import (
    best_types,
    product_names,
    propagate,
    relation_votes,
    retype,
    settled,
)
from ingestion.nlp.typing import EXTRACTOR, EntityTyper
from ingestion.relations.base import RelationFinder, SentenceContext

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.tokens import Span as SpacySpan

logger = logging.getLogger(__name__)

KNOWLEDGE_CONFIDENCE: Final = 0.6
SECTION_CONFIDENCE: Final = 0.7
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
        # a finder trained on the plain model's parses may re-read what the EntityRuler changed
        use_pipeline = getattr(finder, "use_pipeline", None)
        if use_pipeline is not None:
            use_pipeline(nlp)
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
        """One extraction per chunk, in order. Each line is parsed on its own (a heading or
        list item never runs into the next sentence); types settle per document."""
        specs = [
            (index, item.chunk.start + start, line)
            for index, item in enumerate(chunks)
            for start, line in _lines(item.chunk.text)
        ]
        docs = self.nlp.pipe((line for _, _, line in specs), batch_size=self._batch_size)
        units: list[list[_Unit]] = [[] for _ in chunks]
        for (index, offset, _), doc in zip(specs, docs, strict=True):
            found = find_mentions(doc, self._typer, offset)
            if self._first_person is not None:
                found = first_person_mentions(doc, self._first_person, found, offset)
            units[index].append(_Unit(offset, doc, found))
        out: list[ChunkExtraction] = []
        for indices in _by_document(chunks):
            out.extend(
                self._extract_document([chunks[i] for i in indices], [units[i] for i in indices])
            )
        return out

    def _extract_document(
        self, chunks: Sequence[ParsedChunk], units: Sequence[list[_Unit]]
    ) -> list[ChunkExtraction]:
        best = best_types([m for chunk_units in units for u in chunk_units for m in u.mentions])
        for u in (u for chunk_units in units for u in chunk_units):
            u.mentions = propagate(u.doc, u.offset, u.mentions, best)
        best = best_types([m for chunk_units in units for u in chunk_units for m in u.mentions])
        types = {k: (m.type, m.confidence) for k, m in best.items()}
        types.update(
            (k, (t, best[k].confidence)) for k, t in product_names(best, self._typer).items()
        )
        for u in (u for chunk_units in units for u in chunk_units):
            u.mentions = [settled(m, types) for m in u.mentions]
        section: list[Layer | None] = [None]  # the layer the current heading's section gives
        extractions = [
            self._extract_chunk(item, chunk_units, section)
            for item, chunk_units in zip(chunks, units, strict=True)
        ]
        best = best_types([m for e in extractions for m in e.entities])
        votes = relation_votes(extractions, best)
        return [retype(e, votes) for e in extractions]

    def _extract_chunk(
        self, item: ParsedChunk, units: Sequence[_Unit], section: list[Layer | None]
    ) -> ChunkExtraction:
        chunk = item.chunk
        relations: list[RelationCandidate] = []
        observations: list[ObservationCandidate] = []
        statements: list[StatementCandidate] = []
        readings: list[tuple[int, SentenceReading]] = []
        links: list[LinkCandidate] = []
        for unit in units:
            heading = heading_layer(unit.doc.text)
            if heading is not False:
                section[0] = heading if isinstance(heading, Layer) else None
            context = SentenceContext(
                graph_schema=self.schema, document_title=item.title, document_offset=unit.offset
            )
            for sentence in unit.doc.sents:
                if not sentence.text.strip():
                    continue
                inside = _mentions_in(sentence, unit.mentions, unit.offset)
                found = (
                    self.finder.find(sentence, inside, context)
                    if len(inside) >= getattr(self.finder, "min_mentions", 2)
                    else []
                )
                figures = self._observations.find(sentence, inside, unit.offset)
                relations.extend(found)
                observations.extend(figures)
                reading = read_sentence(sentence)
                section_layer = section[0]
                if reading.layer is Layer.KNOWLEDGE and section_layer and _is_clause(sentence):
                    # under "## Conclusion" an uncued sentence concludes
                    reading.layer, reading.confidence = section_layer, SECTION_CONFIDENCE
                if reading.layer is Layer.KNOWLEDGE and not (
                    self._knowledge_statements
                    and inside
                    and not found
                    and not figures
                    and _is_clause(sentence)
                ):
                    continue
                index = len(statements)
                text_span = reading.text_span or sentence
                statements.append(
                    _statement(
                        reading.layer,
                        text_span,
                        _mentions_in(text_span, inside, unit.offset),
                        unit.offset,
                        reading.confidence,
                    )
                )
                readings.append((index, reading))
                if reading.condition is not None and reading.layer in _CONDITION_LINK:
                    condition = reading.condition
                    statements.append(
                        _statement(
                            Layer.SITUATION,
                            condition,
                            _mentions_in(condition, inside, unit.offset),
                            unit.offset,
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
            entities=tuple(m for u in units for m in u.mentions),
            relations=tuple(relations),
            observations=tuple(observations),
            statements=tuple(statements),
            links=tuple(links),
        )


@dataclass
class _Unit:
    """One parsed line of a chunk: where it starts in the document, its doc, its mentions."""

    offset: int
    doc: Doc
    mentions: list[EntityMention]


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) of the non-blank lines of a chunk."""
    start = 0
    for line in text.split("\n"):
        if line.strip():
            yield start, line
        start += len(line) + 1


def _by_document(chunks: Sequence[ParsedChunk]) -> list[list[int]]:
    groups: dict[str, list[int]] = {}
    for i, item in enumerate(chunks):
        groups.setdefault(item.chunk.document_id, []).append(i)
    return list(groups.values())


def _is_clause(sentence: SpacySpan) -> bool:
    """Whether a sentence is a statement (a verb and a few words), not a heading or label."""
    words = [t for t in sentence if not t.is_punct and not t.is_space]
    return len(words) >= 4 and any(t.pos_ in {"VERB", "AUX"} for t in words)


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
