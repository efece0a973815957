"""The storage contract, run against every backend (the Neo4j one is a real Neo4j 5.26).

Each test states the expected result explicitly, so passing on both backends proves they agree.
"""

from __future__ import annotations

import pytest

from graph_schema import Label, Layer, Status, stable_id
from graph_schema.properties import DecisionRecord, MentionRecord
from kag.errors import InvalidInput, NotFound
from kag.settings import Settings
from kag.store import GraphStore, ObservationQuery, WriteBatch, open_store
from tests.support.builders import (
    T0,
    document,
    entity,
    evidence,
    observation,
    relation,
    statement,
)

ACME = entity("Acme Corp", aliases=("Acme", "ACME Corporation"))
GLOBEX = entity("Globex")
INITECH = entity("Initech")
UMBRELLA = entity("Umbrella Group")
HOOLI = entity("Hooli")
BERLIN = entity("Berlin", "place")
ROGUE = entity("Rogue Ltd", status=Status.REJECTED)

COMPETES = relation(ACME, "COMPETES_WITH", GLOBEX)
SUPPLIED = relation(GLOBEX, "SUPPLIED_BY", INITECH)
ACQUIRED = relation(INITECH, "ACQUIRED", UMBRELLA)
HQ = relation(UMBRELLA, "HEADQUARTERED_IN", BERLIN)
PARTNER = relation(HOOLI, "PARTNERS_WITH", ACME, status=Status.PROPOSED)

REV_ACME_23 = observation(ACME, "revenue", 10.0, "USD million", "2023")
REV_ACME_24 = observation(ACME, "revenue", 12.5, "USD million", "2024")
REV_GLOBEX_24 = observation(GLOBEX, "revenue", 15.0, "USD million", "2024")
REV_GLOBEX_24Q3 = observation(GLOBEX, "revenue", 4.0, "USD million", "2024-Q3")
SHARE_ACME_24 = observation(ACME, "market share", 20.0, "percent", "2024")
REV_PROPOSED = observation(HOOLI, "revenue", 99.0, "USD million", "2024", status=Status.PROPOSED)

ENTITIES = (ACME, GLOBEX, INITECH, UMBRELLA, HOOLI, BERLIN, ROGUE)
RELATIONS = (COMPETES, SUPPLIED, ACQUIRED, HQ, PARTNER)
OBSERVATIONS = (
    REV_ACME_23,
    REV_ACME_24,
    REV_GLOBEX_24,
    REV_GLOBEX_24Q3,
    SHARE_ACME_24,
    REV_PROPOSED,
)


def seed(store: GraphStore) -> None:
    store.write(WriteBatch(entities=ENTITIES, assertions=RELATIONS + OBSERVATIONS))


def test_written_properties_read_back_exactly(store: GraphStore) -> None:
    seed(store)
    [node] = store.get_nodes([ACME.id])
    assert node.label is Label.ENTITY
    assert node.name == "Acme Corp"
    assert node.status is Status.APPROVED
    assert node.props == {
        "id": ACME.id,
        "name": "Acme Corp",
        "type": "company",
        "aliases": ["Acme", "ACME Corporation"],
        "status": "approved",
        "confidence": 0.9,
        "created_at": T0,
        "name_norm": "acme corp",
        "aliases_norm": ["acme", "acme corp", "acme corporation"],
        "search_text": "Acme Corp | Acme | ACME Corporation",
    }
    [rel_node] = store.get_nodes([COMPETES.id])
    assert rel_node.label is Label.KNOWLEDGE
    assert rel_node.props["predicate"] == "COMPETES_WITH"
    assert "entity_ids" not in rel_node.props


def test_get_nodes_keeps_order_and_skips_unknown(store: GraphStore) -> None:
    seed(store)
    ids = [GLOBEX.id, "ent_doesnotexist", ACME.id, GLOBEX.id]
    assert [n.id for n in store.get_nodes(ids)] == [GLOBEX.id, ACME.id]


def test_rewrite_is_idempotent_and_keeps_expert_status(store: GraphStore) -> None:
    seed(store)
    before = store.counts()
    store.set_status([COMPETES.id], Status.REJECTED)
    seed(store)  # re-ingestion writes the same records, with status "approved"
    after = store.counts()
    assert after.nodes == before.nodes
    assert after.relationships == before.relationships
    [node] = store.get_nodes([COMPETES.id])
    assert node.status is Status.REJECTED
    assert store.paths_between(ACME.id, GLOBEX.id, max_hops=1) == []


