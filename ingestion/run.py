"""One ingestion run: planning document versions, extracting groups of documents, writing them.

Built by :class:`~ingestion.pipeline.IngestionPipeline`; holds what lives for one run: the entity
resolver (seeded with the graph's entities and expert decisions), the spaCy extractor with its
EntityRuler, the LLM extractor with the run's budget, and counters.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graph_schema import Label, rel_id, stable_id
from graph_schema.properties import DocumentRecord, LinkRecord
from ingestion.chunking import chunk_text
from ingestion.linking import LAYERS as LINKED_LAYERS
from ingestion.linking import CrossLink, StatementLinker
from ingestion.llm.half import LlmHalf
from ingestion.loaders import SkippedFile
from ingestion.models import Chunk, ChunkExtraction, LoadedDocument
from ingestion.nlp.extractor import NlpExtractor, ParsedChunk
from ingestion.nlp.model import load_model
from ingestion.reconcile import reconcile
from ingestion.records import DocumentAssembly
from ingestion.relations.select import make_relation_finder
from ingestion.report import DocumentOutcome, LlmEstimate, LlmUsage
from ingestion.resolve import MERGE_ACTION, SPLIT_ACTION, EntityResolver
from ingestion.review import ReviewPolicy, replacement_ids
from kag.errors import BudgetExceeded, Conflict, InvalidInput
from kag.settings import Settings
from kag.store import GraphStore, NodeView, ReplaceSummary, WriteBatch

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from spacy.language import Language

logger = logging.getLogger(__name__)

#: ``content_hash`` of a deleted document's last version (a real hash is 64 hex digits).
DELETED_HASH = "deleted"
#: How many expert corrections of one fact in a row are followed.
_MAX_REPLACEMENT_STEPS = 8


@dataclass
class DocumentJob:
    """One document of a run and what was decided about it."""

    document: LoadedDocument
    doc_id: str
    version: int = 1
    status: str = "ingested"
    reason: str | None = None
    chunks: list[Chunk] = field(default_factory=list)
    extractions: list[ChunkExtraction] = field(default_factory=list)

    @property
    def words(self) -> int:
        """Words of the document."""
        return len(self.document.text.split())


@dataclass
class _Prepared:
    """A document assembled and ready to be written."""

    assembly: DocumentAssembly
    ungrounded: int = 0
    agreed: int = 0
    llm_invalid: int = 0
    cross_links: list[CrossLink] = field(default_factory=list)


@dataclass
class Pending:
    """A document handed to the writer (or decided without a write)."""

    job: DocumentJob
    prepared: _Prepared | None = None
    batch: WriteBatch | None = None
    future: Future[ReplaceSummary] | None = None


class RunState:
    """The state of one run."""

    def __init__(
        self,
        store: GraphStore,
        settings: Settings,
        chat_model: BaseChatModel | None,
        nlp: Language | None,
        *,
        dry_run: bool,
    ) -> None:
        self.store = store
        self.settings = settings
        self.schema = store.schema
        self.dry_run = dry_run
        self.nlp_loaded: Language | None = nlp
        self.llm = LlmHalf(settings, self.schema, chat_model, dry_run=dry_run)
        self.policy = ReviewPolicy.from_settings(settings.ingestion, hybrid=self.llm.configured)
        self.stopped: str | None = None
        self._nlp_extractor: NlpExtractor | None = None
        self._resolver: EntityResolver | None = None
        self._planned_chunks: list[tuple[str, Chunk]] = []
        self._symmetric = frozenset(n for n, r in self.schema.relation_types.items() if r.symmetric)
        self._sources: set[str] = set()
        self._executor: ThreadPoolExecutor | None = None
        self._linker: StatementLinker | None = None

    # -- lazily built parts ------------------------------------------------------------------
    @property
    def linker(self) -> StatementLinker:
        """Links statements across documents, seeded with the graph's statements."""
        if self._linker is None:
            self._linker = StatementLinker(self.store.list_statements(LINKED_LAYERS))
        return self._linker

    @property
    def resolver(self) -> EntityResolver:
        """The run's entity resolver, seeded from the graph on first use."""
        if self._resolver is None:
            self._resolver = EntityResolver(
                self.store.list_entities(),
                self.store.list_decisions([MERGE_ACTION, SPLIT_ACTION]),
                fuzzy_threshold=self.settings.ingestion.fuzzy_merge_threshold,
            )
        return self._resolver

    @property
    def extractor(self) -> NlpExtractor:
        """The spaCy extractor, its EntityRuler fed with the graph's entities."""
        if self._nlp_extractor is None:
            ingestion = self.settings.ingestion
            if self.nlp_loaded is None:
                self.nlp_loaded = load_model(ingestion.spacy_model)
            first_person = None
            if ingestion.first_person_entity:
                found = self.resolver.resolve(ingestion.first_person_entity, "company")
                first_person = (found.name, found.type)
            self._nlp_extractor = NlpExtractor(
                self.schema,
                self.nlp_loaded,
                make_relation_finder(self.schema, ingestion.relation_lexicon),
                batch_size=ingestion.nlp_batch_size,
                knowledge_statements=ingestion.knowledge_statements,
                first_person=first_person,
            )
            self._nlp_extractor.add_known_entities(self.resolver.all_patterns())
        return self._nlp_extractor

    @property
    def tokens_spent(self) -> int:
        """LLM tokens spent so far."""
        return self.llm.budget.usage.total

    # -- planning ----------------------------------------------------------------------------
    def skipped(self, item: SkippedFile) -> Pending:
        """A file that could not be loaded (its outcome says why)."""
        job = DocumentJob(
            LoadedDocument(source=item.source, title="", media_type="", text="", content_hash=""),
            doc_id="",
        )
        job.status, job.reason = "skipped", item.reason
        return Pending(job)

    def plan(self, document: LoadedDocument) -> DocumentJob:
        """A job for a loaded document (its version is decided with its group)."""
        job = DocumentJob(document, stable_id(Label.DOCUMENT, document.source))
        if document.source in self._sources:
            job.status, job.reason = "skipped", "the same source came twice in this run"
        self._sources.add(document.source)
        return job

    def _decide_versions(self, jobs: Sequence[DocumentJob]) -> None:
        existing = {n.id: n for n in self.store.get_nodes([j.doc_id for j in jobs])}
        ingestion = self.settings.ingestion
        for job in jobs:
            if job.status == "skipped":
                continue
            stored = existing.get(job.doc_id)
            if stored is not None:
                if stored.props.get("content_hash") == job.document.content_hash:
                    job.status = "unchanged"
                    job.version = int(stored.props["version"])
                    continue
                job.version = int(stored.props["version"]) + 1
                deleted = stored.props.get("content_hash") == DELETED_HASH
                job.status = "ingested" if deleted else "new version"
            job.chunks = chunk_text(
                job.doc_id,
                job.version,
                job.document.text,
                max_chars=ingestion.chunk_chars,
                overlap=ingestion.chunk_overlap_chars,
            )
            if self.dry_run:
                job.status = "planned"
                self._planned_chunks.extend((job.document.title, c) for c in job.chunks)

    # -- running -----------------------------------------------------------------------------
    def run_group(self, jobs: Sequence[DocumentJob]) -> list[Pending]:
        """Decide versions, extract and assemble a group of documents and hand their writes to
        the writer thread; :meth:`finish` each returned item, in order, for its outcome.

        The group's chunks are parsed together, its documents assembled one after the other
        (entity resolution is sequential), the stored assertions with their fingerprints looked
        up once, and each document written in its own transaction. Writes run on one writer
        thread, in order, while the next group is parsed: the graph store's work (a Neo4j
        server's, above all) overlaps with spaCy's.
        """
        self._decide_versions(jobs)
        work = [j for j in jobs if j.status in {"ingested", "new version"}]
        if work and self.stopped is None:
            parsed = [ParsedChunk(c, j.document.title) for j in work for c in j.chunks]
            extractions = iter(self.extractor.extract(parsed))
            for job in work:
                job.extractions = [next(extractions) for _ in job.chunks]
        prepared = [self._prepare(job) for job in jobs]
        fingerprints = {fp for p in prepared if p is not None for fp in p.assembly.fingerprints()}
        existing = (
            self.store.assertions_by_fingerprint(sorted(fingerprints)) if fingerprints else []
        )
        existing += self._expert_versions(existing)
        pending: list[Pending] = []
        for job, ready in zip(jobs, prepared, strict=True):
            if ready is None:
                pending.append(Pending(job))
                continue
            batch = ready.assembly.build(job.chunks, existing)
            # the next group's parse may know these names already (their write is under way)
            self.extractor.add_known_entities(self.resolver.patterns(ready.assembly.entity_ids))
            future = self._writer().submit(
                self.store.replace_document, batch, job.doc_id, job.version
            )
            pending.append(Pending(job, ready, batch, future))
        return pending

    def _expert_versions(self, existing: Sequence[NodeView]) -> list[NodeView]:
        """The versions experts put in place of corrected assertions (``replaced_by`` chains,
        followed a bounded number of steps)."""
        known = {n.id for n in existing}
        found: list[NodeView] = []
        wanted = replacement_ids(existing) - known
        for _ in range(_MAX_REPLACEMENT_STEPS):
            if not wanted:
                break
            nodes = self.store.get_nodes(sorted(wanted))
            found += nodes
            known.update(n.id for n in nodes)
            wanted = replacement_ids(nodes) - known
        return found

    def _writer(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kag-writer")
        return self._executor

    def close(self) -> None:
        """Stop the writer thread (writes not started yet are cancelled)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _outcome(self, job: DocumentJob, **values: object) -> DocumentOutcome:
        loaded = bool(job.doc_id)
        return DocumentOutcome(
            source=job.document.source,
            status=job.status,  # type: ignore[arg-type]
            reason=job.reason,
            document_id=job.doc_id or None,
            version=job.version if loaded else None,
            chunks=len(job.chunks),
            words=job.words if job.extractions else 0,
            **values,  # type: ignore[arg-type]
        )

    def _prepare(self, job: DocumentJob) -> _Prepared | None:
        """The document's assembly (LLM half, reconciliation, resolution), or ``None`` when it
        is not to be written."""
        if job.status not in {"ingested", "new version"}:
            return None
        if self.stopped is None:
            try:
                answers, invalid = self.llm.extract(job.document.title, job.chunks)
            except BudgetExceeded as exc:
                self.stopped = f"LLM budget reached ({exc.message})"
            else:
                return self._assemble(job, answers, invalid)
        job.status = "skipped"
        job.reason = f"not ingested: {self.stopped}; run again to ingest it"
        job.extractions = []
        return None

    def _assemble(
        self, job: DocumentJob, llm_answers: dict[str, ChunkExtraction], llm_invalid: int
    ) -> _Prepared:
        document = job.document
        record = DocumentRecord(
            id=job.doc_id,
            source=document.source,
            title=document.title,
            media_type=document.media_type,
            content_hash=document.content_hash,
            version=job.version,
            char_count=len(document.text),
        )
        assembly = DocumentAssembly(self.schema, self.resolver, self.policy, record, document.text)
        prepared = _Prepared(assembly, llm_invalid=llm_invalid)
        for chunk, nlp in zip(job.chunks, job.extractions, strict=True):
            halves = [nlp] + ([llm_answers[chunk.id]] if chunk.id in llm_answers else [])
            reconciled = reconcile(chunk.text, halves, symmetric=self._symmetric)
            prepared.ungrounded += reconciled.ungrounded
            prepared.agreed += reconciled.agreed
            assembly.add_chunk(chunk, reconciled)
        assembly.link_insights_to_facts()
        prepared.cross_links = self.linker.propose(job.doc_id, assembly.statements())
        return prepared

    def finish(self, item: Pending) -> DocumentOutcome:
        """A document's outcome, once its write (if any) is done.

        Raises:
            StoreUnavailable: the store failed; the run stops.
        """
        job, prepared = item.job, item.prepared
        if prepared is None or item.future is None or item.batch is None:
            return self._outcome(job)
        assembly = prepared.assembly
        try:
            summary = item.future.result()
        except (InvalidInput, Conflict) as exc:
            self.resolver.forget(assembly.entity_ids)
            self.linker.discard(job.doc_id)
            job.status, job.reason = "failed", exc.message
            return self._outcome(job)
        self.resolver.written(assembly.entity_ids)
        self.linker.confirm(job.doc_id, {a.id for a in item.batch.assertions})
        links = self._write_cross_links(prepared.cross_links)
        stats = assembly.stats
        return self._outcome(
            job,
            assertions=len(item.batch.assertions),
            entities=len(item.batch.entities),
            by_layer=dict(stats.by_layer),
            by_status=dict(stats.by_status),
            superseded=len(summary.superseded),
            revived=len(summary.revived),
            rejected_before=stats.rejected_before,
            expert_versions=stats.expert_versions,
            ungrounded=prepared.ungrounded,
            agreed=prepared.agreed,
            llm_invalid=prepared.llm_invalid,
            cross_links=links,
        )

    def _write_cross_links(self, proposed: Sequence[CrossLink]) -> int:
        """Write the links to statements of other documents whose both ends are in the graph,
        in a small transaction of their own (their other end may be the document just before
        this one, whose write had to commit first)."""
        records = [
            LinkRecord(
                id=rel_id(link.type.value, link.source, link.target),
                type=link.type,
                source_id=link.source,
                target_id=link.target,
                confidence=link.confidence,
                status=self.policy.status(link.confidence, ["nlp"]),
            )
            for link in proposed
            if self.linker.known(link.source) and self.linker.known(link.target)
        ]
        if not records:
            return 0
        try:
            self.store.write(WriteBatch(links=tuple(records)))
        except (InvalidInput, Conflict) as exc:
            logger.warning("cross-document links not written: %s", exc.message)
            return 0
        return len(records)

    # -- reporting ---------------------------------------------------------------------------
    def llm_usage(self) -> LlmUsage:
        """The LLM half's usage in this run."""
        return self.llm.usage(self.stopped)

    def estimate(self) -> LlmEstimate:
        """What the planned chunks would cost (``--dry-run``)."""
        return self.llm.estimate(self._planned_chunks)
