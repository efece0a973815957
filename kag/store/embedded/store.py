"""The embedded backend: an in-process graph kept durable in SQLite (WAL).

Every write is one SQLite transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``, synchronous=FULL), so
a crash mid-write loses nothing committed and leaves nothing half-written. The in-memory graph is
a read model rebuilt from SQLite on open and whenever another connection (another process) has
committed since (``PRAGMA data_version``).
"""

from __future__ import annotations

import gc
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from graph_schema import (
    AssertionKind,
    GraphSchema,
    Label,
    RelType,
    SchemaViolation,
    Status,
    schema_version,
)
from graph_schema.model import rel_id
from graph_schema.properties import AnswerRecord, DecisionRecord, FeedbackRecord
from kag.errors import Conflict, InvalidInput, NotFound, StoreUnavailable
from kag.store.base import (
    DEFAULT_ENTITY_STATUSES,
    DEFAULT_STATUSES,
    STATEMENT_LABELS,
    AggregateRow,
    DocumentPage,
    EntityMatch,
    EvidenceSpan,
    GraphPath,
    NodeView,
    ObservationQuery,
    PassageView,
    RelView,
    ReplaceSummary,
    StatementMatch,
    StoreCounts,
    Subgraph,
    WriteBatch,
    WriteSummary,
)
from kag.store.batch_check import check_batch
from kag.store.bulk import write_in_order
from kag.store.embedded import catalogue, curation, sql
from kag.store.embedded.aggregate import aggregate_observations
from kag.store.embedded.documents import DocumentRetirer
from kag.store.embedded.memgraph import MemGraph, Rel
from kag.store.entity_lookup import CANDIDATE_LIMIT, TokenIndex, rank_entity_props
from kag.store.patch import AssertionSummary, EntitySummary, GraphPatch, PatchSummary
from kag.store.statement_lookup import (
    StatementIndex,
    is_statement,
    rank_statements,
    statement_source,
    statement_terms,
)
from kag.store.traversal import breadth_first, path_sort_key
from kag.store.views import node_passes, node_view, rel_passes, rel_view
from kag.store.write_plan import NodeUpsert, RelUpsert, plan_writes

if TYPE_CHECKING:
    from kag.plan import PlanResult, QueryPlan