def test_rewrite_sets_given_properties_and_keeps_ones_it_leaves_out(store: GraphStore) -> None:
    dated = COMPETES.model_copy(update={"valid_from": "2024-01-01"})
    # one batch, two relations with different property sets: neither gets the other's keys
    store.write(WriteBatch(entities=ENTITIES, assertions=(dated, SUPPLIED)))
    [supplied] = store.get_nodes([SUPPLIED.id])
    assert "valid_from" not in supplied.props
    rewrite = COMPETES.model_copy(update={"confidence": 0.7, "status": Status.PROPOSED})
    store.write(WriteBatch(assertions=(rewrite,)))
    [node] = store.get_nodes([COMPETES.id])
    assert node.props["confidence"] == 0.7  # set on every write
    assert node.props["valid_from"] == "2024-01-01"  # left out of the rewrite: kept
    assert node.status is Status.APPROVED  # set only when created
    [path] = store.paths_between(ACME.id, GLOBEX.id, max_hops=1)
    [rel] = path.relationships
    assert rel.props["confidence"] == 0.7
    assert rel.props["valid_from"] == "2024-01-01"


def test_relation_outside_the_ontology_is_refused_and_nothing_written(store: GraphStore) -> None:
    bad = relation(ACME, "COMPETES_WITH", GLOBEX).model_copy(update={"predicate": "LOVES"})
    with pytest.raises(InvalidInput, match="LOVES"):
        store.write(WriteBatch(entities=(ACME, GLOBEX), assertions=(bad,)))
    assert store.counts().nodes == {}


def test_missing_endpoint_is_refused_atomically(store: GraphStore) -> None:
    with pytest.raises(InvalidInput, match=r"(does|do) not exist"):
        store.write(WriteBatch(entities=(ACME,), assertions=(COMPETES,)))
    assert store.counts().nodes == {}
    assert store.get_nodes([ACME.id]) == []


def test_revision_tells_every_change_or_is_none(
    store: GraphStore, store_settings: Settings
) -> None:
    first = store.revision()
    if store.backend == "neo4j":  # other clients write to the server: no cheap counter
        assert first is None
        return
    assert store.revision() == first  # reading changes nothing
    store.write(WriteBatch(entities=(ACME,)))
    second = store.revision()
    assert second != first
    other = open_store(store_settings)  # another process's connection to the same file
    try:
        other.write(WriteBatch(entities=(GLOBEX,)))
    finally:
        other.close()
    assert store.revision() not in {first, second}


def test_write_many_writes_in_order_and_sums(store: GraphStore) -> None:
    batches = [
        WriteBatch(entities=(ACME, GLOBEX)),
        WriteBatch(entities=(INITECH,), assertions=(COMPETES,)),  # needs the first batch
        WriteBatch(assertions=(SUPPLIED,)),
    ]
    summary = store.write_many(iter(batches))
    singles = [store.write(b) for b in batches]  # the same batches again, one by one
    assert summary.nodes == sum(s.nodes for s in singles) == 5
    assert summary.relationships == sum(s.relationships for s in singles)
    assert store.counts().nodes == {"Entity": 3, "Knowledge": 2}
    assert store.write_many([]).elements == 0


def test_write_many_stops_at_a_bad_batch_keeping_the_ones_before(store: GraphStore) -> None:
    batches = [
        WriteBatch(entities=(ACME, GLOBEX)),
        WriteBatch(entities=(INITECH,), assertions=(COMPETES,)),
        WriteBatch(assertions=(ACQUIRED,)),  # UMBRELLA was never written
        WriteBatch(entities=(HOOLI,)),
    ]
    with pytest.raises(InvalidInput, match=r"batch 3: .*(does|do) not exist.* 2 batch\(es\)"):
        store.write_many(batches)
    assert store.counts().nodes == {"Entity": 3, "Knowledge": 1}
    assert store.get_nodes([HOOLI.id, ACQUIRED.id]) == []
    bad = relation(ACME, "COMPETES_WITH", GLOBEX).model_copy(update={"predicate": "LOVES"})
    with pytest.raises(InvalidInput, match=r"batch 1: .*LOVES.*nothing was written"):
        store.write_many([WriteBatch(assertions=(bad,)), WriteBatch(entities=(HOOLI,))])
    assert store.get_nodes([HOOLI.id]) == []


