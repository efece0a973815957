"""Small builders for graph records in tests (fixed timestamps so backends compare equal)."""

from __future__ import annotations

from graph_schema import AssertionKind, Label, Layer, Status, evidence_id, stable_id
from graph_schema.properties import (
    AssertionRecord,
    ChunkRecord,
    DocumentRecord,
    EntityRecord,
    EvidenceRecord,
)

T0 = "2026-01-01T00:00:00.000000Z"


def entity(
    name: str,
    type_: str = "company",
    *,
    aliases: tuple[str, ...] = (),
    status: Status = Status.APPROVED,
    confidence: float = 0.9,
) -> EntityRecord:
    """An entity whose id derives from its type and name."""
    return EntityRecord(
        id=stable_id(Label.ENTITY, type_, name.lower()),
        name=name,
        type=type_,
        aliases=aliases,
        status=status,
        confidence=confidence,
        created_at=T0,
    )


def relation(
    subject: EntityRecord,
    predicate: str,
    obj: EntityRecord,
    *,
    status: Status = Status.APPROVED,
    confidence: float = 0.9,
) -> AssertionRecord:
    """A Knowledge relation ``subject -[predicate]-> obj``."""
    fingerprint = f"{subject.name.lower()}|{predicate}|{obj.name.lower()}"
    return AssertionRecord(
        id=stable_id(Label.KNOWLEDGE, fingerprint),
        layer=Layer.KNOWLEDGE,
        kind=AssertionKind.RELATION,
        text=f"{subject.name} {predicate.lower().replace('_', ' ')} {obj.name}",
        fingerprint=fingerprint,
        status=status,
        confidence=confidence,
        subject_id=subject.id,
        predicate=predicate,
        object_id=obj.id,
        extractors=("test",),
        created_at=T0,
    )


def observation(
    subject: EntityRecord,
    metric: str,
    value: float,
    unit: str,
    period: str | None,
    *,
    status: Status = Status.APPROVED,
) -> AssertionRecord:
    """A Knowledge observation (entity, metric, value, unit, period)."""
    fingerprint = f"{subject.name.lower()}|{metric}|{period}|{value}|{unit}"
    return AssertionRecord(
        id=stable_id(Label.KNOWLEDGE, fingerprint),
        layer=Layer.KNOWLEDGE,
        kind=AssertionKind.OBSERVATION,
        text=f"{subject.name} {metric} {period}: {value} {unit}",
        fingerprint=fingerprint,
        status=status,
        confidence=0.9,
        subject_id=subject.id,
        metric=metric,
        value=value,
        unit=unit,
        period=period,
        extractors=("test",),
        created_at=T0,
    )


def statement(layer: Layer, text: str, *, about: tuple[EntityRecord, ...] = ()) -> AssertionRecord:
    """A free-text statement of a layer (wisdom, experience, ...)."""
    return AssertionRecord(
        id=stable_id(layer.label, text.lower()),
        layer=layer,
        kind=AssertionKind.STATEMENT,
        text=text,
        fingerprint=text.lower(),
        status=Status.APPROVED,
        confidence=0.8,
        entity_ids=tuple(e.id for e in about),
        extractors=("test",),
        created_at=T0,
    )


def document(source: str, text: str, version: int = 1) -> tuple[DocumentRecord, ChunkRecord]:
    """A one-chunk document."""
    doc_id = stable_id(Label.DOCUMENT, source)
    doc = DocumentRecord(
        id=doc_id,
        source=source,
        title=source.rsplit("/", 1)[-1],
        media_type="text/plain",
        content_hash=f"hash-{len(text)}-{version}",
        version=version,
        char_count=len(text),
        created_at=T0,
        updated_at=T0,
    )
    chunk = ChunkRecord(
        id=stable_id(Label.CHUNK, doc_id, str(version), "0"),
        document_id=doc_id,
        version=version,
        position=0,
        start=0,
        end=len(text),
        text=text,
    )
    return doc, chunk


def evidence(assertion: AssertionRecord, chunk: ChunkRecord, quote: str) -> EvidenceRecord:
    """Evidence of ``assertion`` at the first occurrence of ``quote`` in ``chunk``."""
    start = chunk.start + chunk.text.index(quote)
    end = start + len(quote)
    return EvidenceRecord(
        id=evidence_id(assertion.id, chunk.id, start, end),
        assertion_id=assertion.id,
        chunk_id=chunk.id,
        document_id=chunk.document_id,
        start=start,
        end=end,
        quote=quote,
        extractor="test",
    )
