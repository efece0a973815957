"""The gold facts as store write batches: a graph shaped exactly like the one ingestion writes.

One :class:`~kag.store.WriteBatch` per document, in :func:`~kag.samples.corpus.document_paths`
order: the document, one chunk holding the whole document text, the entities the document states
facts about or names, ``MENTIONS`` from the chunk, every assertion the document states (approved,
confidence 1.0, extractor ``gold``) with its evidence at the located quote, and the structural
links whose later endpoint is first stated in this document. Write the batches in order: a link
joins assertions written by this or an earlier batch. Ids follow :mod:`kag.samples.ids`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from graph_schema import AssertionKind, GraphSchema, Layer, Status, evidence_id, rel_id
from graph_schema.properties import (
    AssertionRecord,
    ChunkRecord,
    DocumentRecord,
    EntityRecord,
    EvidenceRecord,
    LinkRecord,
    MentionRecord,
)
from kag.errors import InvalidInput
from kag.samples import ids
from kag.samples.corpus import corpus_dir, document_paths, load_facts
from kag.samples.models import (
    GoldEntity,
    GoldFact,
    GoldFacts,
    GoldObservation,
    GoldRelation,
    GoldStatement,
)
from kag.samples.text import document_text, document_title, media_type
from kag.store.base import WriteBatch

#: The extractor name on gold evidence and assertions.
GOLD_EXTRACTOR: Final[str] = "gold"
#: Fixed timestamp of every gold record, so two builds (and two backends) compare equal.
GOLD_TIMESTAMP: Final[str] = "2025-07-01T00:00:00.000000Z"


@dataclass
class _DocBatch:
    document: DocumentRecord
    chunk: ChunkRecord
    text: str
    entities: dict[str, EntityRecord] = field(default_factory=dict)
    assertions: dict[str, AssertionRecord] = field(default_factory=dict)
    evidence: dict[str, EvidenceRecord] = field(default_factory=dict)
    links: dict[str, LinkRecord] = field(default_factory=dict)

    def freeze(self, mentions: Sequence[MentionRecord]) -> WriteBatch:
        return WriteBatch(
            documents=(self.document,),
            chunks=(self.chunk,),
            entities=tuple(self.entities.values()),
            assertions=tuple(self.assertions.values()),
            evidence=tuple(self.evidence.values()),
            mentions=tuple(mentions),
            links=tuple(self.links.values()),
        )


def entity_record(entity: GoldEntity) -> EntityRecord:
    """The approved entity record of a gold entity."""
    return EntityRecord(
        id=ids.entity_id(entity.type, entity.name),
        name=entity.name,
        type=entity.type,
        aliases=entity.aliases,
        status=Status.APPROVED,
        confidence=1.0,
        created_at=GOLD_TIMESTAMP,
    )


def _bound(period: str | None, index: int) -> str | None:
    """First (``index`` 0) or last (1) day of ``period``; ``None`` for an undated fact."""
    return None if period is None else ids.period_bounds(period)[index]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class _Builder:
    """Turns gold facts into records, checking them against the schema on the way."""

    def __init__(self, schema: GraphSchema, facts: GoldFacts) -> None:
        self.schema = schema
        self.facts = facts
        concepts = set(schema.ontology.concept_labels.values())
        self.entities: dict[str, EntityRecord] = {}
        for entity in facts.entities:
            if entity.type not in concepts:
                raise InvalidInput(
                    f"gold entity {entity.name!r} has type {entity.type!r}, which is not a "
                    f"concept of ontology {schema.ontology.id!r} (concepts: {sorted(concepts)}); "
                    "the sample corpus needs the shipped competitive_intelligence ontology "
                    "(unset KAG_ONTOLOGY)"
                )
            self.entities[entity.name] = entity_record(entity)
        self.metrics = {m.name for m in schema.ontology.metrics}

    def assertion(self, fact: GoldFact) -> AssertionRecord:
        """The approved assertion record of a fact (confidence 1.0, extractor ``gold``)."""
        if isinstance(fact, GoldRelation):
            record = self._relation(fact)
        elif isinstance(fact, GoldObservation):
            record = self._observation(fact)
        else:
            record = self._statement(fact)
        return record.model_copy(
            update={
                "status": Status.APPROVED,
                "confidence": 1.0,
                "extractors": (GOLD_EXTRACTOR,),
                "created_at": GOLD_TIMESTAMP,
            }
        )

    def _relation(self, fact: GoldRelation) -> AssertionRecord:
        try:
            rel = self.schema.require_relation_type(fact.predicate)
        except ValueError as exc:
            raise InvalidInput(f"gold relation {fact.key!r}: {exc}") from exc
        fingerprint, subject_id, object_id = ids.relation_fingerprint(
            self.entities[fact.subject].id,
            fact.predicate,
            self.entities[fact.object].id,
            symmetric=rel.symmetric,
        )
        names = {e.id: e.name for e in self.entities.values()}
        return AssertionRecord(
            id=ids.assertion_id(Layer.KNOWLEDGE, fingerprint),
            layer=Layer.KNOWLEDGE,
            kind=AssertionKind.RELATION,
            text=f"{names[subject_id]} {rel.label} {names[object_id]}",
            fingerprint=fingerprint,
            subject_id=subject_id,
            predicate=fact.predicate,
            object_id=object_id,
            period=fact.period,
            period_start=_bound(fact.period, 0),
            period_end=_bound(fact.period, 1),
        )

    def _observation(self, fact: GoldObservation) -> AssertionRecord:
        if fact.metric not in self.metrics:
            raise InvalidInput(
                f"gold observation {fact.key!r}: metric {fact.metric!r} is not in ontology "
                f"{self.schema.ontology.id!r}; use one of {sorted(self.metrics)}"
            )
        subject_id = self.entities[fact.subject].id
        fingerprint = ids.observation_fingerprint(
            subject_id, fact.metric, fact.period, fact.value, fact.unit
        )
        return AssertionRecord(
            id=ids.assertion_id(Layer.KNOWLEDGE, fingerprint),
            layer=Layer.KNOWLEDGE,
            kind=AssertionKind.OBSERVATION,
            text=f"{fact.subject} {fact.metric} in {fact.period}: {_number(fact.value)} "
            f"{fact.unit}",
            fingerprint=fingerprint,
            subject_id=subject_id,
            metric=fact.metric,
            value=fact.value,
            unit=fact.unit,
            period=fact.period,
            period_start=_bound(fact.period, 0),
            period_end=_bound(fact.period, 1),
        )

    def _statement(self, fact: GoldStatement) -> AssertionRecord:
        layer = Layer(fact.layer)
        fingerprint = ids.statement_fingerprint(fact.text)
        return AssertionRecord(
            id=ids.assertion_id(layer, fingerprint),
            layer=layer,
            kind=AssertionKind.STATEMENT,
            text=fact.text,
            fingerprint=fingerprint,
            entity_ids=tuple(self.entities[name].id for name in fact.about),
        )

    def entity_names(self, fact: GoldFact) -> tuple[str, ...]:
        """The entities a fact is about."""
        if isinstance(fact, GoldRelation):
            return (fact.subject, fact.object)
        if isinstance(fact, GoldObservation):
            return (fact.subject,)
        return fact.about


def _open_document(root: Path, source: str) -> _DocBatch:
    path = root / source
    text = document_text(path)
    doc_id = ids.document_id(source)
    document = DocumentRecord(
        id=doc_id,
        source=source,
        title=document_title(path, text),
        media_type=media_type(path),
        content_hash="sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest(),
        version=1,
        char_count=len(text),
        created_at=GOLD_TIMESTAMP,
        updated_at=GOLD_TIMESTAMP,
    )
    chunk = ChunkRecord(
        id=ids.chunk_id(doc_id),
        document_id=doc_id,
        version=1,
        position=0,
        start=0,
        end=len(text),
        text=text,
    )
    return _DocBatch(document=document, chunk=chunk, text=text)


def _mentions(batch: _DocBatch, entities: Sequence[EntityRecord]) -> list[MentionRecord]:
    """``MENTIONS`` of every entity whose name or an alias occurs in the text as whole words."""
    out: list[MentionRecord] = []
    for entity in entities:
        starts: set[int] = set()
        for name in (entity.name, *entity.aliases):
            pattern = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
            starts.update(m.start() for m in re.finditer(pattern, batch.text))
        if starts:
            batch.entities.setdefault(entity.id, entity)
            out.append(
                MentionRecord(chunk_id=batch.chunk.id, entity_id=entity.id, count=len(starts))
            )
    return out


def gold_write_batches(
    schema: GraphSchema, facts: GoldFacts | None = None, *, docs_dir: Path | None = None
) -> list[WriteBatch]:
    """The gold graph as one write batch per sample document (write them in this order).

    Args:
        schema: the graph schema (relation types, concepts and metrics are checked against it).
        facts: the gold facts; the shipped ``facts.json`` when ``None``.
        docs_dir: the documents folder; the shipped corpus when ``None``.

    Raises:
        InvalidInput: a fact names a document that does not exist, a quote that its document
            does not contain, or a type, relation or metric outside the schema.
    """
    facts = facts or load_facts()
    root = docs_dir or corpus_dir()
    sources = document_paths(root)
    batches = {source: _open_document(root, source) for source in sources}
    order = {source: i for i, source in enumerate(sources)}
    builder = _Builder(schema, facts)
    first_doc: dict[str, int] = {}
    for fact in facts.facts:
        record = builder.assertion(fact)
        for ev in fact.evidence:
            batch = batches.get(ev.doc)
            if batch is None:
                raise InvalidInput(
                    f"gold fact {fact.key!r} cites document {ev.doc!r}, which is not in {root}"
                )
            start = batch.text.find(ev.quote)
            if start < 0:
                raise InvalidInput(
                    f"gold fact {fact.key!r}: quote {ev.quote!r} is not in document {ev.doc!r}; "
                    "fix the quote in facts.json"
                )
            end = start + len(ev.quote)
            batch.assertions[record.id] = record
            for name in builder.entity_names(fact):
                entity = builder.entities[name]
                batch.entities[entity.id] = entity
            evidence = EvidenceRecord(
                id=evidence_id(record.id, batch.chunk.id, start, end),
                assertion_id=record.id,
                chunk_id=batch.chunk.id,
                document_id=batch.document.id,
                start=start,
                end=end,
                quote=ev.quote,
                extractor=GOLD_EXTRACTOR,
            )
            batch.evidence[evidence.id] = evidence
        first_doc[fact.key] = min(order[ev.doc] for ev in fact.evidence)
    for link in facts.links:
        source = builder.assertion(facts.fact(link.source))
        target = builder.assertion(facts.fact(link.target))
        link_record = LinkRecord(
            id=rel_id(link.type, source.id, target.id),
            type=link.rel_type,
            source_id=source.id,
            target_id=target.id,
            confidence=1.0,
            status=Status.APPROVED,
        )
        home = sources[max(first_doc[link.source], first_doc[link.target])]
        batches[home].links[link_record.id] = link_record
    everyone = list(builder.entities.values())
    return [batches[s].freeze(_mentions(batches[s], everyone)) for s in sources]
