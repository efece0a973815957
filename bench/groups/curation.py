"""Curation: precision and recall of the pruning rules' proposals on the sample corpus with
injected errors, and the expert actions needed to clear those errors, by bulk decisions versus
one by one.

The sample corpus is ingested NLP-only (the settings ``make demo`` uses) into a fresh store;
then the errors of ``tests/data/curation/injected_errors.json`` (duplicate entities, wrong
facts, contradictions, out-of-schema relations, orphans, and decoys that are right) are written
as two extra documents. The rules run with their default settings (nothing was tuned on this
file). Scoring: :mod:`bench.scoring.curation`.

Expert actions, measured by doing them through ``kag.curation`` and checking every error is
cleared afterwards:

- one by one: one decision per error (reject the fact or entity, merge the duplicate);
- bulk: per rule, the dry run reviewed and a selection applied (one action per rule; the expert
  leaves out proposals touching the decoys), then one decision per error still standing.

Between the two, the one-by-one session is undone batch by batch (newest first) and the graph
must be exactly as before it (a figure). Embedded store in --quick, both backends in --full.
"""

from __future__ import annotations

from typing import Final

from pydantic import SecretStr

from bench.context import BenchContext
from bench.data.curation_errors import Injection, injection_batches, load_injection, ref_id
from bench.report import Figure
from bench.scoring.curation import (
    decoys_touched,
    injected_ids,
    score_rules,
    targets,
    uncleared,
)
from graph_schema import Label, RelType, Status
from ingestion.pipeline import IngestionPipeline
from kag.curation import Actor, Curator
from kag.curation.pruning import RULES, Pruner
from kag.samples import corpus_dir
from kag.settings import IngestionSettings, Neo4jSettings, Settings
from kag.store import GraphStore, open_store
from kag.testing.neo4j_server import Neo4jEndpoint, clear_database

NAME: Final = "curation"
EXPERT: Final = Actor(name="bench-expert", role="expert")
_FIRST_PERSON: Final = "Lumenfold Systems"


def prepare(
    store: GraphStore,
    settings: Settings,
    injection: Injection,
    *,
    pipeline: IngestionPipeline | None = None,
) -> None:
    """Ingest the sample corpus, then write the injected documents."""
    (pipeline or IngestionPipeline(store, settings)).ingest_paths([corpus_dir()])
    names = {e.id: e.name for e in store.list_entities()}
    for batch in injection_batches(store.schema, injection, names):
        store.write(batch)


def _dump(store: GraphStore) -> object:
    labels = [label for label in Label if label is not Label.DECISION]
    types = [*store.schema.relation_types, *(t.value for t in RelType if t is not RelType.DECIDED)]
    graph = store.export_subgraph(
        labels, types, statuses=list(Status), entity_statuses=list(Status)
    )
    return graph.model_dump()


def one_by_one(store: GraphStore, injection: Injection) -> tuple[int, list[str], list[str]]:
    """Clear every error with its own decision; (actions, errors left, batches)."""
    curator = Curator(store)
    batches = []
    for error in injection.errors:
        ids = targets(store.schema, injection, error)
        if error.action == "merge":
            result = curator.merge(ids[0], ids[1], EXPERT, "duplicate")
        else:
            [result] = [curator.reject(i, EXPERT, error.kind) for i in ids]
        assert result.batch_id is not None
        batches.append(result.batch_id)
    return len(batches), uncleared(store, store.schema, injection), batches


def bulk(store: GraphStore, injection: Injection) -> tuple[int, list[str], int]:
    """Apply a reviewed selection of each rule's proposals, then decide what is left one by
    one; (actions, errors left, proposals left out of the selections)."""
    schema = store.schema
    pruner = Pruner(store)
    injected = injected_ids(schema, injection)
    decoys = {ref_id(schema, injection, d) for d in injection.decoys}
    actions = left_out = 0
    for rule in RULES:
        proposals = [p for p in pruner.dry_run([rule]).proposals if injected & set(p.involved)]
        chosen = [p.id for p in proposals if p.action != "review" and not decoys & set(p.involved)]
        left_out += len(proposals) - len(chosen)
        if chosen:
            pruner.apply(chosen, rules=[rule])
            actions += 1
    curator = Curator(store)
    for error_id in uncleared(store, schema, injection):
        error = next(e for e in injection.errors if e.id == error_id)
        ids = targets(schema, injection, error)
        if error.action == "merge":
            curator.merge(ids[0], ids[1], EXPERT, "duplicate")
        else:
            for i in ids:
                curator.reject(i, EXPERT, error.kind)
        actions += 1
    return actions, uncleared(store, schema, injection), left_out


def measure(backend: str, settings: Settings) -> list[Figure]:
    """Every figure of the group on one store."""
    injection = load_injection()
    store = open_store(settings)
    try:
        prepare(store, settings, injection)
        proposals = Pruner(store).dry_run().proposals
        scores = score_rules(store.schema, injection, proposals, RULES)
        before = _dump(store)
        single, single_left, batches = one_by_one(store, injection)
        curator = Curator(store)
        for batch in reversed(batches):
            curator.undo(batch, EXPERT, "bench: replay")
        restored = _dump(store) == before
        actions, bulk_left, left_out = bulk(store, injection)
        touched = decoys_touched(store, store.schema, injection)
    finally:
        store.close()
    figures = []
    for s in scores:
        detail = (
            f"{s.found}/{s.errors} injected errors found; {s.true_positives}/{s.in_scope} "
            f"proposals about injected items right; {s.outside_scope} proposals about the "
            "sample corpus alone (unlabelled, not scored)"
        )
        for name, value in (("precision", s.precision), ("recall", s.recall)):
            figures.append(
                Figure(
                    group=NAME,
                    name=f"{backend} {s.rule} {name}",
                    value=value,
                    unit="ratio",
                    direction="higher",
                    notes=detail,
                )
            )
    errors = len(injection.errors)
    figures += [
        Figure(
            group=NAME,
            name=f"{backend} expert actions, bulk",
            value=actions,
            unit="count",
            direction="lower",
            baselines={"one by one": single},
            notes=(
                f"{errors} injected errors; left standing: bulk {len(bulk_left)}, one by one "
                f"{len(single_left)}; {left_out} proposals about injected items left out of the "
                f"selections; decoys wrongly changed: {len(touched)}"
            ),
        ),
        Figure(
            group=NAME,
            name=f"{backend} expert actions, one by one",
            value=single,
            unit="count",
            direction="lower",
            notes=f"{errors} injected errors, one decision each",
        ),
        Figure(
            group=NAME,
            name=f"{backend} undo restores the graph exactly",
            value=1.0 if restored else 0.0,
            unit="bool",
            direction="higher",
            notes=f"{len(batches)} batches undone newest first; every node and relationship",
        ),
    ]
    return figures


def run(ctx: BenchContext) -> list[Figure]:
    """The embedded store always; Neo4j too in --full."""
    ingestion = IngestionSettings(first_person_entity=_FIRST_PERSON)
    embedded = Settings(store=f"embedded:{ctx.scratch / 'curation.db'}", ingestion=ingestion)
    figures = measure("embedded", embedded)
    if ctx.quick:
        return figures
    endpoint = ctx.neo4j()
    server = Neo4jEndpoint(endpoint.uri, endpoint.user, endpoint.password, "env")
    clear_database(server)
    neo4j = Settings(
        store=endpoint.uri,
        neo4j=Neo4jSettings(user=endpoint.user, password=SecretStr(endpoint.password)),
        ingestion=ingestion,
    )
    try:
        figures += measure("neo4j", neo4j)
    finally:
        clear_database(server)
    return figures