logger = logging.getLogger(__name__)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a write.

    A write allocates hundreds of thousands of small, acyclic dicts next to a large, long-lived
    read model; each automatic collection rescans that model, which measured ~40% of bulk-write
    time. Reference counting still frees everything; collection resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class EmbeddedStore:
    """A durable, single-machine graph store with the same contract as :class:`Neo4jStore`."""

    backend = "embedded"

    def __init__(self, path: Path | str, schema: GraphSchema) -> None:
        self.schema = schema
        self._path = Path(path)
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self._path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            # A large page cache: ids are hashes, so inserts land all over the B-trees.
            self._conn.execute("PRAGMA cache_size=-262144")
            self._conn.execute(sql.CREATE_META)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(
                f"cannot open the embedded store at {self._path}: {exc}; check that the "
                "directory is writable or set KAG_STORE=embedded:<another path>"
            ) from exc
        self._lock = threading.RLock()
        self._graph = MemGraph()
        self._entities = TokenIndex()
        self._data_version = -1
        self._statements: StatementIndex | None = None  # built on the first statement search
        self._revision = 0  # bumped by every commit and every reload (see revision())
        self._statements_of: MemGraph | None = None
        self._refresh()

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def location(self) -> str:
        """The SQLite file path."""
        return f"embedded:{self._path}"

    def close(self) -> None:
        """Close the SQLite connection."""
        with self._lock:
            self._conn.close()

    def _refresh(self) -> None:
        """Reload the read model if another connection committed since we last looked."""
        version = int(self._conn.execute(sql.DATA_VERSION).fetchone()[0])
        if version == self._data_version:
            return
        tables = {row[0] for row in self._conn.execute(sql.SELECT_TABLES)}
        graph = MemGraph()
        entities = TokenIndex()
        if "nodes" in tables:
            for node_id, label, props in self._conn.execute(sql.SELECT_NODES):
                lab = Label(label)
                data = orjson.loads(props)
                graph.set_node(node_id, lab, data)
                if lab is Label.ENTITY:
                    entities.add(node_id, data)
            for rid, rtype, src, dst, props in self._conn.execute(sql.SELECT_RELS):
                graph.set_rel(Rel(rid, rtype, src, dst, orjson.loads(props)))
        self._graph = graph
        self._entities = entities
        self._data_version = version
        self._revision += 1
        logger.debug("embedded store loaded", extra={"nodes": len(graph)})

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _gc_paused():
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"embedded store {self._path} is locked: {exc}") from exc
            try:
                self._refresh()
                yield self._conn
                self._conn.execute("COMMIT")
                self._revision += 1
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._data_version = -1  # the read model may hold uncommitted changes
                self._refresh()
                raise

    @contextmanager
    def deferred_search_refresh(self) -> Iterator[None]:
        """Nothing to defer: the in-memory search indexes are updated with every commit."""
        yield

    def revision(self) -> str:
        """Changes whenever the graph does: this process's commits, and another process's
        (seen through SQLite's data version)."""
        with self._lock:
            self._refresh()
            return f"{self._path}#{self._revision}"

    # -- schema --------------------------------------------------------------------------------
    def schema_version(self) -> int:
        """The schema version recorded in the store (0 when never migrated)."""
        with self._lock:
            row = self._conn.execute(sql.SELECT_META, ("schema_version",)).fetchone()
        return int(row[0]) if row else 0

    def is_empty(self) -> bool:
        """Whether the store holds no node at all."""
        with self._lock:
            self._refresh()
            return len(self._graph) == 0

    def apply_schema(self) -> list[int]:
        """Apply pending migrations, each in its own transaction; returns versions applied."""
        applied: list[int] = []
        current = self.schema_version()
        for version in range(current + 1, schema_version() + 1):
            with self._transaction() as conn:
                for statement in sql.MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute(sql.UPSERT_META, ("schema_version", str(version)))
            applied.append(version)
        return applied

    # -- writes --------------------------------------------------------------------------------
    def write(self, batch: WriteBatch) -> WriteSummary:
        """Upsert a batch in one transaction (all or nothing)."""
        with _gc_paused():
            return self._write(batch)

    def write_many(self, batches: Iterable[WriteBatch]) -> WriteSummary:
        """Upsert batches in order, one transaction each (planning ahead would only contend for
        the interpreter lock with the in-process writes, so batches are taken one by one)."""
        with _gc_paused():
            return write_in_order(batches, lambda b: b, self._write, ahead=False)

    def _write(self, batch: WriteBatch) -> WriteSummary:
        check_batch(self.schema, batch)
        node_ups, rel_ups = plan_writes(batch)
        with self._transaction() as conn:
            return self._write_planned(conn, node_ups, rel_ups)

    def _write_planned(
        self, conn: sqlite3.Connection, node_ups: list[NodeUpsert], rel_ups: list[RelUpsert]
    ) -> WriteSummary:
        """The body of :meth:`write`, inside a transaction the caller holds."""
        node_rows = self._merge_nodes(node_ups)
        rel_rows = self._merge_rels(rel_ups, {n.id for n in node_ups})
        conn.executemany(
            sql.UPSERT_NODE, [(i, lab.value, orjson.dumps(p)) for i, lab, p in node_rows]
        )
        conn.executemany(
            sql.UPSERT_REL, [(i, t, s, d, orjson.dumps(p)) for i, t, s, d, p in rel_rows]
        )
        self._apply(node_rows, rel_rows)
        return WriteSummary(nodes=len(node_ups), relationships=len(rel_ups))

    def _merge_nodes(self, ups: Sequence[NodeUpsert]) -> list[tuple[str, Label, dict[str, Any]]]:
        merged: dict[str, tuple[str, Label, dict[str, Any]]] = {}
        for up in ups:
            current = merged.get(up.id)
            existing = current[2] if current else self._node_props(up.id)
            props = {**existing, **up.props} if existing is not None else dict(up.create)
            merged[up.id] = (up.id, up.label, props)
        return list(merged.values())

    def _merge_rels(
        self, ups: Sequence[RelUpsert], new_nodes: set[str]
    ) -> list[tuple[str, str, str, str, dict[str, Any]]]:
        merged: dict[str, tuple[str, str, str, str, dict[str, Any]]] = {}
        graph = self._graph
        for up in ups:
            for end in (up.source_id, up.target_id):
                if end not in new_nodes and end not in graph:
                    raise InvalidInput(
                        f"write refused, nothing was written: {up.type} relationship {up.id} "
                        f"refers to node {end!r}, which does not exist"
                    )
            current = merged.get(up.id)
            if current is not None:
                existing: dict[str, Any] | None = current[4]
            else:
                old = graph.rels.get(up.id)
                same = old is not None and (old.source, old.target) == (up.source_id, up.target_id)
                existing = old.props if old is not None and same else None
            props = {**existing, **up.props} if existing is not None else dict(up.create)
            merged[up.id] = (up.id, up.type, up.source_id, up.target_id, props)
        return list(merged.values())

    def _node_props(self, node_id: str) -> dict[str, Any] | None:
        props = self._graph.props.get(node_id)
        return dict(props) if props is not None else None

    def _apply(
        self,
        node_rows: Sequence[tuple[str, Label, dict[str, Any]]],
        rel_rows: Sequence[tuple[str, str, str, str, dict[str, Any]]],
    ) -> None:
        graph = self._graph
        self._index_statements(node_rows)
        for node_id, label, props in node_rows:
            if label is Label.ENTITY:
                old = graph.props.get(node_id)
                if old is not None:
                    self._entities.remove(node_id, old)
                self._entities.add(node_id, props)
            graph.set_node(node_id, label, props)
        for rid, rtype, src, dst, props in rel_rows:
            graph.set_rel(Rel(rid, rtype, src, dst, props))

    def set_status(self, ids: Sequence[str], status: Status) -> int:
        """Set the status of nodes (and of the typed relationship mirroring a relation)."""
        with self._transaction() as conn:
            return self._set_status(conn, ids, status)

    def _set_status(self, conn: sqlite3.Connection, ids: Sequence[str], status: Status) -> int:
        changed = 0
        for node_id in ids:
            props = self._node_props(node_id)
            if props is None:
                continue
            props["status"] = status.value
            conn.execute(sql.UPDATE_NODE_PROPS, (orjson.dumps(props), node_id))
            self._graph.props[node_id] = props
            changed += 1
            rel = self._graph.rels.get(node_id)  # the typed relationship mirroring a relation
            if rel is not None and props.get("kind") == AssertionKind.RELATION.value:
                rel.props = {**rel.props, "status": status.value}
                conn.execute(sql.UPDATE_REL_PROPS, (orjson.dumps(rel.props), node_id))
        return changed

    def record_decision(
        self, decision: DecisionRecord, status_changes: Mapping[str, Status]
    ) -> None:
        """Store a decision node linked to its target and apply status changes, atomically."""
        with self._transaction() as conn:
            if decision.target_id not in self._graph:
                raise NotFound(f"cannot record a decision on {decision.target_id!r}: no such node")
            props = decision.props()
            decided = rel_id(RelType.DECIDED.value, decision.id, decision.target_id)
            node_rows = [(decision.id, Label.DECISION, props)]
            rel_rows = [
                (decided, RelType.DECIDED.value, decision.id, decision.target_id, {"id": decided})
            ]
            conn.executemany(
                sql.UPSERT_NODE, [(i, lab.value, orjson.dumps(p)) for i, lab, p in node_rows]
            )
            conn.executemany(
                sql.UPSERT_REL, [(i, t, s, d, orjson.dumps(p)) for i, t, s, d, p in rel_rows]
            )
            self._apply(node_rows, rel_rows)
            for status in set(status_changes.values()):
                ids = [i for i, s in status_changes.items() if s is status]
                self._set_status(conn, ids, status)

    # -- reads ---------------------------------------------------------------------------------
    def _view(self, node_id: str) -> NodeView:
        return node_view(node_id, self._graph.labels[node_id], self._graph.props[node_id])

    def get_nodes(self, ids: Sequence[str]) -> list[NodeView]:
        """Nodes by id, in the given order; unknown ids are left out."""
        with self._lock:
            self._refresh()
            return [self._view(i) for i in dict.fromkeys(ids) if i in self._graph]

    def find_entities_many(
        self,
        texts: Sequence[str],
        *,
        limit: int = 10,
        min_score: float = 80.0,
        types: Sequence[str] | None = None,
        statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES,
    ) -> dict[str, list[EntityMatch]]:
        """``find_entities`` for each distinct text (in process: no round trips to save)."""
        return {
            text: self.find_entities(
                text, limit=limit, min_score=min_score, types=types, statuses=statuses
            )
            for text in dict.fromkeys(texts)
        }

    def find_entities(
        self,
        text: str,
        *,
        limit: int = 10,
        min_score: float = 80.0,
        types: Sequence[str] | None = None,
        statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES,
    ) -> list[EntityMatch]:
        """Entities by exact name/alias, then fuzzy (token candidates, rapidfuzz ranking)."""
        with self._lock:
            self._refresh()
            ids = self._entities.candidates(text, limit=CANDIDATE_LIMIT)
            props = self._graph.props
            ranked = rank_entity_props(
                text,
                ((i, props[i]) for i in sorted(ids) if i in self._graph),
                limit=limit,
                min_score=min_score,
                types=types,
                statuses=statuses,
            )
            return [
                EntityMatch(
                    entity=self._view(r.id), matched=r.matched, score=r.score, exact=r.exact
                )
                for r in ranked
            ]

    @staticmethod
    def _rel_view(rel: Rel) -> RelView:
        return rel_view(rel.id, rel.type, rel.source, rel.target, rel.props)

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
        """Nodes within ``hops`` of the seeds over ``rel_types`` (default: ontology relations)."""
        types = set(rel_types) if rel_types is not None else set(self.schema.relation_types)

        def expand(frontier: Sequence[str]) -> list[tuple[RelView, NodeView]]:
            found: list[tuple[RelView, NodeView]] = []
            for node_id in frontier:
                for stored in self._graph.rels_of(node_id):
                    if stored.type not in types:
                        continue
                    rel = self._rel_view(stored)
                    other = self._view(stored.target if stored.source == node_id else stored.source)
                    if rel_passes(rel, statuses) and node_passes(other, statuses, entity_statuses):
                        found.append((rel, other))
            return found

        with self._lock:
            self._refresh()
            seeds = [self._view(i) for i in dict.fromkeys(seed_ids) if i in self._graph]
            seeds = [s for s in seeds if node_passes(s, statuses, entity_statuses)]
            return breadth_first(seeds, hops, expand, limit)

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
        """Simple paths between two nodes, shortest first, then by relationship ids."""
        types = set(rel_types) if rel_types is not None else set(self.schema.relation_types)
        with self._lock:
            self._refresh()
            if source_id not in self._graph or target_id not in self._graph:
                return []
            views: dict[str, NodeView] = {}

            def view(node_id: str) -> NodeView:
                if node_id not in views:
                    views[node_id] = self._view(node_id)
                return views[node_id]

            if not (
                node_passes(view(source_id), statuses, entity_statuses)
                and node_passes(view(target_id), statuses, entity_statuses)
            ):
                return []
            paths: list[GraphPath] = []
            stack: list[tuple[list[str], list[RelView]]] = [([source_id], [])]
            while stack:
                node_ids, rels = stack.pop()
                current = node_ids[-1]
                for stored in self._graph.rels_of(current):
                    if stored.type not in types:
                        continue
                    other = stored.target if stored.source == current else stored.source
                    if other in node_ids:
                        continue
                    rel = self._rel_view(stored)
                    if not rel_passes(rel, statuses):
                        continue
                    if other == target_id:
                        paths.append(
                            GraphPath(
                                nodes=tuple(view(n) for n in [*node_ids, other]),
                                relationships=(*rels, rel),
                            )
                        )
                    elif len(rels) + 1 < max_hops and node_passes(
                        view(other), statuses, entity_statuses
                    ):
                        stack.append(([*node_ids, other], [*rels, rel]))
        paths.sort(key=path_sort_key)
        return paths[:limit]

    def evidence(self, assertion_ids: Sequence[str]) -> dict[str, list[EvidenceSpan]]:
        """Evidence spans per assertion, ordered by document source, version and offset."""
        out: dict[str, list[EvidenceSpan]] = {}
        with self._lock:
            self._refresh()
            for aid in dict.fromkeys(assertion_ids):
                if aid not in self._graph:
                    continue
                spans: list[EvidenceSpan] = []
                for stored in self._graph.out_rels(aid):
                    if stored.type != RelType.EVIDENCED_BY.value:
                        continue
                    p = stored.props
                    chunk_id = stored.target
                    chunk = self._graph.props[chunk_id]
                    doc = self._graph.props.get(p["document_id"], {})
                    spans.append(
                        EvidenceSpan(
                            id=stored.id,
                            assertion_id=aid,
                            document_id=p["document_id"],
                            document_source=doc.get("source", ""),
                            document_title=doc.get("title", ""),
                            version=int(chunk["version"]),
                            chunk_id=chunk_id,
                            start=p["start"],
                            end=p["end"],
                            quote=p["quote"],
                            extractor=p["extractor"],
                        )
                    )
                spans.sort(key=lambda s: (s.document_source, s.version, s.start, s.id))
                out[aid] = spans
        return out

    def aggregate(self, query: ObservationQuery) -> list[AggregateRow]:
        """Aggregate observations by entity/period and unit."""
        with self._lock:
            self._refresh()
            rows = [
                self._graph.props[node_id]
                for node_id in self._graph.nodes_with(Label.KNOWLEDGE)
                if self._graph.props[node_id].get("kind") == AssertionKind.OBSERVATION.value
            ]
        return aggregate_observations(rows, query)

    def counts(self) -> StoreCounts:
        """Counts per label, relationship type and assertion status."""
        nodes: dict[str, int] = {}
        rels: dict[str, int] = {}
        statuses: dict[str, int] = {}
        layers = {layer.value for layer in self.schema.layer_labels()}
        with self._lock:
            self._refresh()
            for node_id, lab in self._graph.labels.items():
                label = lab.value
                nodes[label] = nodes.get(label, 0) + 1
                if label in layers:
                    status = self._graph.props[node_id].get("status", "")
                    statuses[status] = statuses.get(status, 0) + 1
            for rel in self._graph.rels.values():
                rels[rel.type] = rels.get(rel.type, 0) + 1
        return StoreCounts(
            backend=self.backend,
            location=self.location,
            schema_version=self.schema_version(),
            code_schema_version=schema_version(),
            ontology=self.schema.ontology.id,
            nodes=dict(sorted(nodes.items())),
            relationships=dict(sorted(rels.items())),
            statuses=dict(sorted(statuses.items())),
        )

    # -- ingestion support (issue 4: documents, versions, resolution inputs) ------------------
    def list_entities(self) -> list[NodeView]:
        """Every entity, whatever its status, ordered by id."""
        with self._lock:
            self._refresh()
            return [self._view(i) for i in sorted(self._graph.nodes_with(Label.ENTITY))]

    def assertions_by_fingerprint(self, fingerprints: Sequence[str]) -> list[NodeView]:
        """Layer nodes with one of these fingerprints, any status, ordered by id."""
        layers = self.schema.layer_labels()
        with self._lock:
            self._refresh()
            index = self._graph.by_fingerprint
            ids = {i for fp in set(fingerprints) for i in index.get(fp, ())}
            return [self._view(i) for i in sorted(ids) if self._graph.labels[i] in layers]

    def list_decisions(self, actions: Sequence[str]) -> list[NodeView]:
        """Decisions with one of these actions, ordered by ``created_at`` then id."""
        wanted = set(actions)
        with self._lock:
            self._refresh()
            views = [
                self._view(i)
                for i in self._graph.nodes_with(Label.DECISION)
                if self._graph.props[i].get("action") in wanted
            ]
        views.sort(key=lambda v: (str(v.props.get("created_at", "")), v.id))
        return views

    def list_statements(
        self, layers: Sequence[Label], statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES
    ) -> list[NodeView]:
        """Statements of these layers with one of these statuses, ordered by id."""
        wanted = {s.value for s in statuses}
        with self._lock:
            self._refresh()
            ids = [
                node_id
                for layer in set(layers)
                for node_id in self._graph.nodes_with(layer)
                if self._graph.props[node_id].get("kind") == AssertionKind.STATEMENT.value
                and self._graph.props[node_id].get("status") in wanted
            ]
            return [self._view(i) for i in sorted(ids)]

    def replace_document(self, batch: WriteBatch, document_id: str, version: int) -> ReplaceSummary:
        """Write a document version and retire its older versions in one transaction."""
        check_batch(self.schema, batch)
        node_ups, rel_ups = plan_writes(batch)
        with _gc_paused(), self._transaction() as conn:
            written = self._write_planned(conn, node_ups, rel_ups)
            retirer = DocumentRetirer(conn, self._graph, self._set_status)
            return retirer.retire(batch, document_id, version, written)

    # -- API support (issue 7: document catalogue, feedback) ------------------------------------
    def list_documents(
        self, *, ids: Sequence[str] | None = None, offset: int = 0, limit: int = 100
    ) -> DocumentPage:
        """A page of documents ordered by source, with live chunk and assertion counts."""
        with self._lock:
            self._refresh()
            return catalogue.list_documents(
                self._graph, self._view, ids=ids, offset=max(offset, 0), limit=limit
            )

    def list_passages(self, *, after: str | None = None, limit: int = 1000) -> list[PassageView]:
        """Live chunks ordered by id, with their document and mentioned entities."""
        with self._lock:
            self._refresh()
            return catalogue.list_passages(self._graph, after=after, limit=limit)

    def passages_stamp(self) -> str:
        """The store's revision (exact and free here: any commit changes it)."""
        return self.revision()

    def record_feedback(self, feedback: FeedbackRecord) -> None:
        """Store a feedback node and its ``FEEDBACK_ON`` link in one transaction."""
        on = RelType.FEEDBACK_ON.value
        with self._transaction() as conn:
            if self._graph.labels.get(feedback.answer_id) is not Label.ANSWER:
                raise NotFound(
                    f"no answer has id {feedback.answer_id!r}; feedback goes on a stored answer"
                )
            if feedback.id in self._graph:
                raise Conflict(f"feedback {feedback.id} exists already; it is never overwritten")
            rid = rel_id(on, feedback.id, feedback.answer_id)
            node_rows = [(feedback.id, Label.FEEDBACK, feedback.props())]
            rel_rows = [(rid, on, feedback.id, feedback.answer_id, {"id": rid})]
            conn.executemany(
                sql.UPSERT_NODE, [(i, lab.value, orjson.dumps(p)) for i, lab, p in node_rows]
            )
            conn.executemany(
                sql.UPSERT_REL, [(i, t, s, d, orjson.dumps(p)) for i, t, s, d, p in rel_rows]
            )
            self._apply(node_rows, rel_rows)

    def list_feedback(self, answer_id: str) -> list[FeedbackRecord]:
        """Feedback on an answer, oldest first."""
        on = RelType.FEEDBACK_ON.value
        with self._lock:
            self._refresh()
            found = [
                FeedbackRecord.from_props(self._graph.props[rel.source])
                for rel in self._graph.in_rels(answer_id)
                if rel.type == on
            ]
        return sorted(found, key=lambda f: (f.created_at, f.id))

    # -- engine: query plans, statement search, answers ------------------------------------------
    def execute_plan(self, plan: QueryPlan, *, timeout_s: float | None = None) -> PlanResult:
        """Run a query plan natively on the read model."""
        # Imported here: kag.plan builds on kag.store's views, so a module-level import would
        # make importing either package first a cycle.
        from kag.plan.executor import execute

        deadline = time.monotonic() + timeout_s if timeout_s is not None else None
        with self._lock:
            self._refresh()
            return execute(plan, self._graph, self.schema, deadline=deadline)

    def _statement_index(self) -> StatementIndex:
        if self._statements is None or self._statements_of is not self._graph:
            index = StatementIndex()
            for node_id, label in self._graph.labels.items():
                props = self._graph.props[node_id]
                if is_statement(label, props):
                    index.add(node_id, label, props["text"], statement_source(props))
            self._statements, self._statements_of = index, self._graph
        return self._statements

    def _index_statements(self, node_rows: Sequence[tuple[str, Label, dict[str, Any]]]) -> None:
        """Keep a built statement index in step with written nodes (before they are applied)."""
        index = self._statements
        if index is None or self._statements_of is not self._graph:
            return
        for node_id, label, props in node_rows:
            old = self._graph.props.get(node_id)
            if old is not None and is_statement(self._graph.labels[node_id], old):
                index.remove(
                    node_id, self._graph.labels[node_id], old["text"], statement_source(old)
                )
            if is_statement(label, props):
                index.add(node_id, label, props["text"], statement_source(props))

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
        """Layer nodes whose text matches ``text`` (token index candidates, shared ranking)."""
        terms = statement_terms(text)
        if not terms:
            return []
        with self._lock:
            self._refresh()
            ids = self._statement_index().scoring(terms, labels, min_score, source)
            graph = self._graph
            candidates = [(i, graph.labels[i], graph.props[i]) for i in sorted(ids) if i in graph]
            return rank_statements(
                text,
                candidates,
                labels=labels,
                statuses=statuses,
                limit=limit,
                min_score=min_score,
            )

    def save_answer(self, answer: AnswerRecord, cited_ids: Sequence[str]) -> None:
        """Store an answer node and its ``CITES`` links in one transaction."""
        cites = RelType.CITES.value
        with self._transaction() as conn:
            rel_rows: list[tuple[str, str, str, str, dict[str, Any]]] = []
            for target in dict.fromkeys(cited_ids):
                if target not in self._graph:
                    raise InvalidInput(
                        f"answer {answer.id} not stored: it cites {target!r}, which does not exist"
                    )
                try:
                    self.schema.check_pattern(Label.ANSWER, cites, self._graph.labels[target])
                except SchemaViolation as exc:
                    raise InvalidInput(f"answer {answer.id} not stored: {exc}") from exc
                rid = rel_id(cites, answer.id, target)
                rel_rows.append((rid, cites, answer.id, target, {"id": rid}))
            node_rows = [(answer.id, Label.ANSWER, answer.props())]
            conn.executemany(
                sql.UPSERT_NODE, [(i, lab.value, orjson.dumps(p)) for i, lab, p in node_rows]
            )
            conn.executemany(
                sql.UPSERT_REL, [(i, t, s, d, orjson.dumps(p)) for i, t, s, d, p in rel_rows]
            )
            self._apply(node_rows, rel_rows)

    def get_answer(self, answer_id: str) -> AnswerRecord:
        """A stored answer, or :class:`NotFound`."""
        with self._lock:
            self._refresh()
            props = self._graph.props.get(answer_id)
            label = self._graph.labels.get(answer_id)
        if props is None or label is not Label.ANSWER:
            raise NotFound(f"no answer with id {answer_id!r}; answer ids start with 'ans_'")
        return AnswerRecord.model_validate(props)

    # -- curation (issue 6: review queue, decisions, undo, pruning, analytics) -----------------
    def relationships_of(
        self, node_ids: Sequence[str], rel_types: Sequence[str] | None = None
    ) -> list[RelView]:
        """Relationships touching these nodes (optionally of these types), ordered by id."""
        with self._lock:
            self._refresh()
            return curation.relationships_of(self._graph, node_ids, rel_types)

    def apply_patch(
        self, patch: GraphPatch, decisions: Sequence[DecisionRecord] = ()
    ) -> PatchSummary:
        """Check and apply exact element changes plus their decisions in one transaction."""
        with self._transaction() as conn:
            writer = curation.PatchWriter(
                conn, self._graph, self.schema, self._write_rows, self._forget_node
            )
            writer.check(patch)
            summary = writer.apply(patch)
            writer.store_decisions(decisions)
        return summary.model_copy(update={"decisions": len(decisions)})

    def _write_rows(
        self,
        conn: sqlite3.Connection,
        node_rows: Sequence[tuple[str, Label, dict[str, Any]]],
        rel_rows: Sequence[tuple[str, str, str, str, dict[str, Any]]],
    ) -> None:
        conn.executemany(
            sql.UPSERT_NODE, [(i, lab.value, orjson.dumps(p)) for i, lab, p in node_rows]
        )
        conn.executemany(
            sql.UPSERT_REL, [(i, t, s, d, orjson.dumps(p)) for i, t, s, d, p in rel_rows]
        )
        self._apply(node_rows, rel_rows)

    def _forget_node(self, node_id: str) -> None:
        """Drop a node about to be deleted from the lookup indexes."""
        if self._graph.labels.get(node_id) is Label.ENTITY:
            self._entities.remove(node_id, self._graph.props[node_id])
        self._statements = None  # rebuilt on the next statement search

    def assertion_summaries(
        self, statuses: Sequence[Status], labels: Sequence[Label] = STATEMENT_LABELS
    ) -> list[AssertionSummary]:
        """Layer nodes with their evidence, entities, citations and links, ordered by id."""
        with self._lock:
            self._refresh()
            return curation.assertion_summaries(self._graph, statuses, labels)

    def entity_summaries(self, statuses: Sequence[Status]) -> list[EntitySummary]:
        """Entities with their live relations, neighbours, assertions and mentions."""
        with self._lock:
            self._refresh()
            return curation.entity_summaries(self._graph, statuses, self.schema.is_relation_type)

    def export_subgraph(
        self,
        labels: Sequence[Label],
        rel_types: Sequence[str],
        *,
        statuses: Sequence[Status] = DEFAULT_STATUSES,
        entity_statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES,
    ) -> Subgraph:
        """Nodes passing the status filters and the relationships between them, by id."""
        with self._lock:
            self._refresh()
            return curation.export_subgraph(
                self._graph, labels, rel_types, statuses, entity_statuses
            )

    # -- feedback (issue 8: learning from feedback) ---------------------------------------------
    def list_all_feedback(self) -> list[FeedbackRecord]:
        """Every feedback, oldest first."""
        with self._lock:
            self._refresh()
            found = [
                FeedbackRecord.from_props(self._graph.props[node_id])
                for node_id, label in self._graph.labels.items()
                if label is Label.FEEDBACK
            ]
        return sorted(found, key=lambda f: (f.created_at, f.id))