@pytest.mark.parametrize(
    ("query", "expected", "exact"),
    [
        ("Acme Corp", ACME.id, True),
        ("acme", ACME.id, True),  # alias, any case
        ("ACME Corporation", ACME.id, True),
        ("Acme Crop", ACME.id, False),  # typo
        ("Glbex", GLOBEX.id, False),
        ("Umbrella", UMBRELLA.id, False),  # partial name
    ],
)
def test_find_entities(store: GraphStore, query: str, expected: str, exact: bool) -> None:
    seed(store)
    matches = store.find_entities(query, min_score=80)
    assert matches, f"nothing found for {query!r}"
    assert matches[0].entity.id == expected
    assert matches[0].exact is exact


def test_find_entities_filters(store: GraphStore) -> None:
    seed(store)
    assert store.find_entities("Rogue Ltd") == []  # rejected entities are not found
    assert store.find_entities("Berlin", types=["company"]) == []
    assert [m.entity.id for m in store.find_entities("Berlin", types=["place"])] == [BERLIN.id]
    assert store.find_entities("Zyxw Qqq") == []
    assert store.find_entities("   ") == []


def test_find_entities_many_is_find_entities_per_text(store: GraphStore) -> None:
    seed(store)
    texts = ["Acme Corp", "acme", "Glbex", "Umbrella", "Rogue Ltd", "Zyxw Qqq", "   ", "Acme Corp"]
    many = store.find_entities_many(texts, limit=3, min_score=80)
    assert list(many) == list(dict.fromkeys(texts))
    for text in many:
        assert many[text] == store.find_entities(text, limit=3, min_score=80), text
    typed = store.find_entities_many(["Berlin"], types=["company"])
    assert typed == {"Berlin": []}
    assert store.find_entities_many([]) == {}


def test_neighbourhood_by_hops_and_status(store: GraphStore) -> None:
    seed(store)
    one = store.neighbourhood([ACME.id], hops=1)
    assert {n.id for n in one.nodes} == {ACME.id, GLOBEX.id}  # the partnership is only proposed
    assert [r.id for r in one.relationships] == [COMPETES.id]
    three = store.neighbourhood([ACME.id], hops=3)
    assert {n.id for n in three.nodes} == {ACME.id, GLOBEX.id, INITECH.id, UMBRELLA.id}
    assert {r.type for r in three.relationships} == {"COMPETES_WITH", "SUPPLIED_BY", "ACQUIRED"}
    with_proposed = store.neighbourhood(
        [ACME.id], hops=1, statuses=(Status.APPROVED, Status.PROPOSED)
    )
    assert {n.id for n in with_proposed.nodes} == {ACME.id, GLOBEX.id, HOOLI.id}
    only_acquired = store.neighbourhood([INITECH.id], hops=2, rel_types=["ACQUIRED"])
    assert {n.id for n in only_acquired.nodes} == {INITECH.id, UMBRELLA.id}


def test_neighbourhood_truncates_deterministically(store: GraphStore) -> None:
    seed(store)
    sub = store.neighbourhood([ACME.id], hops=4, limit=3)
    assert sub.truncated
    assert len(sub.nodes) == 3
    assert {ACME.id, GLOBEX.id, INITECH.id} == {n.id for n in sub.nodes}
    assert all(
        r.source_id in {n.id for n in sub.nodes} and r.target_id in {n.id for n in sub.nodes}
        for r in sub.relationships
    )


def test_neighbourhood_over_structural_relationships(store: GraphStore) -> None:
    seed(store)
    sub = store.neighbourhood([ACME.id], hops=1, rel_types=["ABOUT"])
    about_acme = {REV_ACME_23.id, REV_ACME_24.id, SHARE_ACME_24.id, COMPETES.id}
    assert {n.id for n in sub.nodes} == {ACME.id} | about_acme  # PARTNER is only proposed


