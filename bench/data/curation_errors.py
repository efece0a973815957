"""The injected errors of the curation benchmark (``tests/data/curation/injected_errors.json``):
loading them, writing them into a store the way ingestion writes documents, and naming the
graph ids they stand for.

References in the file: ``type:name`` is an entity (the id ingestion gives that name, so the
sample corpus' own entities are reused), ``fact:<key>`` one of the injected facts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from graph_schema import (
    AssertionKind,
    GraphSchema,
    Label,
    Layer,
    Status,
    evidence_id,
    stable_id,
)
from graph_schema.fingerprints import observation_fingerprint, period_bounds, relation_fingerprint
from graph_schema.properties import (
    AssertionRecord,
    ChunkRecord,
    DocumentRecord,
    EntityRecord,
    EvidenceRecord,
    MentionRecord,
)
from ingestion.resolve import entity_id
from kag.store import WriteBatch

INJECTED_ERRORS: Final = (
    Path(__file__).resolve().parents[2] / "tests" / "data" / "curation" / "injected_errors.json"
)
#: Who "read" the injected documents (as NLP-only ingestion would have).
EXTRACTOR: Final = "nlp"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InjectedDocument(_Frozen):
    """An extra document."""

    source: str
    text: str


class InjectedEntity(_Frozen):
    """A new (proposed) entity named in a document."""

    ref: str
    document: str
    confidence: float


class InjectedFact(_Frozen):
    """A proposed relation (``predicate``/``object``) or observation (``metric``...)."""

    key: str
    document: str
    also_in: str | None = None
    subject: str
    predicate: str | None = None
    object: str | None = None
    metric: str | None = None
    value: float | None = None
    unit: str | None = None
    period: str | None = None
    quote: str
    confidence: float


class InjectedError(_Frozen):
    """What an expert must clear, and the rule expected to propose it."""

    id: str
    kind: str
    rule: str
    action: Literal["merge", "reject"]
    targets: tuple[str, ...]


class Injection(_Frozen):
    """The whole file."""

    about: str
    documents: tuple[InjectedDocument, ...]
    entities: tuple[InjectedEntity, ...]
    facts: tuple[InjectedFact, ...]
    mentions_only: tuple[str, ...]
    errors: tuple[InjectedError, ...]
    decoys: tuple[str, ...]

    def fact(self, key: str) -> InjectedFact:
        """One injected fact by key."""
        return next(f for f in self.facts if f.key == key)


def load_injection(path: Path = INJECTED_ERRORS) -> Injection:
    """Read the injected errors."""
    return Injection.model_validate(json.loads(path.read_text(encoding="utf-8")))


def entity_ref_id(ref: str) -> str:
    """The id of ``type:name``."""
    kind, _, name = ref.partition(":")
    return entity_id(kind, name)


def _relation_parts(schema: GraphSchema, fact: InjectedFact) -> tuple[str, str, str]:
    assert fact.predicate is not None
    assert fact.object is not None
    subject, obj = entity_ref_id(fact.subject), entity_ref_id(fact.object)
    relation = schema.relation_types[fact.predicate]
    if relation.symmetric and obj < subject:
        subject, obj = obj, subject
    return subject, fact.predicate, obj


def fact_id(schema: GraphSchema, fact: InjectedFact) -> str:
    """The id ingestion would give the fact."""
    if fact.metric is not None:
        assert fact.value is not None
        assert fact.unit is not None
        subject = entity_ref_id(fact.subject)
        fp = observation_fingerprint(subject, fact.metric, fact.period, fact.value, fact.unit)
    else:
        fp = relation_fingerprint(*_relation_parts(schema, fact))
    return stable_id(Label.KNOWLEDGE, fp)


def ref_id(schema: GraphSchema, injection: Injection, ref: str) -> str:
    """The graph id of an ``errors``/``decoys`` reference."""
    if ref.startswith("fact:"):
        return fact_id(schema, injection.fact(ref.removeprefix("fact:")))
    return entity_ref_id(ref)


def _assertion(schema: GraphSchema, fact: InjectedFact, names: dict[str, str]) -> AssertionRecord:
    common = {
        "id": fact_id(schema, fact),
        "layer": Layer.KNOWLEDGE,
        "status": Status.PROPOSED,
        "confidence": fact.confidence,
        "extractors": (EXTRACTOR,),
    }
    if fact.metric is not None:
        assert fact.value is not None
        assert fact.unit is not None
        subject = entity_ref_id(fact.subject)
        bounds = period_bounds(fact.period) if fact.period else None
        return AssertionRecord(
            **common,  # type: ignore[arg-type]
            kind=AssertionKind.OBSERVATION,
            text=f"{names[subject]} {fact.metric} ({fact.period}): {fact.value:,.0f} {fact.unit}",
            fingerprint=observation_fingerprint(
                subject, fact.metric, fact.period, fact.value, fact.unit
            ),
            subject_id=subject,
            metric=fact.metric,
            value=fact.value,
            unit=fact.unit,
            period=fact.period,
            period_start=bounds[0] if bounds else None,
            period_end=bounds[1] if bounds else None,
        )
    subject, predicate, obj = _relation_parts(schema, fact)
    label = schema.relation_types[predicate].label
    return AssertionRecord(
        **common,  # type: ignore[arg-type]
        kind=AssertionKind.RELATION,
        text=f"{names[subject]} {label} {names[obj]}",
        fingerprint=relation_fingerprint(subject, predicate, obj),
        subject_id=subject,
        predicate=predicate,
        object_id=obj,
    )


def injection_batches(
    schema: GraphSchema, injection: Injection, known_names: dict[str, str]
) -> list[WriteBatch]:
    """One write batch per injected document (document, chunk, entities, facts, evidence,
    mentions). ``known_names``: names of entities already in the store, by id."""
    names = dict(known_names)
    for e in injection.entities:
        names[entity_ref_id(e.ref)] = e.ref.partition(":")[2]
    batches = []
    for doc in injection.documents:
        doc_id = stable_id(Label.DOCUMENT, doc.source)
        document = DocumentRecord(
            id=doc_id,
            source=doc.source,
            title=doc.source.rsplit("/", 1)[-1],
            media_type="text/markdown",
            content_hash=hashlib.sha256(doc.text.encode()).hexdigest(),
            version=1,
            char_count=len(doc.text),
        )
        chunk = ChunkRecord(
            id=stable_id(Label.CHUNK, doc_id, "1", "0"),
            document_id=doc_id,
            version=1,
            position=0,
            start=0,
            end=len(doc.text),
            text=doc.text,
        )
        facts = [f for f in injection.facts if doc.source in (f.document, f.also_in)]
        assertions = [_assertion(schema, f, names) for f in facts if f.document == doc.source]
        evidence = []
        for f in facts:
            start = doc.text.index(f.quote)
            aid = fact_id(schema, f)
            evidence.append(
                EvidenceRecord(
                    id=evidence_id(aid, chunk.id, start, start + len(f.quote)),
                    assertion_id=aid,
                    chunk_id=chunk.id,
                    document_id=doc_id,
                    start=start,
                    end=start + len(f.quote),
                    quote=f.quote,
                    extractor=EXTRACTOR,
                )
            )
        entities = [
            EntityRecord(
                id=entity_ref_id(e.ref),
                name=e.ref.partition(":")[2],
                type=e.ref.partition(":")[0],
                status=Status.PROPOSED,
                confidence=e.confidence,
            )
            for e in injection.entities
            if e.document == doc.source
        ]
        named = {entity_ref_id(e.ref) for e in injection.entities if e.document == doc.source}
        for f in facts:
            named.add(entity_ref_id(f.subject))
            if f.object is not None:
                named.add(entity_ref_id(f.object))
        mentions = [MentionRecord(chunk_id=chunk.id, entity_id=i) for i in sorted(named)]
        batches.append(
            WriteBatch(
                documents=(document,),
                chunks=(chunk,),
                entities=tuple(entities),
                assertions=tuple(assertions),
                evidence=tuple(evidence),
                mentions=tuple(mentions),
            )
        )
    return batches
