"""Expert curation on both backends (Neo4j is a real Neo4j 5.26), on the sample corpus as the
real ingestion pipeline writes it: the queue's order and filters, every decision recorded with
who, role, before, after and reason, undo restoring the graph exactly, bulk decisions applying
exactly what they previewed, and verdicts that survive re-ingesting the whole corpus."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from graph_schema import Label, Layer, Status
from ingestion.resolve import entity_id
from kag.curation import (
    Actor,
    AssertionEdit,
    BulkRequest,
    BulkResult,
    Curator,
    HistoryFilter,
    PageRequest,
    QueueFilter,
    ReviewItem,
    SplitRequest,
)
from kag.errors import Conflict, InvalidInput, NotFound
from kag.store import GraphStore
from tests.support.curation import corpus_pipeline, dump, ingest_corpus, ingest_corpus_revised

if TYPE_CHECKING:
    from spacy.language import Language

ANN = Actor(name="ann@example.com", role="expert")
PELLMARK = entity_id("company", "Pellmark Software")
CORVANE = entity_id("company", "Corvane Robotics")


@pytest.fixture(scope="module")
def nlp() -> Language:
    from ingestion.nlp.model import load_model

    return load_model()


@pytest.fixture
def corpus(store: GraphStore, nlp: Language) -> GraphStore:
    ingest_corpus(store, nlp)
    return store


def status(store: GraphStore, node_id: str) -> Status | None:
    nodes = store.get_nodes([node_id])
    return nodes[0].status if nodes else None


def props(store: GraphStore, node_id: str) -> dict[str, object]:
    [node] = store.get_nodes([node_id])
    return dict(node.props)


def first(curator: Curator, wanted: QueueFilter) -> ReviewItem:
    page = curator.queue(wanted, PageRequest(limit=1))
    assert page.items, f"nothing in the queue for {wanted}"
    return page.items[0]


def observation(curator: Curator) -> ReviewItem:
    items = curator.queue(QueueFilter(kinds=("assertion",), layers=(Layer.KNOWLEDGE,))).items
    relations = set(curator.store.schema.relation_types)
    return next(i for i in items if i.type not in relations and i.type != "statement")


def test_queue_is_ordered_by_impact_and_filters(corpus: GraphStore) -> None:
    curator = Curator(corpus)
    page = curator.queue(page=PageRequest(limit=1000))
    assert page.total == len(page.items) > 100
    keys = [(-i.impact, i.id) for i in page.items]
    assert keys == sorted(keys)
    assert {i.kind for i in page.items} >= {"assertion", "entity", "merge_candidate"}
    assert all(i.status in (None, Status.PROPOSED) for i in page.items)

    second = curator.queue(page=PageRequest(offset=10, limit=5))
    assert [i.id for i in second.items] == [i.id for i in page.items[10:15]]

    wisdom = curator.queue(QueueFilter(layers=(Layer.WISDOM,)), PageRequest(limit=1000))
    assert wisdom.total > 0
    assert all(i.layer is Layer.WISDOM for i in wisdom.items)
    competes = curator.queue(QueueFilter(types=("COMPETES_WITH",))).items
    assert competes
    assert all("competes with" in i.title for i in competes)
    confident = curator.queue(QueueFilter(kinds=("assertion",), min_confidence=0.6)).items
    assert confident
    assert all((i.confidence or 0) >= 0.6 for i in confident)
    source = "winloss/2024-q3-sunfield-grocers.md"
    in_doc = curator.queue(QueueFilter(documents=(source,))).items
    assert in_doc
    assert all(source in i.documents for i in in_doc)
    assert not curator.queue(QueueFilter(extractors=("llm",), kinds=("assertion",))).items
    about = curator.queue(QueueFilter(entity_id=PELLMARK)).items
    assert about
    assert all(PELLMARK in i.entity_ids for i in about)

    top = page.items[0]
    assert curator.item(top.id) == top
    assert curator.evidence(top.id), "an item with impact has evidence to show"
    with pytest.raises(NotFound, match="no review item"):
        curator.item("kno_00000000000000000000")


def test_decisions_are_recorded_and_undo_restores_exactly(corpus: GraphStore) -> None:
    curator = Curator(corpus)
    before = dump(corpus)
    relation = first(curator, QueueFilter(types=("COMPETES_WITH",)))
    rejected = curator.reject(relation.id, ANN, "not a competitor: a reseller")
    approved_item = first(curator, QueueFilter(types=("HEADQUARTERED_IN",)))
    approved = curator.approve(approved_item.id, ANN)
    obs = observation(curator)
    value = float(props(corpus, obs.id)["value"])  # type: ignore[arg-type]
    edited = curator.edit(obs.id, AssertionEdit(value=value + 1), ANN, "misread figure")
    customer = first(curator, QueueFilter(types=("CUSTOMER_OF",)))
    retyped = curator.edit(customer.id, AssertionEdit(predicate="PARTNERS_WITH"), ANN, "kind")
    statement = first(curator, QueueFilter(layers=(Layer.KNOWLEDGE,), types=("statement",)))
    lesson = curator.edit(statement.id, AssertionEdit(layer=Layer.WISDOM), ANN, "a lesson")
    merge = first(curator, QueueFilter(kinds=("merge_candidate",)))
    merged = curator.approve(merge.id, ANN, "same body")
    wrong = curator.merge(CORVANE, PELLMARK, ANN, "looked alike")
    split = curator.split(PELLMARK, SplitRequest(names=("Corvane Robotics",)), ANN, "two firms")

    assert status(corpus, relation.id) is Status.REJECTED
    assert status(corpus, approved_item.id) is Status.APPROVED
    [edit] = edited.decisions
    new_id = str(edit.after["replaced_by"])
    assert status(corpus, obs.id) is Status.SUPERSEDED
    assert props(corpus, new_id)["value"] == value + 1
    assert status(corpus, new_id) is Status.APPROVED
    assert edit.before["value"] == value
    assert edit.after["value"] == value + 1
    loser, keeper = merge.members
    assert props(corpus, loser)["merged_into"] == keeper
    assert props(corpus, loser)["name"] in props(corpus, keeper)["aliases"]  # type: ignore[operator]
    assert status(corpus, CORVANE) is not Status.SUPERSEDED
    assert "Corvane Robotics" not in (props(corpus, PELLMARK).get("aliases") or [])

    [reject] = rejected.decisions
    assert (reject.action, reject.actor, reject.role, reject.target_id) == (
        "reject",
        ANN.name,
        "expert",
        relation.id,
    )
    assert reject.reason == "not a competitor: a reseller"
    assert reject.before == {"status": "proposed"}
    assert reject.after["status"] == "rejected"
    assert reject.touched > 0
    assert reject.created_at
    history = curator.history(HistoryFilter(actor=ANN.name), PageRequest(limit=100))
    assert history.total == 8
    assert [d.action for d in history.items] == [
        "split",
        "merge",
        "merge",
        "edit",
        "edit",
        "edit",
        "approve",
        "reject",
    ]
    assert curator.decision(reject.id) == reject
    assert curator.history(HistoryFilter(target_id=relation.id)).items == (reject,)

    with pytest.raises(Conflict, match="changed since"):
        curator.undo(wrong.decisions[0].id, ANN)  # the split changed what the merge did
    for result in (split, wrong, merged, lesson, retyped, edited, approved, rejected):
        assert result.batch_id is not None
        undone = curator.undo(result.batch_id, ANN, "session replayed")
        assert [d.action for d in undone.decisions] == ["undo"]
    assert dump(corpus) == before
    assert curator.decision(reject.id).undone
    with pytest.raises(Conflict, match="undone already"):
        curator.undo(reject.id, ANN)


def test_bad_decisions_are_refused_and_change_nothing(corpus: GraphStore) -> None:
    curator = Curator(corpus)
    before = dump(corpus)
    item = first(curator, QueueFilter(kinds=("assertion",)))
    with pytest.raises(InvalidInput, match="needs a reason"):
        curator.reject(item.id, ANN, " ")
    with pytest.raises(NotFound, match="no entity or assertion"):
        curator.approve("kno_00000000000000000000", ANN)
    with pytest.raises(InvalidInput, match="is an entity"):
        curator.edit(PELLMARK, AssertionEdit(value=1.0), ANN)
    with pytest.raises(InvalidInput, match="own name"):
        curator.split(PELLMARK, SplitRequest(names=("Pellmark Software",)), ANN)
    with pytest.raises(NotFound, match="no entity"):
        curator.merge("ent_00000000000000000000", PELLMARK, ANN)
    with pytest.raises(NotFound, match="no decision"):
        curator.undo("dec_00000000000000000000", ANN)
    assert dump(corpus) == before
    assert curator.history().total == 0
    curator.approve(item.id, ANN)
    with pytest.raises(Conflict, match="already approved"):
        curator.approve(item.id, ANN)


def test_bulk_decision_applies_exactly_its_preview(corpus: GraphStore) -> None:
    curator = Curator(corpus)
    wanted = QueueFilter(kinds=("assertion",), layers=(Layer.KNOWLEDGE,), max_confidence=0.6)
    request = BulkRequest(filter=wanted, verdict="reject", reason="too weak to keep")
    preview = curator.preview_bulk(request)
    selected = curator.queue(wanted, PageRequest(limit=1000))
    assert preview.targets
    assert [t.item_id for t in preview.targets] == [i.id for i in selected.items]
    assert preview.nodes >= len(preview.targets)
    assert curator.history().total == 0, "a preview writes nothing"

    stale = first(curator, wanted)
    curator.approve(stale.id, ANN)
    with pytest.raises(Conflict, match="preview it again"):
        curator.apply_bulk(request, ANN, preview.token)
    before_apply = curator.history().total

    preview = curator.preview_bulk(request)
    result = curator.apply_bulk(request, ANN, preview.token)
    assert curator.history().total == before_apply + len(result.decisions)
    assert sorted(d.target_id for d in result.decisions) == sorted(
        t.item_id for t in preview.targets
    )
    assert all(
        d.batch_id == result.batch_id and d.reason == "too weak to keep" for d in result.decisions
    )
    assert all(status(corpus, t.item_id) is Status.REJECTED for t in preview.targets)
    assert not curator.queue(wanted).items
    assert result.batch_id is not None
    curator.undo(result.batch_id, ANN)
    assert {status(corpus, t.item_id) for t in preview.targets} == {Status.PROPOSED}


def _session(curator: Curator) -> dict[str, BulkResult]:
    """A curation session touching every kind of verdict."""
    relation = first(curator, QueueFilter(types=("COMPETES_WITH",)))
    approve = first(curator, QueueFilter(types=("HEADQUARTERED_IN",)))
    obs = observation(curator)
    value = float(curator.store.get_nodes([obs.id])[0].props["value"])  # type: ignore[arg-type]
    merge = first(curator, QueueFilter(kinds=("merge_candidate",)))
    orphan = first(curator, QueueFilter(kinds=("entity",), text="OUTCOME"))
    session = {
        "reject": curator.reject(relation.id, ANN, "not a competitor"),
        "approve": curator.approve(approve.id, ANN),
        "edit": curator.edit(obs.id, AssertionEdit(value=value * 2), ANN, "misread"),
        "merge": curator.approve(merge.id, ANN, "same body"),
        "reject_entity": curator.reject(orphan.id, ANN, "a heading, not a company"),
    }
    curator.merge(CORVANE, PELLMARK, ANN, "looked alike")
    session["split"] = curator.split(
        PELLMARK, SplitRequest(names=("Corvane Robotics",)), ANN, "two firms"
    )
    return session


def corvane_on_pellmark(curator: Curator) -> list[str]:
    """Live items about Pellmark that name Corvane but are not about Corvane."""
    live = (Status.PROPOSED, Status.APPROVED)
    items = curator.queue(QueueFilter(entity_id=PELLMARK, statuses=live), PageRequest(limit=1000))
    return sorted(i.id for i in items.items if "Corvane" in i.title and CORVANE not in i.entity_ids)


CURATED_KEYS = ("status", "name", "aliases", "merged_into", "replaced_by", "value", "subject_id")


def test_reingesting_the_corpus_keeps_every_verdict(
    corpus: GraphStore, nlp: Language, tmp_path: Path
) -> None:
    curator = Curator(corpus)
    corvane_before = corvane_on_pellmark(curator)
    session = _session(curator)
    assert corvane_on_pellmark(curator) == corvane_before
    decisions = [d for result in session.values() for d in result.decisions]
    touched = sorted(
        {d.target_id for d in decisions}
        | {str(d.after[k]) for d in decisions for k in ("replaced_by", "into") if k in d.after}
    )
    kept = {n.id: {k: n.props.get(k) for k in CURATED_KEYS} for n in corpus.get_nodes(touched)}
    rejected_fact = session["reject"].decisions[0].target_id
    fingerprint = props(corpus, rejected_fact)["fingerprint"]
    edited = session["edit"].decisions[0]
    expert_version = str(edited.after["replaced_by"])
    loser = session["merge"].decisions[0].target_id
    keeper = str(session["merge"].decisions[0].after["into"])
    spans_before = len(corpus.evidence([expert_version]).get(expert_version, []))

    report = ingest_corpus(corpus, nlp)
    assert {d.status for d in report.documents} == {"unchanged"}
    report = ingest_corpus_revised(corpus, nlp, tmp_path / "revised")
    assert [(d.status, d.version) for d in report.documents] == [("new version", 2)] * 36
    assert sum(d.rejected_before for d in report.documents) >= 1

    after = {n.id: {k: n.props.get(k) for k in CURATED_KEYS} for n in corpus.get_nodes(touched)}
    assert after == kept
    # the rejected fact is not proposed again from any document
    live = [
        n
        for n in corpus.assertions_by_fingerprint([str(fingerprint)])
        if n.status is not Status.REJECTED
    ]
    assert not live
    # the edited fact keeps the expert's version, still evidenced where the original was read
    assert status(corpus, edited.target_id) is Status.SUPERSEDED
    assert sum(d.expert_versions for d in report.documents) >= 1
    spans = corpus.evidence([expert_version])[expert_version]
    assert len(spans) == spans_before > 0
    # merged entities stay merged: nothing live is about the entity merged away
    curator = Curator(corpus)
    assert not curator.queue(QueueFilter(entity_id=loser)).items
    assert curator.queue(QueueFilter(entity_id=keeper, statuses=tuple(Status))).items
    # the split stays split: Corvane's facts are Corvane's again, not Pellmark's
    assert curator.queue(QueueFilter(entity_id=CORVANE, kinds=("assertion",))).total > 0
    assert corvane_on_pellmark(curator) == corvane_before
    # the expert's decisions are all still standing
    history = curator.history(HistoryFilter(actor=ANN.name), PageRequest(limit=100))
    assert not any(d.undone for d in history.items)


def test_new_documents_follow_merges_and_splits(corpus: GraphStore, nlp: Language) -> None:
    curator = Curator(corpus)
    quillon = entity_id("company", "Quillon Systems")
    brannock = entity_id("company", "Brannock Industrial Group")
    curator.merge(quillon, brannock, ANN, "testing: one company")
    curator.merge(CORVANE, PELLMARK, ANN, "looked alike")
    curator.split(PELLMARK, SplitRequest(names=("Corvane Robotics",)), ANN, "two firms")
    memo = "Quillon Systems is headquartered in Lisbon. Corvane Robotics is headquartered in Oslo."
    corpus_pipeline(corpus, nlp).ingest_texts([("memos/new.md", memo)])
    lisbon = entity_id("place", "Lisbon")
    oslo = entity_id("place", "Oslo")
    facts = {
        (s.node.props["subject_id"], s.node.props["object_id"])
        for s in corpus.assertion_summaries([Status.PROPOSED, Status.APPROVED], [Label.KNOWLEDGE])
        if s.node.props.get("predicate") == "HEADQUARTERED_IN"
    }
    assert (brannock, lisbon) in facts
    assert (quillon, lisbon) not in facts
    assert (CORVANE, oslo) in facts
    assert (PELLMARK, oslo) not in facts