def test_paths_between_multi_hop(store: GraphStore) -> None:
    seed(store)
    [path] = store.paths_between(ACME.id, BERLIN.id, max_hops=4)
    assert [n.id for n in path.nodes] == [ACME.id, GLOBEX.id, INITECH.id, UMBRELLA.id, BERLIN.id]
    assert [r.type for r in path.relationships] == [
        "COMPETES_WITH",
        "SUPPLIED_BY",
        "ACQUIRED",
        "HEADQUARTERED_IN",
    ]
    assert path.relationships[0].source_id == ACME.id  # direction is kept
    assert path.relationships[3].target_id == BERLIN.id
    assert store.paths_between(ACME.id, BERLIN.id, max_hops=3) == []
    assert store.paths_between(BERLIN.id, ACME.id, max_hops=4)[0].nodes[0].id == BERLIN.id


def test_paths_are_simple_and_ordered(store: GraphStore) -> None:
    seed(store)
    shortcut = relation(ACME, "CUSTOMER_OF", INITECH)
    store.write(WriteBatch(assertions=(shortcut,)))
    paths = store.paths_between(ACME.id, UMBRELLA.id, max_hops=4)
    assert [p.length for p in paths] == [2, 3]
    assert [r.id for r in paths[0].relationships] == [shortcut.id, ACQUIRED.id]
    for path in paths:
        ids = [n.id for n in path.nodes]
        assert len(ids) == len(set(ids))
    assert len(store.paths_between(ACME.id, UMBRELLA.id, max_hops=4, limit=1)) == 1
    proposed = store.paths_between(
        HOOLI.id, GLOBEX.id, max_hops=2, statuses=(Status.APPROVED, Status.PROPOSED)
    )
    assert [[r.id for r in p.relationships] for p in proposed] == [[PARTNER.id, COMPETES.id]]
    assert store.paths_between(HOOLI.id, GLOBEX.id, max_hops=2) == []


def test_evidence_spans(store: GraphStore) -> None:
    text = "Market note. Acme Corp competes with Globex in logistics software."
    doc, chunk = document("notes/market.txt", text)
    ev = evidence(COMPETES, chunk, "Acme Corp competes with Globex")
    store.write(
        WriteBatch(
            documents=(doc,),
            chunks=(chunk,),
            entities=(ACME, GLOBEX),
            assertions=(COMPETES,),
            evidence=(ev,),
        )
    )
    spans = store.evidence([COMPETES.id, SUPPLIED.id])
    assert list(spans) == [COMPETES.id]
    [span] = spans[COMPETES.id]
    assert (span.start, span.end) == (13, 43)
    assert text[span.start : span.end] == span.quote
    assert span.document_source == "notes/market.txt"
    assert span.version == 1
    assert span.chunk_id == chunk.id


def test_evidence_needs_an_existing_chunk(store: GraphStore) -> None:
    _, chunk = document("notes/x.txt", "Acme Corp competes with Globex")
    ev = evidence(COMPETES, chunk, "Acme Corp")
    with pytest.raises(InvalidInput):
        store.write(WriteBatch(entities=(ACME, GLOBEX), assertions=(COMPETES,), evidence=(ev,)))
    assert store.get_nodes([COMPETES.id]) == []


def test_mention_of_a_missing_entity_refuses_the_whole_document(store: GraphStore) -> None:
    doc, chunk = document("notes/y.txt", "Acme Corp and Globex")
    mentions = tuple(MentionRecord(chunk_id=chunk.id, entity_id=e.id) for e in (ACME, GLOBEX))
    batch = WriteBatch(documents=(doc,), chunks=(chunk,), entities=(ACME,), mentions=mentions)
    refused = r"nothing was written: .*MENTIONS relationship.*not exist"
    with pytest.raises(InvalidInput, match=refused):
        store.write(batch)
    assert store.counts().nodes == {}
    store.write(batch.model_copy(update={"entities": (ACME, GLOBEX)}))
    assert store.counts().nodes == {"Document": 1, "Chunk": 1, "Entity": 2}
    assert store.counts().relationships == {"HAS_CHUNK": 1, "MENTIONS": 2}


