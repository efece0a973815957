"""Assembling one document's graph records: resolved entities, assertions with fingerprints,
evidence spans, mentions and links, ready for one ``replace_document`` transaction.

Ids and fingerprints (the scheme the sample corpus' gold graph uses too):

- relation: ``relation|<subject id>|<PREDICATE>|<object id>`` (a symmetric relation's entity
  ids in sorted order, and its typed relationship runs that way);
- observation: ``observation|<subject id>|<metric>|<period>|<repr(float(value))>|<unit>``;
- statement: ``statement|<normalised text>``, under the statement's layer label;
- assertion id: ``stable_id(<layer label>, fingerprint)``.

The same fact read twice in a document is one assertion with several evidence spans.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import product

from graph_schema import (
    AssertionKind,
    GraphSchema,
    Label,
    Layer,
    RelType,
    SchemaViolation,
    Status,
    evidence_id,
    rel_id,
    stable_id,
)
from graph_schema.fingerprints import (
    observation_fingerprint,
    relation_fingerprint,
    statement_fingerprint,
)
from graph_schema.properties import (
    AssertionRecord,
    ChunkRecord,
    DocumentRecord,
    EntityRecord,
    EvidenceRecord,
    LinkRecord,
    MentionRecord,
)
from ingestion.models import Chunk, EntityMention, Span
from ingestion.nlp.quantities import period_bounds
from ingestion.nlp.typing import is_guessed
from ingestion.reconcile import ReconciledChunk, combine
from ingestion.resolve import EntityResolver, ResolvedEntity
from ingestion.review import ReviewPolicy, rejected_fingerprints, replacements
from kag.store import NodeView, WriteBatch
from kag.store.views import label_for

_MAX_VARIANTS = 16
_DERIVED = 0.5


@dataclass
class _Pending:
    record: AssertionRecord
    extractors: set[str]
    confidence: float
    evidence: dict[tuple[str, int, int], set[str]] = field(default_factory=dict)
    variants: tuple[str, ...] = ()
    spans: set[tuple[int, int]] = field(default_factory=set)

    def add_evidence(self, chunk_id: str, span: Span, extractors: Iterable[str]) -> None:
        self.evidence.setdefault((chunk_id, span.start, span.end), set()).update(extractors)


@dataclass
class AssemblyStats:
    """What assembling a document kept and dropped."""

    by_layer: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    rejected_before: int = 0
    expert_versions: int = 0
    about_rejected_entity: int = 0
    invalid_links: int = 0


class DocumentAssembly:
    """Collects one document version's reconciled chunks into graph records."""

    def __init__(
        self,
        schema: GraphSchema,
        resolver: EntityResolver,
        policy: ReviewPolicy,
        document: DocumentRecord,
        text: str,
    ) -> None:
        self.schema = schema
        self.resolver = resolver
        self.policy = policy
        self.document = document
        self._text = text
        self._chunks: list[Chunk] = []
        self._pending: dict[str, _Pending] = {}
        self._links: list[tuple[str, RelType, str, float, tuple[str, ...]]] = []
        self._mentions: Counter[tuple[str, str]] = Counter()
        self._touched: dict[str, ResolvedEntity] = {}
        self.stats = AssemblyStats()

    # -- entities ----------------------------------------------------------------------------
    def _entity(self, mention: EntityMention) -> ResolvedEntity:
        entity = self.resolver.resolve(
            mention.name, mention.type, confidence=mention.confidence, guessed=is_guessed(mention)
        )
        self._touched[entity.id] = entity
        return entity

    def _usable(self, *entities: ResolvedEntity) -> bool:
        if any(e.status is Status.REJECTED for e in entities):
            self.stats.about_rejected_entity += 1
            return False
        return True

    def _variants(self, make: Callable[..., str], *entity_ids: str) -> tuple[str, ...]:
        """Fingerprints of the same fact under ids an expert merged into these entities."""
        pools = [sorted(self.resolver.merged_into(i)) for i in entity_ids]
        variants = []
        for combo in product(*pools):
            variants.append(make(*combo))
            if len(variants) >= _MAX_VARIANTS:
                break
        return tuple(variants)

    # -- assertions --------------------------------------------------------------------------
    def _add(
        self,
        record: AssertionRecord,
        chunk: Chunk,
        span: Span,
        extractors: Sequence[str],
        confidence: float,
        variants: tuple[str, ...] = (),
    ) -> str:
        pending = self._pending.get(record.fingerprint)
        if pending is None:
            pending = _Pending(record, set(extractors), confidence, variants=variants)
            self._pending[record.fingerprint] = pending
        elif (span.start, span.end) in pending.spans:
            pending.extractors.update(extractors)
            pending.confidence = max(pending.confidence, confidence)
        else:
            # stated again elsewhere in the document: independent evidence adds up
            pending.extractors.update(extractors)
            pending.confidence = combine(pending.confidence, confidence)
        pending.spans.add((span.start, span.end))
        pending.add_evidence(chunk.id, span, extractors)
        return pending.record.id

    def add_chunk(self, chunk: Chunk, reconciled: ReconciledChunk) -> None:
        """Resolve a chunk's mentions and turn its reconciled candidates into assertions."""
        self._chunks.append(chunk)
        for mention in reconciled.entities:
            self._mentions[(chunk.id, self._entity(mention).id)] += 1
        for kept in reconciled.relations:
            c = kept.candidate
            s, o = self._entity(c.subject), self._entity(c.object)
            if s.id == o.id or not self._usable(s, o):
                continue
            relation = self.schema.relation_types[c.predicate]
            if relation.symmetric and o.id < s.id:
                s, o = o, s
            fp = relation_fingerprint(s.id, c.predicate, o.id)
            record = AssertionRecord(
                id=stable_id(Label.KNOWLEDGE, fp),
                layer=Layer.KNOWLEDGE,
                kind=AssertionKind.RELATION,
                text=f"{s.name} {relation.label} {o.name}",
                fingerprint=fp,
                subject_id=s.id,
                predicate=c.predicate,
                object_id=o.id,
            )
            variants = self._variants(
                lambda a, b, p=c.predicate: relation_fingerprint(a, p, b), s.id, o.id
            )
            self._add(record, chunk, c.evidence, kept.extractors, kept.confidence, variants)
        for kept_obs in reconciled.observations:
            ob = kept_obs.candidate
            s = self._entity(ob.subject)
            if not self._usable(s):
                continue
            fp = observation_fingerprint(s.id, ob.metric, ob.period, ob.value, ob.unit)
            bounds = period_bounds(ob.period) if ob.period else None
            record = AssertionRecord(
                id=stable_id(Label.KNOWLEDGE, fp),
                layer=Layer.KNOWLEDGE,
                kind=AssertionKind.OBSERVATION,
                text=f"{s.name} {ob.metric}{f' ({ob.period})' if ob.period else ''}: "
                f"{ob.value:,.10g} {ob.unit}",
                fingerprint=fp,
                subject_id=s.id,
                metric=ob.metric,
                value=ob.value,
                unit=ob.unit,
                period=ob.period,
                period_start=bounds[0] if bounds else None,
                period_end=bounds[1] if bounds else None,
            )
            variants = self._variants(
                lambda a, o=ob: observation_fingerprint(a, o.metric, o.period, o.value, o.unit),
                s.id,
            )
            self._add(
                record, chunk, ob.evidence, kept_obs.extractors, kept_obs.confidence, variants
            )
        ids: list[str | None] = []
        for kept_st in reconciled.statements:
            st = kept_st.candidate
            about = [self._entity(m) for m in st.entities]
            fp = statement_fingerprint(st.text)
            record = AssertionRecord(
                id=stable_id(st.layer.label, fp),
                layer=st.layer,
                kind=AssertionKind.STATEMENT,
                text=st.text,
                fingerprint=fp,
                entity_ids=tuple(
                    dict.fromkeys(e.id for e in about if e.status is not Status.REJECTED)
                ),
            )
            ids.append(
                self._add(record, chunk, st.evidence, kept_st.extractors, kept_st.confidence)
            )
        for link in reconciled.links:
            source, target = ids[link.source], ids[link.target]
            if source is not None and target is not None:
                self._links.append((source, link.type, target, link.confidence, (link.extractor,)))

    def link_insights_to_facts(self) -> None:
        """An Insight is ``DERIVED_FROM`` the document's relations and figures about the
        entities it names (the facts an analyst note sets out before its conclusion)."""
        facts = [
            p.record
            for p in self._pending.values()
            if p.record.kind in {AssertionKind.RELATION, AssertionKind.OBSERVATION}
        ]
        for pending in list(self._pending.values()):
            insight = pending.record
            if insight.layer is not Layer.INSIGHT or not insight.entity_ids:
                continue
            about = set(insight.entity_ids)
            for fact in facts:
                if {fact.subject_id, fact.object_id} & about:
                    self._links.append(
                        (insight.id, RelType.DERIVED_FROM, fact.id, _DERIVED, ("nlp",))
                    )

    def fingerprints(self) -> list[str]:
        """Fingerprints to look up before writing (with merge variants)."""
        found = set(self._pending)
        for pending in self._pending.values():
            found.update(pending.variants)
        return sorted(found)

    # -- records -----------------------------------------------------------------------------
    def build(self, chunks: Sequence[Chunk], existing: Iterable[NodeView]) -> WriteBatch:
        """The document's write batch; ``existing``: stored assertions with its fingerprints
        (and the expert versions they were replaced by)."""
        existing = list(existing)
        rejected = rejected_fingerprints(existing)
        replaced = replacements(existing)
        assertions: dict[str, AssertionRecord] = {}
        redirect: dict[str, str] = {}
        evidence: list[EvidenceRecord] = []
        for fp, pending in self._pending.items():
            if fp in rejected or rejected.intersection(pending.variants):
                self.stats.rejected_before += 1
                continue
            target = replaced.get(fp)
            if target is not None:
                # an expert corrected this fact: the document evidences the expert's version
                redirect[pending.record.id] = target
                self.stats.expert_versions += 1
                evidence += self._evidence(target, pending)
                continue
            status = self.policy.status(pending.confidence, pending.extractors)
            record = pending.record.model_copy(
                update={
                    "status": status,
                    "confidence": round(pending.confidence, 4),
                    "extractors": tuple(sorted(pending.extractors)),
                }
            )
            assertions[record.id] = record
            self.stats.by_layer[record.layer.value] += 1
            self.stats.by_status[status.value] += 1
            evidence += self._evidence(record.id, pending)
        links = self._build_links(assertions, redirect)
        entities = self._entities(assertions)
        return WriteBatch(
            documents=(self.document,),
            chunks=tuple(_chunk_record(c) for c in chunks),
            entities=tuple(entities),
            assertions=tuple(assertions.values()),
            evidence=tuple(evidence),
            mentions=tuple(
                MentionRecord(chunk_id=chunk_id, entity_id=entity_id, count=count)
                for (chunk_id, entity_id), count in sorted(self._mentions.items())
                if self._touched[entity_id].status is not Status.REJECTED
            ),
            links=tuple(links),
        )

    def _evidence(self, assertion_id: str, pending: _Pending) -> list[EvidenceRecord]:
        return [
            EvidenceRecord(
                id=evidence_id(assertion_id, chunk_id, start, end),
                assertion_id=assertion_id,
                chunk_id=chunk_id,
                document_id=self.document.id,
                start=start,
                end=end,
                quote=self._text[start:end],
                extractor="+".join(sorted(names)),
            )
            for (chunk_id, start, end), names in sorted(pending.evidence.items())
        ]

    def _build_links(
        self, assertions: dict[str, AssertionRecord], redirect: dict[str, str]
    ) -> list[LinkRecord]:
        links: dict[str, LinkRecord] = {}
        for old_source, rel_type, old_target, confidence, extractors in self._links:
            source = redirect.get(old_source, old_source)
            target = redirect.get(old_target, old_target)
            known = (*assertions, *redirect.values())
            if source not in known or target not in known or source == target:
                continue
            try:
                self.schema.check_pattern(label_for(source), rel_type.value, label_for(target))
            except (SchemaViolation, ValueError):
                self.stats.invalid_links += 1
                continue
            link_id = rel_id(rel_type.value, source, target)
            links[link_id] = LinkRecord(
                id=link_id,
                type=rel_type,
                source_id=source,
                target_id=target,
                confidence=round(confidence, 4),
                status=self.policy.status(confidence, extractors),
            )
        return list(links.values())

    def _entities(self, assertions: dict[str, AssertionRecord]) -> list[EntityRecord]:
        """Records of the entities this document needs written: new ones and those with new
        aliases."""
        del assertions  # every touched entity is written when new or changed
        return [e.record() for e in self._touched.values() if not e.stored or e.changed]

    def statements(self) -> list[tuple[str, Layer, str, bool]]:
        """``(id, layer, text, situated)`` of the document's statements; ``situated``: linked to
        a situation (or, for a situation, to a principle or episode) within its chunk."""
        situated = {
            end
            for source, rel_type, target, _, _ in self._links
            if rel_type in {RelType.APPLIES_IN, RelType.IN_SITUATION}
            for end in (source, target)
        }
        return [
            (p.record.id, p.record.layer, p.record.text, p.record.id in situated)
            for p in self._pending.values()
            if p.record.kind is AssertionKind.STATEMENT
        ]

    @property
    def entity_ids(self) -> list[str]:
        """Ids of the entities this document touched."""
        return list(self._touched)


def _chunk_record(chunk: Chunk) -> ChunkRecord:
    return ChunkRecord(
        id=chunk.id,
        document_id=chunk.document_id,
        version=chunk.version,
        position=chunk.position,
        start=chunk.start,
        end=chunk.end,
        text=chunk.text,
    )
