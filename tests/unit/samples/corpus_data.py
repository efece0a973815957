"""The sample corpus as the tests see it: cached gold data, gold ids and answer checks."""

from __future__ import annotations

from functools import cache

from graph_schema import GraphSchema
from kag.samples import (
    GoldenQuestion,
    GoldFacts,
    GoldObservation,
    GoldRelation,
    corpus_dir,
    document_paths,
    document_text,
    gold_write_batches,
    load_facts,
    load_golden_questions,
)
from kag.samples import ids as gold_ids


@cache
def facts() -> GoldFacts:
    return load_facts()


@cache
def questions() -> tuple[GoldenQuestion, ...]:
    return tuple(load_golden_questions())


@cache
def texts() -> dict[str, str]:
    return {doc: document_text(corpus_dir() / doc) for doc in document_paths()}


@cache
def schema() -> GraphSchema:
    return GraphSchema.load()


def entity_id(name: str) -> str:
    entity = facts().entity(name)
    return gold_ids.entity_id(entity.type, entity.name)


def names_of(name: str) -> tuple[str, ...]:
    entity = facts().entity(name)
    return (entity.name, *entity.aliases)


def assertion_id(key: str) -> str:
    return assertion_ids()[key]


@cache
def assertion_ids() -> dict[str, str]:
    """Fact key -> assertion id, recomputed from the documented id scheme and found among the
    records ``gold_write_batches`` builds."""
    by_fingerprint = {
        a.fingerprint: a.id for b in gold_write_batches(schema()) for a in b.assertions
    }
    out = {}
    for fact in facts().facts:
        if isinstance(fact, GoldRelation):
            fingerprint = gold_ids.relation_fingerprint(
                entity_id(fact.subject),
                fact.predicate,
                entity_id(fact.object),
                symmetric=schema().relation_types[fact.predicate].symmetric,
            )[0]
        elif isinstance(fact, GoldObservation):
            fingerprint = gold_ids.observation_fingerprint(
                entity_id(fact.subject), fact.metric, fact.period, fact.value, fact.unit
            )
        else:
            fingerprint = gold_ids.statement_fingerprint(fact.text)
        out[fact.key] = by_fingerprint[fingerprint]
    return out


def gold_values(q: GoldenQuestion) -> dict[tuple[str, str], float]:
    spec = q.quantity
    assert spec is not None
    found = {}
    for key in q.facts:
        obs = facts().fact(key)
        assert isinstance(obs, GoldObservation), (q.id, key)
        assert obs.metric == spec.metric, (q.id, key)
        assert obs.unit == q.expected.unit, (q.id, key)
        found[(obs.subject, obs.period)] = obs.value
    assert set(found) == {(e, p) for e in spec.entities for p in spec.periods}, q.id
    return found


def check_quantity(q: GoldenQuestion, values: dict[tuple[str, str], float]) -> None:
    """Check a quantitative question's expected answer against (entity, period) values."""
    spec, exp = q.quantity, q.expected
    assert spec is not None
    tolerance = exp.tolerance or 0.0
    if spec.operation == "trend":
        series = [(p, values[(spec.entities[0], p)]) for p in spec.periods]
        assert [(p, v) for p, v in exp.values] == series, q.id
        assert exp.value is not None, q.id
        assert abs(series[-1][1] - series[0][1] - exp.value) <= tolerance, q.id
        return
    if spec.operation in ("compare", "rank"):
        period = spec.periods[0]
        ranked = sorted(spec.entities, key=lambda e: -values[(e, period)])
        assert list(exp.order) == ranked, q.id
        assert dict(exp.values) == {e: values[(e, period)] for e in spec.entities}, q.id
        if spec.operation == "compare" and exp.value is not None:
            diff = values[(ranked[0], period)] - values[(ranked[1], period)]
            assert abs(diff - exp.value) <= tolerance, q.id
        return
    numbers = list(values.values())
    result = {"value": numbers[0], "sum": sum(numbers), "avg": sum(numbers) / len(numbers)}
    assert exp.value is not None, q.id
    assert abs(result[spec.operation] - exp.value) <= tolerance, q.id
