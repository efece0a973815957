"""The storage contract: one ``GraphStore`` port, implemented by the embedded and Neo4j backends.

Both backends return identical results for identical operations (the contract suite in
``tests/contract`` proves it): results are ordered deterministically (by score, length or id) and
carry the same property maps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from graph_schema import LAYER_LABELS, GraphSchema, Label, Status
from graph_schema.properties import (
    AnswerRecord,
    AssertionRecord,
    ChunkRecord,
    DecisionRecord,
    DocumentRecord,
    EntityRecord,
    EvidenceRecord,
    FeedbackRecord,
    LinkRecord,
    MentionRecord,
)

if TYPE_CHECKING:  # kag.plan and kag.store.patch build on the views defined here
    from kag.plan import PlanResult, QueryPlan
    from kag.store.patch import AssertionSummary, EntitySummary, GraphPatch, PatchSummary

#: Statuses of facts used by default: approved only.
DEFAULT_STATUSES: tuple[Status, ...] = (Status.APPROVED,)
#: Statuses of entities that may be traversed: anything not rejected or superseded.
DEFAULT_ENTITY_STATUSES: tuple[Status, ...] = (Status.APPROVED, Status.PROPOSED)
#: Labels searched by ``GraphStore.search_statements`` by default (the five layers).
STATEMENT_LABELS: tuple[Label, ...] = tuple(sorted(LAYER_LABELS))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NodeView(_Frozen):
    """A node as read back: id, label, a display name and every stored property."""

    id: str
    label: Label
    name: str
    status: Status | None = None
    confidence: float | None = None
    props: dict[str, Any] = Field(default_factory=dict)


class RelView(_Frozen):
    """A relationship as read back, with its direction (source -> target)."""

    id: str
    type: str
    source_id: str
    target_id: str
    status: Status | None = None
    confidence: float | None = None
    props: dict[str, Any] = Field(default_factory=dict)


class GraphPath(_Frozen):
    """An ordered path: ``nodes[i]`` and ``nodes[i+1]`` are joined by ``relationships[i]``."""

    nodes: tuple[NodeView, ...]
    relationships: tuple[RelView, ...]

    @property
    def length(self) -> int:
        """Number of hops."""
        return len(self.relationships)


class Subgraph(_Frozen):
    """Nodes and relationships of a neighbourhood, sorted by id."""

    nodes: tuple[NodeView, ...]
    relationships: tuple[RelView, ...]
    truncated: bool = False


class EntityMatch(_Frozen):
    """An entity found by name, with the matched name and a 0-100 score."""

    entity: NodeView
    matched: str
    score: float
    exact: bool


class EvidenceSpan(_Frozen):
    """Where an assertion was read: document, version, chunk, char span and quote."""

    id: str
    assertion_id: str
    document_id: str
    document_source: str
    document_title: str
    version: int
    chunk_id: str
    start: int
    end: int
    quote: str
    extractor: str


AggregateFn = Literal["count", "sum", "avg", "min", "max"]


class ObservationQuery(_Frozen):
    """Aggregate quantitative observations (entity, metric, value, unit, period)."""

    entity_ids: tuple[str, ...] | None = None
    metric: str | None = None
    aggregate: AggregateFn = "sum"
    period_from: str | None = None
    period_to: str | None = None
    by_entity: bool = True
    by_period: bool = False
    statuses: tuple[Status, ...] = DEFAULT_STATUSES


class AggregateRow(_Frozen):
    """One group of an observation aggregation. Values of different units are never mixed."""

    entity_id: str | None
    metric: str
    unit: str
    period: str | None
    value: float
    count: int
    assertion_ids: tuple[str, ...]


class WriteBatch(_Frozen):
    """Everything written in one transaction (normally one document)."""

    documents: tuple[DocumentRecord, ...] = ()
    chunks: tuple[ChunkRecord, ...] = ()
    entities: tuple[EntityRecord, ...] = ()
    assertions: tuple[AssertionRecord, ...] = ()
    evidence: tuple[EvidenceRecord, ...] = ()
    mentions: tuple[MentionRecord, ...] = ()
    links: tuple[LinkRecord, ...] = ()

    @property
    def size(self) -> int:
        """Number of records in the batch."""
        return sum(
            len(x)
            for x in (
                self.documents,
                self.chunks,
                self.entities,
                self.assertions,
                self.evidence,
                self.mentions,
                self.links,
            )
        )


class WriteSummary(_Frozen):
    """What a write did: nodes and relationships written (created or updated)."""

    nodes: int
    relationships: int

    @property
    def elements(self) -> int:
        """Nodes plus relationships."""
        return self.nodes + self.relationships


class ReplaceSummary(_Frozen):
    """What :meth:`GraphStore.replace_document` did.

    Attributes:
        written: the batch's nodes and relationships.
        superseded: assertions whose only evidence was in a retired version, now ``superseded``.
        revived: ``superseded`` assertions this batch evidences again, given the batch's status.
        evidence_removed: evidence links into retired chunks of assertions still evidenced
            elsewhere (removed, so citations point at live text only).
        chunks_removed: retired chunks deleted because no evidence pointed into them any more.
    """

    written: WriteSummary
    superseded: tuple[str, ...] = ()
    revived: tuple[str, ...] = ()
    evidence_removed: int = 0
    chunks_removed: int = 0


class StoreCounts(_Frozen):
    """What ``kag info`` shows."""

    backend: str
    location: str
    schema_version: int
    code_schema_version: int
    ontology: str
    nodes: dict[str, int]
    relationships: dict[str, int]
    statuses: dict[str, int]


class DocumentSummary(_Frozen):
    """A document with what its current version holds.

    Attributes:
        document: the document node (source, title, version, content hash, ...).
        chunks: chunks of the current version.
        assertions: distinct layer nodes evidenced by those chunks.
        statuses: those assertions by review status.
    """

    document: NodeView
    chunks: int
    assertions: int
    statuses: dict[str, int] = Field(default_factory=dict)


class PassageView(_Frozen):
    """A live chunk as a passage for text retrieval: its text, document and mentioned entities.

    Attributes:
        entity_ids: entities the chunk ``MENTIONS`` (not rejected or superseded), sorted.
    """

    chunk_id: str
    document_id: str
    document_source: str
    document_title: str
    version: int
    start: int
    end: int
    text: str
    entity_ids: tuple[str, ...] = ()


class DocumentPage(_Frozen):
    """One page of documents ordered by source, and how many there are in all."""

    total: int
    items: tuple[DocumentSummary, ...]


@runtime_checkable
class GraphStore(Protocol):
    """The storage port. Implementations: ``EmbeddedStore`` and ``Neo4jStore``."""

    backend: str
    schema: GraphSchema

    @property
    def location(self) -> str:
        """Where the data lives (path or URI, without secrets)."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...

    def deferred_search_refresh(self) -> AbstractContextManager[None]:
        """A block whose writes return without waiting for the full-text search indexes to take
        them in (Neo4j's are eventually consistent); its end waits once. Outside such a block a
        write is searchable as soon as it returns. Ingestion runs and bulk loads use it."""
        ...

    def revision(self) -> str | None:
        """A token that changes whenever the graph changes, when the backend can tell cheaply
        (caches of derived indexes compare it); ``None`` when it cannot."""
        ...

    # -- schema --------------------------------------------------------------------------------
    def schema_version(self) -> int:
        """The schema version recorded in the graph (0 for a graph never migrated)."""
        ...

    def apply_schema(self) -> list[int]:
        """Apply pending migrations idempotently; return the versions applied now."""
        ...

    # -- writes --------------------------------------------------------------------------------
    def write(self, batch: WriteBatch) -> WriteSummary:
        """Upsert a batch in one transaction; all of it or nothing."""
        ...

    def write_many(self, batches: Iterable[WriteBatch]) -> WriteSummary:
        """Upsert batches in order, one transaction each (a bulk load); the summed summary.

        A failing batch raises its error, saying how many batches before it were committed;
        the batches after it are not written.
        """
        ...

    def set_status(self, ids: Sequence[str], status: Status) -> int:
        """Set the review status of assertions/entities (and mirrored relationships)."""
        ...

    def record_decision(
        self, decision: DecisionRecord, status_changes: Mapping[str, Status]
    ) -> None:
        """Store a review decision and apply its status changes in one transaction."""
        ...

    # -- reads ---------------------------------------------------------------------------------
    def get_nodes(self, ids: Sequence[str]) -> list[NodeView]:
        """The nodes with these ids, in the order given (missing ids are left out)."""
        ...

    def find_entities(
        self,
        text: str,
        *,
        limit: int = 10,
        min_score: float = 80.0,
        types: Sequence[str] | None = None,
        statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES,
    ) -> list[EntityMatch]:
        """Entities by exact (normalised) name or alias, then by fuzzy score."""
        ...

    def find_entities_many(
        self,
        texts: Sequence[str],
        *,
        limit: int = 10,
        min_score: float = 80.0,
        types: Sequence[str] | None = None,
        statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES,
    ) -> dict[str, list[EntityMatch]]:
        """:meth:`find_entities` for several texts at once (one round trip on Neo4j): each
        distinct text maps to exactly what :meth:`find_entities` returns for it."""
        ...

    def neighbourhood(
        self,
        seed_ids: Sequence[str],
        *,
        hops: int,
        rel_types: Sequence[str] | None = None,
        statuses: Sequence[Status] = DEFAULT_STATUSES,
        entity_statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES,
        limit: int = 500,
    ) -> Subgraph:
        """Nodes within ``hops`` of the seeds over the given relationship types (any direction)."""
        ...

    def paths_between(
        self,
        source_id: str,
        target_id: str,
        *,
        max_hops: int,
        rel_types: Sequence[str] | None = None,
        statuses: Sequence[Status] = DEFAULT_STATUSES,
        entity_statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES,
        limit: int = 25,
    ) -> list[GraphPath]:
        """Simple paths (no repeated node) of 1..max_hops, shortest first, then by rel ids."""
        ...

    def evidence(self, assertion_ids: Sequence[str]) -> dict[str, list[EvidenceSpan]]:
        """Evidence spans of each assertion, ordered by document source, version and offset."""
        ...

    def aggregate(self, query: ObservationQuery) -> list[AggregateRow]:
        """Aggregate observations by entity/period and unit."""
        ...

    def counts(self) -> StoreCounts:
        """Counts per label, relationship type and status."""
        ...

    # -- ingestion support (issue 4: documents, versions, resolution inputs) ------------------
    def list_entities(self) -> list[NodeView]:
        """Every entity, whatever its status, ordered by id (the resolver's catalogue)."""
        ...

    def assertions_by_fingerprint(self, fingerprints: Sequence[str]) -> list[NodeView]:
        """Layer nodes whose ``fingerprint`` is one of these, any status, ordered by id."""
        ...

    def list_decisions(self, actions: Sequence[str]) -> list[NodeView]:
        """Decision nodes whose ``action`` is one of these, ordered by ``created_at`` then id."""
        ...

    def list_statements(
        self, layers: Sequence[Label], statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES
    ) -> list[NodeView]:
        """Statement assertions (``kind`` statement) of these layer labels with one of these
        statuses, ordered by id (what new statements may be linked to)."""
        ...

    def replace_document(self, batch: WriteBatch, document_id: str, version: int) -> ReplaceSummary:
        """Write one document version and retire the document's older versions, atomically.

        In one transaction: the batch is upserted as by :meth:`write`; then for every chunk of
        ``document_id`` with a version below ``version`` (a retired chunk):

        - an assertion evidenced by a retired chunk and by some other, live chunk loses the
          evidence link into the retired chunk;
        - an assertion evidenced only by retired chunks keeps its evidence (for audit) and, if
          it is ``proposed`` or ``approved``, becomes ``superseded`` (its typed relationship too);
          ``rejected`` stays ``rejected``;
        - the retired chunk loses its ``MENTIONS`` links and is deleted when no evidence points
          into it any more.

        A ``superseded`` assertion of the batch (evidenced again by this version) takes the
        status the batch gives it. Deleting a document is a new version without chunks.
        """
        ...

    # -- API support (issue 7: document catalogue, feedback) ------------------------------------
    def list_documents(
        self, *, ids: Sequence[str] | None = None, offset: int = 0, limit: int = 100
    ) -> DocumentPage:
        """Documents ordered by source then id (only ``ids`` when given), a page at a time, each
        with the chunks of its current version and the assertions those chunks evidence."""
        ...

    def list_passages(self, *, after: str | None = None, limit: int = 1000) -> list[PassageView]:
        """Chunks of current document versions ordered by chunk id, those after ``after``, at
        most ``limit`` of them (what the engine's passage index is built from)."""
        ...

    def passages_stamp(self) -> str:
        """A cheap value that changes whenever :meth:`list_passages` may have changed (a new
        document or version, chunks, mentions, an entity's status): the engine's passage index
        is rebuilt when it does. It may also change when the passages did not."""
        ...

    def record_feedback(self, feedback: FeedbackRecord) -> None:
        """Store feedback on an answer: a ``Feedback`` node and ``FEEDBACK_ON`` to the answer,
        in one transaction.

        Raises:
            NotFound: no answer has ``feedback.answer_id`` (nothing is written).
            Conflict: a feedback with this id exists already (nothing is changed).
        """
        ...

    def list_feedback(self, answer_id: str) -> list[FeedbackRecord]:
        """The feedback on an answer, oldest first (by ``created_at``, then id)."""
        ...

    # -- engine: query plans, statement search, answers ------------------------------------------
    def execute_plan(self, plan: QueryPlan, *, timeout_s: float | None = None) -> PlanResult:
        """Run a typed query plan (compiled to Cypher on Neo4j, natively on the embedded store).

        Raises:
            InvalidInput: the plan uses a type outside the schema.
            BudgetExceeded: the query ran longer than ``timeout_s``.
        """
        ...

    def search_statements(
        self,
        text: str,
        *,
        labels: Sequence[Label] = STATEMENT_LABELS,
        statuses: Sequence[Status] = DEFAULT_STATUSES,
        limit: int = 10,
        min_score: float = 50.0,
        source: str | None = None,
    ) -> list[StatementMatch]:
        """Layer nodes (situations, principles, episodes, ...) whose text matches ``text``;
        with ``source``, only those recorded by it (``"feedback"``: the feedback episodes)."""
        ...

    def save_answer(self, answer: AnswerRecord, cited_ids: Sequence[str]) -> None:
        """Store an answer node with ``CITES`` links to the nodes it cites, in one transaction.

        Raises:
            InvalidInput: a cited node does not exist (nothing is written).
        """
        ...

    def get_answer(self, answer_id: str) -> AnswerRecord:
        """A stored answer.

        Raises:
            NotFound: no answer has this id.
        """
        ...

    # -- curation (issue 6: review queue, decisions, undo, pruning, analytics) -----------------
    def relationships_of(
        self, node_ids: Sequence[str], rel_types: Sequence[str] | None = None
    ) -> list[RelView]:
        """Every relationship touching these nodes (either direction, optionally of these
        types), with exact properties, ordered by id."""
        ...

    def apply_patch(
        self, patch: GraphPatch, decisions: Sequence[DecisionRecord] = ()
    ) -> PatchSummary:
        """Apply exact element changes and store the decisions that made them (each linked to
        its target by ``DECIDED``), in one transaction, all or nothing.

        Raises:
            Conflict: an element is not as ``patch`` expects (see :class:`GraphPatch`);
                nothing is written.
            NotFound: a decision's target does not exist after the patch.
        """
        ...

    def assertion_summaries(
        self, statuses: Sequence[Status], labels: Sequence[Label] = STATEMENT_LABELS
    ) -> list[AssertionSummary]:
        """Layer nodes of these labels with one of these statuses, with their evidence,
        entities, citations and links, ordered by id."""
        ...

    def entity_summaries(self, statuses: Sequence[Status]) -> list[EntitySummary]:
        """Entities with one of these statuses, with their live relations, neighbours,
        assertions, mentions and citations, ordered by id."""
        ...

    def export_subgraph(
        self,
        labels: Sequence[Label],
        rel_types: Sequence[str],
        *,
        statuses: Sequence[Status] = DEFAULT_STATUSES,
        entity_statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES,
    ) -> Subgraph:
        """Every node of these labels that passes the status filters (entities by
        ``entity_statuses``, layer nodes by ``statuses``, nodes without status always) and
        every relationship of these types between two of them whose status (if any) is in
        ``statuses``; sorted by id. The analytics projection reads the graph through this."""
        ...

    # -- feedback (issue 8: learning from feedback) ---------------------------------------------
    def list_all_feedback(self) -> list[FeedbackRecord]:
        """Every stored feedback on any answer, oldest first (by ``created_at``, then id)."""
        ...


# -- engine: models of the operations above --------------------------------------------------------
class StatementMatch(_Frozen):
    """A statement found by words: the node, a 0-100 score and the query terms it matched."""

    node: NodeView
    score: float
    matched: tuple[str, ...]
