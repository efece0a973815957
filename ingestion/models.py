"""Typed hand-offs between ingestion steps: documents, chunks, and extraction candidates.

Every extractor (spaCy NLP, LLM) produces the same candidate models, so reconciliation compares
like with like. Character offsets are always into the *normalised document text* (the text a
``LoadedDocument`` carries), so any span can be shown back to a person.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph_schema import Layer, RelType


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Span(_Frozen):
    """A character span of the normalised document text, with the text it covers."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str

    @model_validator(mode="after")
    def _check(self) -> Span:
        if self.end - self.start != len(self.text):
            raise ValueError(f"span {self.start}..{self.end} does not match {self.text!r}")
        return self


class LoadedDocument(_Frozen):
    """A document after loading and normalisation (before chunking)."""

    source: str = Field(description="path or URI the document came from")
    title: str
    media_type: str
    text: str = Field(description="normalised text; all offsets point into it")
    content_hash: str


class Chunk(_Frozen):
    """A chunk of a document with its offsets into the normalised document text."""

    id: str
    document_id: str
    version: int
    position: int
    start: int
    end: int
    text: str


class EntityMention(_Frozen):
    """An entity named in a chunk."""

    name: str = Field(min_length=1)
    type: str = Field(min_length=1, description="an ontology concept label, e.g. 'company'")
    span: Span
    extractor: str
    confidence: float = Field(ge=0, le=1)


class RelationCandidate(_Frozen):
    """subject -[predicate]-> object, where predicate is an ontology relation type name."""

    subject: EntityMention
    predicate: str = Field(description="relationship type name, e.g. 'COMPETES_WITH'")
    object: EntityMention
    evidence: Span = Field(description="the sentence (or clause) stating the relation")
    extractor: str
    confidence: float = Field(ge=0, le=1)


class ObservationCandidate(_Frozen):
    """A quantitative observation: entity, metric, value, unit, period."""

    subject: EntityMention
    metric: str = Field(min_length=1, description="normalised metric name, e.g. 'revenue'")
    value: float
    unit: str = Field(description="e.g. 'USD', 'percent', 'count'")
    period: str | None = Field(default=None, description="'2024', '2024-Q3', '2024-H1', '2024-03'")
    evidence: Span
    extractor: str
    confidence: float = Field(ge=0, le=1)


class StatementCandidate(_Frozen):
    """A statement of one of the layers (a principle, an episode, a conclusion, a condition)."""

    layer: Layer
    text: str = Field(min_length=1)
    evidence: Span
    entities: tuple[EntityMention, ...] = ()
    extractor: str
    confidence: float = Field(ge=0, le=1)


class LinkCandidate(_Frozen):
    """A structural link between two statements of the same chunk (by index into statements)."""

    source: int = Field(ge=0)
    type: RelType
    target: int = Field(ge=0)
    extractor: str
    confidence: float = Field(ge=0, le=1)


class ChunkExtraction(_Frozen):
    """Everything one extractor found in one chunk."""

    chunk_id: str
    extractor: str
    entities: tuple[EntityMention, ...] = ()
    relations: tuple[RelationCandidate, ...] = ()
    observations: tuple[ObservationCandidate, ...] = ()
    statements: tuple[StatementCandidate, ...] = ()
    links: tuple[LinkCandidate, ...] = ()
