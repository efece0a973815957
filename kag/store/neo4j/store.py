"""The Neo4j backend: the official driver, UNWIND batches, READ routing, bookmarks.

Works unchanged against a single server (``bolt://``), a cluster or Aura (``neo4j://``,
``neo4j+s://``): writes run in managed write transactions (retried by the driver on transient
errors), reads with READ routing, and all of them share the driver's bookmark manager so a read
sees the writes made before it (read-your-writes across cluster members).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import neo4j
from neo4j import GraphDatabase, ManagedTransaction, RoutingControl
from neo4j import exceptions as neo4j_errors

from graph_schema import (
    GraphSchema,
    Label,
    RelType,
    SchemaViolation,
    Status,
    label_of,
    migrations,
    rel_id,
    schema_version,
)
from graph_schema.model import normalise_name
from graph_schema.properties import AnswerRecord, DecisionRecord, FeedbackRecord, utc_now
from kag.errors import BudgetExceeded, Conflict, InvalidInput, NotFound, StoreUnavailable
from kag.settings import Neo4jSettings
from kag.store.base import (
    DEFAULT_ENTITY_STATUSES,
    DEFAULT_STATUSES,
    STATEMENT_LABELS,
    AggregateRow,
    DocumentPage,
    DocumentSummary,
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
from kag.store.entity_lookup import CANDIDATE_LIMIT, query_terms, rank_entity_props
from kag.store.neo4j import retire
from kag.store.neo4j.patching import PatchWork
from kag.store.neo4j.queries import catalogue, curation, documents, engine, read, schema, write
from kag.store.neo4j.queries import feedback as queries_feedback
from kag.store.patch import AssertionSummary, EntitySummary, GraphPatch, PatchSummary
from kag.store.statement_lookup import lucene_prefix_query, rank_statements, statement_terms
from kag.store.traversal import breadth_first
from kag.store.views import label_for, node_passes, node_view, rel_passes, rel_view
from kag.store.write_plan import NodeUpsert, RelUpsert, plan_writes

if TYPE_CHECKING:
    from kag.plan import PlanResult, QueryPlan

logger = logging.getLogger(__name__)

T = TypeVar("T")
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')
_STATEMENT_CANDIDATES = 1000


def _lucene_query(text: str) -> str:
    """The full-text query for :func:`~kag.store.entity_lookup.query_terms`."""
    parts: list[str] = []
    for term in query_terms(text):
        escaped = _LUCENE_SPECIAL.sub(r"\\\1", term.text)
        parts.append(escaped)
        if term.fuzzy:
            parts.append(f"{escaped}~1")
        if term.prefix:
            parts.append(f"{escaped}*")
    return " OR ".join(parts)


@dataclass(frozen=True)
class CapturedQuery:
    """A read query as sent (see :meth:`Neo4jStore.capture_reads`)."""

    query: str
    params: dict[str, Any]


_CAPTURE: ContextVar[list[CapturedQuery] | None] = ContextVar("kag_neo4j_capture", default=None)


def _record(query: str, params: Mapping[str, Any]) -> None:
    """Add a read query to the capture open in this context, if any."""
    captured = _CAPTURE.get()
    if captured is not None:
        captured.append(CapturedQuery(query, dict(params)))


def _labels_of(ids: Iterable[str]) -> frozenset[Label]:
    """The labels these ids tell (every node id is minted with its label's prefix; an id of no
    label cannot be in the graph)."""
    return frozenset(
        label
        for label in map(label_of, ids)
        if label is not None and label is not Label.SCHEMA_META
    )


def _node_row(n: NodeUpsert, **tag: int) -> dict[str, Any]:
    return {**tag, "id": n.id, "props": n.props, "extra": n.extra}


def _rel_row(r: RelUpsert, **tag: int) -> dict[str, Any]:
    return {
        **tag,
        "id": r.id,
        "src": r.source_id,
        "dst": r.target_id,
        "props": r.props,
        "extra": r.extra,
    }


def _refused(missing: int, rtype: str, src: Label, dst: Label) -> InvalidInput:
    return InvalidInput(
        f"write refused, nothing was written: {missing} {rtype} relationship(s) refer "
        f"to {src.value}/{dst.value} nodes that do not exist"
    )


def _chunked(rows: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


class Neo4jStore:
    """A :class:`~kag.store.base.GraphStore` on Neo4j 5.x (single server, cluster or Aura)."""

    backend = "neo4j"

    def __init__(self, uri: str, settings: Neo4jSettings, schema: GraphSchema) -> None:
        self.schema = schema
        self._uri = uri
        self._database = settings.database
        self._batch = settings.write_batch_size
        self._grouped_nodes = write.upsert_nodes_grouped()
        self._grouped_rels = write.upsert_rels_grouped(schema)
        password = settings.password.get_secret_value()
        auth = (settings.user, password) if password else None
        try:
            self._driver = GraphDatabase.driver(
                uri,
                auth=auth,
                connection_timeout=settings.connection_timeout_s,
                max_transaction_retry_time=settings.max_transaction_retry_time_s,
                # Server notifications ("label does not exist yet", ...) are noise for a
                # library whose queries are fixed; they are checked in the integration tests.
                notifications_min_severity="OFF",
            )
        except (ValueError, neo4j_errors.ConfigurationError) as exc:
            raise StoreUnavailable(f"cannot use Neo4j URI {uri!r}: {exc}") from exc
        self._bookmarks = self._driver.execute_query_bookmark_manager
        self._deferring = 0
        self._deferring_lock = threading.Lock()

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def location(self) -> str:
        """The Bolt URI (never the password)."""
        return self._uri

    def close(self) -> None:
        """Close the driver and its connections."""
        self._driver.close()

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except neo4j_errors.AuthError as exc:
            raise StoreUnavailable(
                f"Neo4j at {self._uri} refused the credentials: set KAG_NEO4J__USER and "
                "KAG_NEO4J__PASSWORD"
            ) from exc
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as exc:
            raise StoreUnavailable(
                f"Neo4j is not reachable at {self._uri} ({exc.__class__.__name__}): start it "
                "with `docker compose up -d neo4j` or `make neo4j-up`, or point KAG_STORE at "
                "a running server"
            ) from exc
        except neo4j_errors.ConstraintError as exc:
            raise Conflict(f"write refused by a graph constraint: {exc.message}") from exc
        except neo4j_errors.TransientError as exc:
            # The driver already retried the transaction (deadlock, lock timeout, leader
            # switch); what escapes is the server being too busy now, not a bad request.
            raise StoreUnavailable(
                f"Neo4j at {self._uri} kept failing with a transient error after retries "
                f"({exc.code}): retry the request later"
            ) from exc

    @contextmanager
    def capture_reads(self) -> Iterator[list[CapturedQuery]]:
        """Record every read query sent from this thread (or task) inside the block, with its
        parameters: all the Cypher an operation such as ``Engine.ask`` ran, to show or replay."""
        captured: list[CapturedQuery] = []
        token = _CAPTURE.set(captured)
        try:
            yield captured
        finally:
            _CAPTURE.reset(token)

    def _read(self, query: str, **params: Any) -> list[neo4j.Record]:
        _record(query, params)
        with self._translate():
            records, _, _ = self._driver.execute_query(
                query,
                params,
                database_=self._database,
                routing_=RoutingControl.READ,
                bookmark_manager_=self._bookmarks,
            )
        return list(records)

    def _write_tx(self, work: Callable[[ManagedTransaction], T], *, passages: bool = True) -> T:
        """Run ``work`` in one write transaction (retried on transient errors). ``passages``:
        the write may change what ``list_passages`` returns, so it bumps the graph's revision
        first (``catalogue.BUMP_REVISION``; the passages stamp reads it)."""

        def run(tx: ManagedTransaction) -> T:
            if passages:
                tx.run(catalogue.BUMP_REVISION).consume()
            return work(tx)

        with (
            self._translate(),
            self._driver.session(
                database=self._database, bookmark_manager=self._bookmarks
            ) as session,
        ):
            result = session.execute_write(run)
        if not self._deferring:
            self._await_search_indexes()
        return result

    def _await_search_indexes(self) -> None:
        """Wait until the full-text indexes (eventually consistent, migration 4) have taken in
        the writes committed so far: the next entity or statement search sees them."""
        with self._translate():
            self._driver.execute_query(
                schema.AWAIT_FULLTEXT_REFRESH,
                database_=self._database,
                bookmark_manager_=self._bookmarks,
            )

    @contextmanager
    def deferred_search_refresh(self) -> Iterator[None]:
        """Writes inside the block (from any thread of this store) return without waiting for
        the full-text indexes; the block's end waits once (an ingestion run, a bulk load)."""
        with self._deferring_lock:
            self._deferring += 1
        try:
            yield
        finally:
            with self._deferring_lock:
                self._deferring -= 1
            self._await_search_indexes()

    def verify(self) -> None:
        """Check connectivity now, with a clear error if the server cannot be reached."""
        with self._translate():
            self._driver.verify_connectivity()

    def revision(self) -> str | None:
        """``None``: other clients write to the server, and it offers no cheap change counter
        (callers fall back to :meth:`counts`)."""
        return None

    # -- schema --------------------------------------------------------------------------------
    def schema_version(self) -> int:
        """The schema version recorded in the graph (0 when never migrated)."""
        records = self._read(schema.GET_SCHEMA_VERSION)
        return int(records[0]["version"]) if records else 0

    def is_empty(self) -> bool:
        """Whether the graph holds no data node."""
        records = self._read(schema.HAS_ANY_DATA)
        return not (records and records[0]["any"])

    def apply_schema(self) -> list[int]:
        """Apply pending Cypher migrations (schema statements run outside explicit txs)."""
        applied: list[int] = []
        current = self.schema_version()
        for migration in migrations():
            if migration.version <= current:
                continue
            with self._translate():
                for statement in migration.statements:
                    self._driver.execute_query(
                        statement, database_=self._database, bookmark_manager_=self._bookmarks
                    )
                self._driver.execute_query(
                    schema.SET_SCHEMA_VERSION,
                    {"version": migration.version, "updated_at": utc_now()},
                    database_=self._database,
                    bookmark_manager_=self._bookmarks,
                )
            applied.append(migration.version)
        if applied:
            with self._translate():
                self._driver.execute_query("CALL db.awaitIndexes(300)", database_=self._database)
        return applied

    # -- writes --------------------------------------------------------------------------------
    def write(self, batch: WriteBatch) -> WriteSummary:
        """Upsert a batch in one transaction (all or nothing)."""
        work, summary = self._planned_write(batch)
        self._write_tx(work)
        return summary

    def write_many(self, batches: Iterable[WriteBatch]) -> WriteSummary:
        """Upsert batches in order, one transaction each; the next batch is checked and planned
        on a helper thread while the server writes the current one."""

        def commit(
            planned: tuple[Callable[[ManagedTransaction], None], WriteSummary],
        ) -> WriteSummary:
            self._write_tx(planned[0])
            return planned[1]

        with self.deferred_search_refresh():
            return write_in_order(batches, self._planned_write, commit, ahead=True)

    def _planned_write(
        self, batch: WriteBatch
    ) -> tuple[Callable[[ManagedTransaction], None], WriteSummary]:
        """The transaction work of :meth:`write` and what it will write."""
        check_batch(self.schema, batch)
        node_ups, rel_ups = plan_writes(batch)
        node_groups: dict[Label, list[NodeUpsert]] = defaultdict(list)
        for node in node_ups:
            node_groups[node.label].append(node)
        rel_groups: dict[tuple[str, Label, Label], list[RelUpsert]] = defaultdict(list)
        for rel in rel_ups:
            rel_groups[(rel.type, rel.source_label, rel.target_label)].append(rel)

        # The rows are built here, not in the transaction: on a bulk write the next batch is
        # planned while the server works on this one (write_many). The labels and structural
        # patterns of a document go through the grouped statements (see queries.write).
        grouped_nodes = [
            _node_row(n, k=k)
            for k, label in enumerate(write.GROUPED_LABELS)
            for n in node_groups.pop(label, ())
        ]
        node_rows = [(self._grouped_nodes, rows) for rows in _chunked(grouped_nodes, self._batch)]
        node_rows += [
            (write.upsert_nodes(label), rows)
            for label, nodes in node_groups.items()
            for rows in _chunked([_node_row(n) for n in nodes], self._batch)
        ]

        grouped_rels = [
            _rel_row(r, k=k)
            for k, key in enumerate(write.GROUPED_PATTERNS)
            for r in rel_groups.pop(key, ())
        ]
        # each chunk with how many rows of each pattern it must write
        grouped_rows = [
            (rows, Counter(row["k"] for row in rows))
            for rows in _chunked(grouped_rels, self._batch)
        ]
        rel_rows = [
            (write.upsert_rels(self.schema, *key), key, rows)
            for key, rels in rel_groups.items()
            for rows in _chunked([_rel_row(r) for r in rels], self._batch)
        ]

        def work(tx: ManagedTransaction) -> None:
            for query, rows in node_rows:
                tx.run(query, rows=rows).consume()
            for rows, wanted in grouped_rows:
                written = tx.run(self._grouped_rels, rows=rows).single(strict=True)["written"]
                for k, key in enumerate(write.GROUPED_PATTERNS):
                    if written[k] != wanted[k]:
                        raise _refused(wanted[k] - written[k], *key)
            for query, (rtype, src, dst), rows in rel_rows:
                written = tx.run(query, rows=rows).single(strict=True)["written"]
                if written != len(rows):
                    raise _refused(len(rows) - written, rtype, src, dst)

        return work, WriteSummary(nodes=len(node_ups), relationships=len(rel_ups))

    def set_status(self, ids: Sequence[str], status: Status) -> int:
        """Set the status of nodes (and of the relationship mirroring a relation)."""
        return self._write_tx(lambda tx: self._set_status(tx, ids, status))

    def _set_status(self, tx: ManagedTransaction, ids: Sequence[str], status: Status) -> int:
        by_label: dict[Label, list[str]] = defaultdict(list)
        for node_id in dict.fromkeys(ids):
            by_label[label_for(node_id)].append(node_id)
        changed = 0
        for label, label_ids in by_label.items():
            record = tx.run(write.set_status(label), ids=label_ids, status=status.value).single()
            changed += int(record["changed"]) if record else 0
        return changed

    def record_decision(
        self, decision: DecisionRecord, status_changes: Mapping[str, Status]
    ) -> None:
        """Store a decision linked to its target and apply status changes in one transaction."""
        target_label = label_for(decision.target_id)
        decided = rel_id(RelType.DECIDED.value, decision.id, decision.target_id)

        def work(tx: ManagedTransaction) -> None:
            record = tx.run(
                write.create_decision(target_label),
                target_id=decision.target_id,
                decision=decision.props(),
                rel_id=decided,
            ).single()
            if not record or not record["written"]:
                raise NotFound(f"cannot record a decision on {decision.target_id!r}: no such node")
            for status in set(status_changes.values()):
                ids = [i for i, s in status_changes.items() if s is status]
                self._set_status(tx, ids, status)

        self._write_tx(work)

    # -- reads ---------------------------------------------------------------------------------
    def get_nodes(self, ids: Sequence[str]) -> list[NodeView]:
        """Nodes by id, in the given order; unknown ids are left out."""
        wanted = list(dict.fromkeys(ids))
        # An id tells its node's label (every node id is minted so): one index seek per label
        # present, and ids of no label cannot be in the graph.
        labels = _labels_of(wanted)
        if not labels:
            return []
        found = {
            r["id"]: node_view(r["id"], label_for(r["id"]), r["props"])
            for r in self._read(read.get_nodes(labels), ids=wanted)
        }
        return [found[i] for i in wanted if i in found]

    def find_entities(
        self,
        text: str,
        *,
        limit: int = 10,
        min_score: float = 80.0,
        types: Sequence[str] | None = None,
        statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES,
    ) -> list[EntityMatch]:
        """Entities by exact name/alias, then fuzzy: full-text shortlist, rapidfuzz ranking."""
        return self.find_entities_many(
            [text], limit=limit, min_score=min_score, types=types, statuses=statuses
        )[text]

    def find_entities_many(
        self,
        texts: Sequence[str],
        *,
        limit: int = 10,
        min_score: float = 80.0,
        types: Sequence[str] | None = None,
        statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES,
    ) -> dict[str, list[EntityMatch]]:
        """``find_entities`` for each distinct text, every candidate read in one round trip."""
        distinct = list(dict.fromkeys(texts))
        queries = [
            {"key": t, "norm": normalise_name(t), "lucene": _lucene_query(t)}
            for t in distinct
            if normalise_name(t)
        ]
        found: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
        if queries:
            for r in self._read(
                read.ENTITY_CANDIDATES_MANY, queries=queries, limit=CANDIDATE_LIMIT
            ):
                found[r["key"]][r["id"]] = r["props"]
        # Views are built for the ranked few only, not for every full-text candidate.
        out: dict[str, list[EntityMatch]] = {}
        for t in distinct:
            props = found[t]
            ranked = rank_entity_props(
                t,
                ((k, props[k]) for k in sorted(props)),
                limit=limit,
                min_score=min_score,
                types=types,
                statuses=statuses,
            )
            out[t] = [
                EntityMatch(
                    entity=node_view(r.id, Label.ENTITY, props[r.id]),
                    matched=r.matched,
                    score=r.score,
                    exact=r.exact,
                )
                for r in ranked
            ]
        return out

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
        """Nodes within ``hops`` of the seeds, one round trip per hop."""
        types = list(rel_types) if rel_types is not None else list(self.schema.relation_types)
        status_values = [s.value for s in statuses]

        def expand(frontier: Sequence[str]) -> list[tuple[RelView, NodeView]]:
            if not types:
                return []
            query = read.expand(self.schema, types, {label_for(i) for i in frontier})
            found: list[tuple[RelView, NodeView]] = []
            for r in self._read(query, ids=list(frontier), statuses=status_values):
                rel = rel_view(r["rid"], r["type"], r["src"], r["dst"], r["rprops"])
                other = node_view(r["mid"], label_for(r["mid"]), r["mprops"])
                if rel_passes(rel, statuses) and node_passes(other, statuses, entity_statuses):
                    found.append((rel, other))
            return found

        seeds = [s for s in self.get_nodes(seed_ids) if node_passes(s, statuses, entity_statuses)]
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
        """Simple paths of 1..max_hops, shortest first, then by relationship ids (in Cypher)."""
        types = list(rel_types) if rel_types is not None else list(self.schema.relation_types)
        if not types:
            return []
        query = read.paths_between(
            self.schema, label_for(source_id), label_for(target_id), types, max_hops
        )
        records = self._read(
            query,
            source_id=source_id,
            target_id=target_id,
            statuses=[s.value for s in statuses],
            entity_statuses=[s.value for s in entity_statuses],
            limit=limit,
        )
        return [
            GraphPath(
                nodes=tuple(node_view(n["id"], label_for(n["id"]), n["props"]) for n in r["nodes"]),
                relationships=tuple(
                    rel_view(x["id"], x["type"], x["src"], x["dst"], x["props"]) for x in r["rels"]
                ),
            )
            for r in records
        ]

    def evidence(self, assertion_ids: Sequence[str]) -> dict[str, list[EvidenceSpan]]:
        """Evidence spans per assertion, ordered by document source, version and offset."""
        wanted = list(dict.fromkeys(assertion_ids))
        labels = _labels_of(wanted)
        if not labels:
            return {}
        # One round trip: a node without evidence still gives a row (it exists).
        found: dict[str, list[EvidenceSpan]] = {}
        for r in self._read(read.evidence(labels), ids=wanted):
            spans = found.setdefault(r["assertion_id"], [])
            if r["id"] is not None:
                spans.append(EvidenceSpan.model_validate(dict(r)))
        out = {i: found[i] for i in wanted if i in found}
        for spans in out.values():
            spans.sort(key=lambda s: (s.document_source, s.version, s.start, s.id))
        return out

    def aggregate(self, query: ObservationQuery) -> list[AggregateRow]:
        """Aggregate observations in Cypher (count/sum/avg/min/max per entity, unit, period)."""
        records = self._read(
            read.AGGREGATE_OBSERVATIONS,
            statuses=[s.value for s in query.statuses],
            metric=query.metric,
            entity_ids=list(query.entity_ids) if query.entity_ids is not None else None,
            period_from=query.period_from,
            period_to=query.period_to,
            by_entity=query.by_entity,
            by_period=query.by_period,
        )
        rows = [
            AggregateRow(
                entity_id=r["entity_id"],
                metric=r["metric"],
                unit=r["unit"],
                period=r["period"],
                value=float(r[query.aggregate]),
                count=int(r["count"]),
                assertion_ids=tuple(sorted(r["ids"])),
            )
            for r in records
        ]
        rows.sort(key=lambda r: (r.entity_id or "", r.metric, r.unit, r.period or ""))
        return rows

    def counts(self) -> StoreCounts:
        """Counts per label, relationship type and assertion status."""
        nodes = {r["label"]: int(r["count"]) for r in self._read(read.COUNT_NODES)}
        rels = {r["type"]: int(r["count"]) for r in self._read(read.COUNT_RELATIONSHIPS)}
        statuses = {r["status"]: int(r["count"]) for r in self._read(read.COUNT_STATUSES)}
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
        return [
            node_view(r["id"], Label.ENTITY, r["props"])
            for r in self._read(documents.LIST_ENTITIES)
        ]

    def assertions_by_fingerprint(self, fingerprints: Sequence[str]) -> list[NodeView]:
        """Layer nodes with one of these fingerprints, any status, ordered by id."""
        wanted = sorted(set(fingerprints))
        if not wanted:
            return []
        return [
            node_view(r["id"], label_for(r["id"]), r["props"])
            for r in self._read(documents.ASSERTIONS_BY_FINGERPRINT, fingerprints=wanted)
        ]

    def list_decisions(self, actions: Sequence[str]) -> list[NodeView]:
        """Decisions with one of these actions, ordered by ``created_at`` then id."""
        return [
            node_view(r["id"], Label.DECISION, r["props"])
            for r in self._read(documents.LIST_DECISIONS, actions=sorted(set(actions)))
        ]

    def list_statements(
        self, layers: Sequence[Label], statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES
    ) -> list[NodeView]:
        """Statements of these layers with one of these statuses, ordered by id."""
        wanted = sorted({label.value for label in layers})
        if not wanted:
            return []
        return [
            node_view(r["id"], label_for(r["id"]), r["props"])
            for r in self._read(
                documents.LIST_STATEMENTS, labels=wanted, statuses=[s.value for s in statuses]
            )
        ]

    def replace_document(self, batch: WriteBatch, document_id: str, version: int) -> ReplaceSummary:
        """Write a document version and retire its older versions in one transaction."""
        upsert, written = self._planned_write(batch)
        rows = [{"id": a.id, "status": a.status.value} for a in batch.assertions]

        def work(tx: ManagedTransaction) -> ReplaceSummary:
            upsert(tx)
            return retire.retire(tx, document_id, version, retire.revive(tx, rows), written)

        return self._write_tx(work)

    # -- API support (issue 7: document catalogue, feedback) ------------------------------------
    def list_documents(
        self, *, ids: Sequence[str] | None = None, offset: int = 0, limit: int = 100
    ) -> DocumentPage:
        """A page of documents ordered by source, with live chunk and assertion counts."""
        wanted = list(dict.fromkeys(ids)) if ids is not None else None
        total = int(self._read(catalogue.COUNT_DOCUMENTS, ids=wanted)[0]["total"])
        records = (
            self._read(catalogue.PAGE_DOCUMENTS, ids=wanted, offset=max(offset, 0), limit=limit)
            if limit > 0
            else []
        )
        items = tuple(
            DocumentSummary(
                document=node_view(r["id"], Label.DOCUMENT, r["props"]),
                chunks=int(r["chunks"]),
                assertions=len(r["statuses"]),
                statuses=dict(sorted(Counter(r["statuses"]).items())),
            )
            for r in records
        )
        return DocumentPage(total=total, items=items)

    def list_passages(self, *, after: str | None = None, limit: int = 1000) -> list[PassageView]:
        """Live chunks ordered by id, with their document and mentioned entities."""
        if limit <= 0:
            return []
        records = self._read(
            catalogue.PAGE_PASSAGES,
            after=after,
            limit=limit,
            statuses=[s.value for s in DEFAULT_ENTITY_STATUSES],
        )
        return [
            PassageView(
                chunk_id=r["chunk_id"],
                document_id=r["document_id"],
                document_source=r["source"],
                document_title=r["title"],
                version=int(r["version"]),
                start=int(r["start"]),
                end=int(r["end"]),
                text=r["text"],
                entity_ids=tuple(r["entities"]),
            )
            for r in records
        ]

    def passages_stamp(self) -> str:
        """The graph's revision and the count-store counts of what passages are made of, in one
        query that reads no node but the revision's (``catalogue.PASSAGES_STAMP``)."""
        [record] = self._read(catalogue.PASSAGES_STAMP)
        return ",".join(str(v) for v in record.values())

    def record_feedback(self, feedback: FeedbackRecord) -> None:
        """Store a feedback node and its ``FEEDBACK_ON`` link in one write transaction."""
        rid = rel_id(RelType.FEEDBACK_ON.value, feedback.id, feedback.answer_id)

        def work(tx: ManagedTransaction) -> int:
            record = tx.run(
                queries_feedback.CREATE_FEEDBACK,
                answer_id=feedback.answer_id,
                feedback=feedback.props(),
                rel_id=rid,
            ).single(strict=True)
            return int(record["written"])

        if not self._write_tx(work, passages=False):
            raise NotFound(
                f"no answer has id {feedback.answer_id!r}; feedback goes on a stored answer"
            )

    def list_feedback(self, answer_id: str) -> list[FeedbackRecord]:
        """Feedback on an answer, oldest first."""
        return [
            FeedbackRecord.from_props(r["props"])
            for r in self._read(queries_feedback.LIST_FEEDBACK, answer_id=answer_id)
        ]

    # -- engine: query plans, statement search, answers ------------------------------------------
    def read_query(
        self, query: str, params: Mapping[str, Any], *, timeout_s: float | None = None
    ) -> list[dict[str, Any]]:
        """Run one query in a READ transaction (the server refuses writes in it), with an
        optional server-side timeout.

        Raises:
            BudgetExceeded: the query ran longer than ``timeout_s``.
            InvalidInput: Neo4j refused the query (syntax, a write in read mode, ...).
        """
        if timeout_s is not None and timeout_s <= 0:
            raise BudgetExceeded("no time left to run the query", cap="deadline")
        work = neo4j.Query(query, timeout=timeout_s)
        _record(query, params)
        try:
            with self._translate():
                records, _, _ = self._driver.execute_query(
                    work,
                    dict(params),
                    database_=self._database,
                    routing_=RoutingControl.READ,
                    bookmark_manager_=self._bookmarks,
                )
        except neo4j_errors.ClientError as exc:
            if "TransactionTimedOut" in (exc.code or ""):
                raise BudgetExceeded(
                    f"the query ran past its {timeout_s:.3f} s deadline; narrow the question "
                    "or raise KAG_ENGINE__DEADLINE_S",
                    cap="deadline",
                ) from exc
            raise InvalidInput(
                f"Neo4j refused the query ({exc.code}): {exc.message}", code=exc.code
            ) from exc
        return [dict(r) for r in records]

    def execute_plan(self, plan: QueryPlan, *, timeout_s: float | None = None) -> PlanResult:
        """Compile a query plan to parameterised Cypher and run it with READ routing."""
        # Imported here: kag.plan builds on kag.store's views (see the embedded backend).
        from kag.plan.compiler import compile_plan, decode

        compiled = compile_plan(plan, self.schema)
        return decode(plan, self.read_query(compiled.cypher, compiled.params, timeout_s=timeout_s))

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
        """Layer nodes whose text matches ``text``: full-text candidates (or, with ``source``,
        that source's statements, by index), shared ranking."""
        terms = statement_terms(text)
        if not terms or not labels:
            return []
        if source is not None:
            records = self._read(engine.statements_by_source(labels), source=source)
        else:
            records = self._read(
                engine.FULLTEXT_STATEMENT_CANDIDATES,
                lucene=lucene_prefix_query(terms),
                labels=[label.value for label in labels],
                limit=_STATEMENT_CANDIDATES,
            )
        candidates = [(r["id"], label_for(r["id"]), r["props"]) for r in records]
        return rank_statements(
            text, candidates, labels=labels, statuses=statuses, limit=limit, min_score=min_score
        )

    def save_answer(self, answer: AnswerRecord, cited_ids: Sequence[str]) -> None:
        """Store an answer node and its ``CITES`` links in one write transaction."""
        cites = RelType.CITES.value
        targets = list(dict.fromkeys(cited_ids))
        for target in targets:
            try:
                self.schema.check_pattern(Label.ANSWER, cites, label_for(target))
            except (ValueError, SchemaViolation) as exc:
                raise InvalidInput(f"answer {answer.id} not stored: {exc}") from exc
        rows = [{"id": rel_id(cites, answer.id, t), "target": t} for t in targets]

        def work(tx: ManagedTransaction) -> None:
            tx.run(engine.UPSERT_ANSWER, answer=answer.props()).consume()
            if not rows:
                return
            found = tx.run(engine.CITE_NODES, answer_id=answer.id, rows=rows)
            if found.single(strict=True)["written"] != len(rows):
                raise InvalidInput(
                    f"answer {answer.id} not stored: it cites nodes that do not exist"
                )

        self._write_tx(work, passages=False)

    def get_answer(self, answer_id: str) -> AnswerRecord:
        """A stored answer, or :class:`NotFound`."""
        records = self._read(engine.GET_ANSWER, id=answer_id)
        if not records:
            raise NotFound(f"no answer with id {answer_id!r}; answer ids start with 'ans_'")
        return AnswerRecord.model_validate(dict(records[0]["props"]))

    # -- curation (issue 6: review queue, decisions, undo, pruning, analytics) -----------------
    def relationships_of(
        self, node_ids: Sequence[str], rel_types: Sequence[str] | None = None
    ) -> list[RelView]:
        """Relationships touching these nodes (optionally of these types), ordered by id."""
        found: dict[str, RelView] = {}
        by_label: dict[Label, list[str]] = defaultdict(list)
        for node_id in dict.fromkeys(node_ids):
            by_label[label_for(node_id)].append(node_id)
        types = list(rel_types) if rel_types is not None else None
        for label, ids in by_label.items():
            for r in self._read(curation.relationships_of(label), ids=ids, types=types):
                found[r["id"]] = rel_view(r["id"], r["type"], r["src"], r["dst"], r["props"])
        return [found[i] for i in sorted(found)]

    def apply_patch(
        self, patch: GraphPatch, decisions: Sequence[DecisionRecord] = ()
    ) -> PatchSummary:
        """Check and apply exact element changes plus their decisions in one transaction."""
        return self._write_tx(PatchWork(self.schema, patch, decisions))

    def assertion_summaries(
        self, statuses: Sequence[Status], labels: Sequence[Label] = STATEMENT_LABELS
    ) -> list[AssertionSummary]:
        """Layer nodes with their evidence, entities, citations and links, ordered by id."""
        wanted = [s.value for s in statuses]
        out = [
            AssertionSummary(
                node=node_view(r["id"], label, r["props"]),
                evidence=int(r["evidence"]),
                documents=tuple(sorted(r["documents"])),
                extractors=tuple(sorted(r["extractors"])),
                entity_ids=tuple(sorted(r["entity_ids"])),
                cited_by=int(r["cited_by"]),
                links=int(r["links"]),
            )
            for label in sorted(set(labels))
            for r in self._read(curation.assertion_summaries(self.schema, label), statuses=wanted)
        ]
        out.sort(key=lambda s: s.node.id)
        return out

    def entity_summaries(self, statuses: Sequence[Status]) -> list[EntitySummary]:
        """Entities with their live relations, neighbours, assertions and mentions."""
        query = curation.entity_summaries(self.schema, list(self.schema.relation_types))
        records = self._read(
            query,
            statuses=[s.value for s in statuses],
            live=[Status.PROPOSED.value, Status.APPROVED.value],
        )
        out = [
            EntitySummary(
                node=node_view(r["id"], Label.ENTITY, r["props"]),
                relations=int(r["relations"]),
                neighbours=tuple(sorted(r["neighbours"])),
                assertions=int(r["assertions"]),
                mentions=int(r["mentions"]),
                documents=tuple(sorted(r["documents"])),
                cited_by=int(r["cited_by"]),
            )
            for r in records
        ]
        out.sort(key=lambda s: s.node.id)
        return out

    def export_subgraph(
        self,
        labels: Sequence[Label],
        rel_types: Sequence[str],
        *,
        statuses: Sequence[Status] = DEFAULT_STATUSES,
        entity_statuses: Sequence[Status] = DEFAULT_ENTITY_STATUSES,
    ) -> Subgraph:
        """Nodes passing the status filters and the relationships between them, by id. The
        store's bookkeeping (``SchemaMeta``: schema version, revision) is not graph content and
        is never exported, as on the embedded store, which keeps it outside the graph."""
        nodes = [
            view
            for label in sorted(set(labels) - {Label.SCHEMA_META})
            for r in self._read(curation.nodes_of(label))
            if node_passes(view := node_view(r["id"], label, r["props"]), statuses, entity_statuses)
        ]
        kept = {n.id for n in nodes}
        rels: list[RelView] = []
        if rel_types:
            for r in self._read(curation.rels_of_types(self.schema, rel_types)):
                rel = rel_view(r["id"], r["type"], r["src"], r["dst"], r["props"])
                if rel.source_id in kept and rel.target_id in kept and rel_passes(rel, statuses):
                    rels.append(rel)
        return Subgraph(
            nodes=tuple(sorted(nodes, key=lambda n: n.id)),
            relationships=tuple(sorted(rels, key=lambda r: r.id)),
        )

    # -- feedback (issue 8: learning from feedback) ---------------------------------------------
    def list_all_feedback(self) -> list[FeedbackRecord]:
        """Every feedback, oldest first."""
        return [
            FeedbackRecord.from_props(r["props"])
            for r in self._read(queries_feedback.LIST_ALL_FEEDBACK)
        ]
