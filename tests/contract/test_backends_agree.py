"""Both backends, one random graph, many reads: the answers must be identical."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from graph_schema import GraphSchema, Status
from graph_schema.properties import AssertionRecord, EntityRecord
from kag.settings import Settings
from kag.store import GraphStore, ObservationQuery, WriteBatch, open_store
from kag.testing.neo4j_server import Neo4jEndpoint
from tests.conftest import clear_neo4j, neo4j_settings
from tests.support.builders import entity, observation, relation

pytestmark = pytest.mark.neo4j

STATUSES = [Status.APPROVED] * 7 + [Status.PROPOSED] * 2 + [Status.REJECTED]
SYLLABLES = ["ac", "me", "glo", "bex", "ini", "tech", "um", "bre", "lla", "hoo", "li", "vand"]


def random_graph(seed: int) -> tuple[list[EntityRecord], list[AssertionRecord]]:
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < 60:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title())
    entities = [
        entity(
            name,
            rng.choice(["company", "company", "place", "product"]),
            status=rng.choice([Status.APPROVED, Status.APPROVED, Status.PROPOSED]),
        )
        for name in sorted(names)
    ]
    predicates = sorted(GraphSchema.load().relation_types)
    assertions: dict[str, AssertionRecord] = {}
    for _ in range(150):
        a, b = rng.sample(entities, 2)
        rel = relation(a, rng.choice(predicates), b, status=rng.choice(STATUSES))
        assertions[rel.id] = rel
    for _ in range(80):
        subject = rng.choice(entities)
        obs = observation(
            subject,
            rng.choice(["revenue", "headcount"]),
            float(rng.randint(1, 500)),
            rng.choice(["USD million", "EUR million"]),
            rng.choice(["2022", "2023", "2024", "2024-Q1", "2024-Q2"]),
            status=rng.choice(STATUSES),
        )
        assertions[obs.id] = obs
    return entities, list(assertions.values())


def _approx(rows: list[Any]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        data = row.model_dump(mode="json")
        data["value"] = round(data["value"], 6)
        out.append(data)
    return out


@pytest.fixture
def stores(neo4j_endpoint: Neo4jEndpoint, tmp_path: Path) -> list[GraphStore]:
    clear_neo4j(neo4j_endpoint)
    opened = [
        open_store(Settings(store=f"embedded:{tmp_path / 'g.db'}")),
        open_store(neo4j_settings(neo4j_endpoint)),
    ]
    yield opened  # type: ignore[misc]
    for s in opened:
        s.close()


def test_random_graph_reads_are_identical(stores: list[GraphStore]) -> None:
    entities, assertions = random_graph(seed=7)
    for store in stores:
        store.write(WriteBatch(entities=tuple(entities), assertions=tuple(assertions)))
    rng = random.Random(11)
    all_statuses = (Status.APPROVED, Status.PROPOSED)

    def both(call: Any) -> None:
        embedded, neo4j = (call(s) for s in stores)
        assert embedded == neo4j

    assert stores[0].counts().nodes == stores[1].counts().nodes
    assert stores[0].counts().relationships == stores[1].counts().relationships
    for _ in range(15):
        a, b = rng.sample(entities, 2)
        both(lambda s, a=a, b=b: s.paths_between(a.id, b.id, max_hops=3, limit=10))
        both(
            lambda s, a=a, b=b: s.paths_between(
                a.id, b.id, max_hops=4, statuses=all_statuses, limit=5
            )
        )
        both(lambda s, a=a: s.neighbourhood([a.id], hops=2, limit=40))
        both(lambda s, a=a, b=b: s.neighbourhood([a.id, b.id], hops=3, statuses=all_statuses))
        typo = a.name[:-1] + ("x" if a.name[-1] != "x" else "y")
        both(lambda s, q=typo: [(m.entity.id, m.score) for m in s.find_entities(q, limit=5)])
        lower = a.name.lower()
        both(lambda s, q=lower: s.find_entities(q))
    for agg in ("count", "sum", "avg", "min", "max"):
        for by_period in (False, True):
            query = ObservationQuery(metric="revenue", aggregate=agg, by_period=by_period)  # type: ignore[arg-type]
            both(lambda s, q=query: _approx(s.aggregate(q)))
    query = ObservationQuery(aggregate="sum", period_from="2023", period_to="2024", by_entity=False)
    both(lambda s: _approx(s.aggregate(query)))
    ids = [a.id for a in assertions[:20]]
    both(lambda s: s.get_nodes(ids))
