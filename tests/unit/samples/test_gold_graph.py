"""The gold graph written into each backend answers what the golden questions ask.

``gold_write_batches`` builds the graph; each test writes it into a fresh store of each backend
(the Neo4j one is a real Neo4j 5.26) and asks the store the way the engine will.
"""

from __future__ import annotations

from collections import Counter

from graph_schema import Label, RelType
from kag.samples import GoldenQuestion, GoldRelation, document_paths, gold_write_batches
from kag.store import GraphStore, ObservationQuery, WriteBatch
from tests.unit.samples.corpus_data import (
    assertion_id,
    check_quantity,
    entity_id,
    facts,
    questions,
    texts,
)


def write_gold(store: GraphStore) -> list[WriteBatch]:
    batches = gold_write_batches(store.schema)
    for batch in batches:
        store.write(batch)
    return batches


def _expected_counts(batches: list[WriteBatch]) -> tuple[dict[str, int], dict[str, int]]:
    gold = facts()
    assertions = {a.id: a for b in batches for a in b.assertions}
    nodes = Counter(a.layer.value for a in assertions.values())
    nodes.update(Document=len(document_paths()), Chunk=len(document_paths()))
    nodes["Entity"] = len(gold.entities)
    rels = Counter(a.predicate for a in assertions.values() if a.predicate)
    rels.update(link.type for link in gold.links)
    rels["EVIDENCED_BY"] = len({e.id for b in batches for e in b.evidence})
    rels["HAS_CHUNK"] = len(document_paths())
    rels["MENTIONS"] = sum(len(b.mentions) for b in batches)
    rels["ABOUT"] = sum(
        len({a.subject_id, a.object_id, *a.entity_ids} - {None}) for a in assertions.values()
    )
    distinct = {
        (f.subject, f.predicate, f.object) if isinstance(f, GoldRelation) else f.key
        for f in gold.facts
    }
    assert len(assertions) == len(distinct)
    return dict(nodes), dict(rels)


def test_gold_graph_writes_and_counts_match_the_facts(store: GraphStore) -> None:
    batches = write_gold(store)
    nodes, rels = _expected_counts(batches)
    counts = store.counts()
    assert counts.nodes == dict(sorted(nodes.items()))
    assert counts.relationships == dict(sorted(rels.items()))
    assert counts.statuses == {
        "approved": sum(
            v
            for k, v in nodes.items()
            if k in {layer.value for layer in store.schema.layer_labels()}
        )
    }
    write_gold(store)  # writing again changes nothing
    assert store.counts() == counts


def _check_path(store: GraphStore, q: GoldenQuestion) -> None:
    """The question's relations form a path of ``hops`` hops from its anchor to its target."""
    assert q.target is not None
    assert q.hops is not None
    paths = store.paths_between(
        entity_id(q.anchors[0]), entity_id(q.target), max_hops=q.hops, limit=500
    )
    wanted = [assertion_id(k) for k in q.facts]
    assert wanted in [[r.id for r in p.relationships] for p in paths], q.id


def _check_aggregates(store: GraphStore, q: GoldenQuestion) -> None:
    """Observation aggregation per entity and period gives the expected answer."""
    spec = q.quantity
    assert spec is not None
    values: dict[tuple[str, str], float] = {}
    for name in spec.entities:
        rows = store.aggregate(
            ObservationQuery(
                entity_ids=(entity_id(name),),
                metric=spec.metric,
                period_from=min(spec.periods),
                period_to=max(spec.periods),
                by_period=True,
            )
        )
        for row in rows:
            if row.period in spec.periods:
                assert row.unit == q.expected.unit, q.id
                assert row.count == 1, q.id
                values[(name, row.period)] = row.value
    assert set(values) == {(e, p) for e in spec.entities for p in spec.periods}, q.id
    check_quantity(q, values)


_ADVICE_LINKS = [
    t.value
    for t in (RelType.APPLIES_IN, RelType.IN_SITUATION, RelType.SUPPORTS, RelType.CONTRADICTS)
]


def _check_advice(store: GraphStore, q: GoldenQuestion) -> None:
    """Situation <- Wisdom <- Experience: everything within two structural hops of the situation."""
    ids = [assertion_id(k) for k in q.facts]
    [situation] = [
        i for k, i in zip(q.facts, ids, strict=True) if facts().layer_of(k) == "Situation"
    ]
    reached = store.neighbourhood([situation], hops=2, rel_types=_ADVICE_LINKS, limit=1000)
    assert set(ids) <= {n.id for n in reached.nodes}, q.id
    labels = {n.label for n in reached.nodes if n.id in ids}
    assert {Label.SITUATION, Label.WISDOM, Label.EXPERIENCE} <= labels, q.id


def _check_describe(store: GraphStore, q: GoldenQuestion) -> None:
    """The described entity's one-hop neighbourhood holds the question's relations."""
    around = store.neighbourhood([entity_id(q.anchors[0])], hops=1)
    assert {assertion_id(k) for k in q.facts} <= {r.id for r in around.relationships}, q.id


def _check_evidence(store: GraphStore, q: GoldenQuestion) -> None:
    """The evidence of the question's facts comes from exactly its expected documents."""
    ids = [assertion_id(k) for k in q.facts]
    spans = store.evidence(ids)
    assert {s.document_source for i in ids for s in spans[i]} == set(q.expected_documents), q.id
    for span in (s for i in ids for s in spans[i]):
        assert texts()[span.document_source][span.start : span.end] == span.quote


_CHECKS = {
    "relate": _check_path,
    "chain": _check_path,
    "quantitative": _check_aggregates,
    "advice": _check_advice,
    "describe": _check_describe,
}


def test_golden_questions_are_answered_by_the_gold_graph(store: GraphStore) -> None:
    write_gold(store)
    for q in questions():
        check = _CHECKS.get(q.shape)
        if check is not None:
            check(store, q)
        _check_evidence(store, q)