def test_aggregate_observations(store: GraphStore) -> None:
    seed(store)
    rows = store.aggregate(ObservationQuery(metric="revenue", aggregate="sum"))
    by_entity = {r.entity_id: r for r in rows}
    assert set(by_entity) == {ACME.id, GLOBEX.id}  # Hooli's figure is only proposed
    assert by_entity[ACME.id].value == pytest.approx(22.5)
    assert by_entity[ACME.id].count == 2
    assert by_entity[ACME.id].unit == "USD million"
    assert by_entity[GLOBEX.id].value == pytest.approx(19.0)
    assert by_entity[ACME.id].assertion_ids == tuple(sorted([REV_ACME_23.id, REV_ACME_24.id]))

    yearly = store.aggregate(
        ObservationQuery(entity_ids=(ACME.id,), metric="revenue", aggregate="max", by_period=True)
    )
    assert [(r.period, r.value) for r in yearly] == [("2023", 10.0), ("2024", 12.5)]

    in_2024 = store.aggregate(
        ObservationQuery(metric="revenue", aggregate="avg", period_from="2024", period_to="2024")
    )
    assert {r.entity_id: r.value for r in in_2024} == {
        ACME.id: pytest.approx(12.5),
        GLOBEX.id: pytest.approx(9.5),  # 2024 and 2024-Q3
    }
    total = store.aggregate(ObservationQuery(aggregate="count", by_entity=False))
    assert {(r.metric, r.unit): r.value for r in total} == {
        ("revenue", "USD million"): 4.0,
        ("market share", "percent"): 1.0,
    }
    lowest = store.aggregate(ObservationQuery(metric="revenue", aggregate="min", by_entity=False))
    assert [r.value for r in lowest] == [4.0]


def test_record_decision_applies_status_atomically(store: GraphStore) -> None:
    seed(store)
    decision = DecisionRecord(
        id=stable_id(Label.DECISION, "d1"),
        target_id=SUPPLIED.id,
        action="reject",
        actor="expert@example.com",
        role="expert",
        reason="supplier relationship ended",
        created_at=T0,
    )
    store.record_decision(decision, {SUPPLIED.id: Status.REJECTED})
    [node] = store.get_nodes([SUPPLIED.id])
    assert node.status is Status.REJECTED
    assert store.paths_between(ACME.id, UMBRELLA.id, max_hops=4) == []
    [stored] = store.get_nodes([decision.id])
    assert stored.props["reason"] == "supplier relationship ended"
    decided = store.neighbourhood(
        [decision.id], hops=1, rel_types=["DECIDED"], statuses=list(Status)
    )
    assert {n.id for n in decided.nodes} == {decision.id, SUPPLIED.id}


def test_decision_on_unknown_target_writes_nothing(store: GraphStore) -> None:
    seed(store)
    before = store.counts()
    decision = DecisionRecord(
        id=stable_id(Label.DECISION, "d2"),
        target_id=stable_id(Label.KNOWLEDGE, "nope"),
        action="approve",
        actor="e",
        role="expert",
        created_at=T0,
    )
    with pytest.raises(NotFound):
        store.record_decision(decision, {COMPETES.id: Status.REJECTED})
    assert store.counts() == before
    assert store.get_nodes([COMPETES.id])[0].status is Status.APPROVED


def test_statement_layers_and_counts(store: GraphStore) -> None:
    seed(store)
    wisdom = statement(Layer.WISDOM, "Compete on integration, not price.", about=(ACME,))
    store.write(WriteBatch(assertions=(wisdom,)))
    counts = store.counts()
    assert counts.nodes == {"Entity": 7, "Knowledge": 11, "Wisdom": 1}
    assert counts.relationships["ABOUT"] == 2 * 5 + 6 + 1
    assert counts.relationships["COMPETES_WITH"] == 1
    assert counts.statuses == {"approved": 10, "proposed": 2}
    assert counts.schema_version == counts.code_schema_version


def test_writes_are_searchable_when_they_return_or_when_a_deferred_block_ends(
    store: GraphStore,
) -> None:
    first = statement(Layer.WISDOM, "Answer a price war with bundled services.", about=(ACME,))
    store.write(WriteBatch(entities=(ACME,), assertions=(first,)))
    # Neo4j's full-text indexes are eventually consistent: a plain write waits for them.
    assert [m.node.id for m in store.search_statements("bundled services price war")] == [first.id]
    later = [
        statement(Layer.WISDOM, f"Bundle onboarding number {i} with every renewal.", about=(ACME,))
        for i in range(20)
    ]
    with store.deferred_search_refresh():
        for wisdom in later:
            store.write(WriteBatch(assertions=(wisdom,)))
    found = store.search_statements("bundle onboarding renewal", limit=50, min_score=50)
    assert {m.node.id for m in found} == {w.id for w in later}
    assert [m.entity.id for m in store.find_entities("Acme Crop", min_score=70)] == [ACME.id]
