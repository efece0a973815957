"""Pruning rules on both backends (Neo4j is a real Neo4j 5.26), on the sample corpus with the
injected errors of ``tests/data/curation/injected_errors.json``: every rule finds its errors,
the dry run writes nothing, applying records decisions attributed to the rule (undoable), and
expert verdicts keep rules quiet. Also the analytics projection on both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bench.data.curation_errors import Injection, load_injection, ref_id
from bench.groups.curation import EXPERT, bulk, one_by_one, prepare
from bench.scoring.curation import decoys_touched, score_rules, uncleared
from graph_schema import Status
from kag.curation import Curator, HistoryFilter, QueueFilter
from kag.curation.analytics import analyse
from kag.curation.pruning import RULES, Pruner
from kag.errors import InvalidInput
from kag.settings import IngestionSettings, Settings
from kag.store import GraphStore
from tests.support.curation import FIRST_PERSON, dump

if TYPE_CHECKING:
    from spacy.language import Language


@pytest.fixture(scope="module")
def nlp() -> Language:
    from ingestion.nlp.model import load_model

    return load_model()


@pytest.fixture
def injection() -> Injection:
    return load_injection()


@pytest.fixture
def injected(store: GraphStore, nlp: Language, injection: Injection) -> GraphStore:
    from ingestion.pipeline import IngestionPipeline

    settings = Settings(
        store="embedded:unused.db", ingestion=IngestionSettings(first_person_entity=FIRST_PERSON)
    )
    pipeline = IngestionPipeline(store, settings, nlp=nlp)
    prepare(store, settings, injection, pipeline=pipeline)
    return store


def test_every_rule_finds_its_injected_errors(injected: GraphStore, injection: Injection) -> None:
    before = dump(injected)
    report = Pruner(injected).dry_run()
    assert dump(injected) == before, "a dry run writes nothing"
    assert [r.rule for r in report.rules] == list(RULES)
    scores = {s.rule: s for s in score_rules(injected.schema, injection, report.proposals, RULES)}
    assert {rule: s.recall for rule, s in scores.items()} == dict.fromkeys(RULES, 1.0)
    # the one known false positive: "Halvorsen Freight" shares only the hub Lumenfold
    assert scores["near_duplicates"].true_positives == 3
    assert scores["near_duplicates"].in_scope == 4
    assert all(s.precision == 1.0 for r, s in scores.items() if r != "near_duplicates")
    with pytest.raises(InvalidInput, match="unknown pruning rule"):
        Pruner(injected).dry_run(["nonsense"])


def test_applying_rules_records_decisions_by_the_rule(
    injected: GraphStore, injection: Injection
) -> None:
    pruner = Pruner(injected)
    orphans = pruner.dry_run(["out_of_schema"]).proposals
    applied = pruner.apply(rules=["out_of_schema"])
    assert sorted(d.target_id for d in applied.decisions) == sorted(
        t for p in orphans for t in p.target_ids
    )
    assert {(d.actor, d.role, d.action) for d in applied.decisions} == {
        ("rule:out_of_schema", "rule", "reject")
    }
    assert all(d.reason and d.reason.startswith("out_of_schema: ") for d in applied.decisions)
    for error in ("schema-flow-acquired", "schema-europe-targets"):
        [target] = next(e for e in injection.errors if e.id == error).targets
        [node] = injected.get_nodes([ref_id(injected.schema, injection, target)])
        assert node.status is Status.REJECTED
    assert not pruner.dry_run(["out_of_schema"]).proposals
    curator = Curator(injected)
    assert curator.history(HistoryFilter(actor="rule:out_of_schema")).total == len(orphans)
    assert applied.batch_id is not None
    curator.undo(applied.batch_id, EXPERT, "want to look first")
    assert pruner.dry_run(["out_of_schema"]).proposals == orphans


def test_expert_verdicts_keep_rules_quiet(injected: GraphStore, injection: Injection) -> None:
    curator = Curator(injected)
    freight = ref_id(injected.schema, injection, "company:Halvorsen Freight")
    [wrong] = [
        i
        for i in curator.queue(QueueFilter(kinds=("merge_candidate",))).items
        if freight in i.members
    ]
    curator.reject(wrong.id, EXPERT, "a trucking firm, not Halvorsen Logistics Cloud")
    assert not [
        p for p in Pruner(injected).dry_run(["near_duplicates"]).proposals if freight in p.involved
    ]
    weak = next(p for p in Pruner(injected).dry_run(["low_confidence"]).proposals).target_ids[0]
    curator.approve(weak, EXPERT, "confirmed by phone")
    assert weak not in {
        t for p in Pruner(injected).dry_run(["low_confidence"]).proposals for t in p.target_ids
    }


def test_bulk_clears_the_injected_errors_in_fewer_actions(
    injected: GraphStore, injection: Injection
) -> None:
    before = dump(injected)
    single, left, batches = one_by_one(injected, injection)
    assert single == len(injection.errors)
    assert left == []
    curator = Curator(injected)
    for batch in reversed(batches):
        curator.undo(batch, EXPERT, "replay")
    assert dump(injected) == before
    assert uncleared(injected, injected.schema, injection) == [e.id for e in injection.errors]
    actions, left, left_out = bulk(injected, injection)
    assert left == []
    assert actions < single
    assert left_out == 1  # the Halvorsen Freight merge an expert leaves out
    assert decoys_touched(injected, injected.schema, injection) == []


def test_analytics_of_the_approved_graph(injected: GraphStore) -> None:
    report = analyse(injected, top=5)
    assert report.hubs
    assert report.hubs[0].name == FIRST_PERSON
    assert [h.degree for h in report.hubs] == sorted((h.degree for h in report.hubs), reverse=True)
    assert report.clusters
    assert sum(len(c.entities) for c in report.clusters) <= report.entities
    entity = report.hubs[0].id
    curator = Curator(injected)
    for item in curator.queue(QueueFilter(entity_id=entity, kinds=("assertion",))).items[:3]:
        curator.approve(item.id, EXPERT)
    assert analyse(injected, top=5).relationships > report.relationships
