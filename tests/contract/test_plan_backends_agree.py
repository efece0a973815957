"""Both backends, one random graph, many random plans of every shape: identical results."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_schema import GraphSchema, Status
from kag.plan import Aggregation, Filters, Hop, QueryPlan, TimeFilter
from kag.settings import Settings
from kag.store import GraphStore, WriteBatch, open_store
from kag.testing.neo4j_server import Neo4jEndpoint
from tests.conftest import clear_neo4j, neo4j_settings
from tests.contract.test_backends_agree import random_graph

pytestmark = pytest.mark.neo4j

PREDICATES = sorted(GraphSchema.load().relation_types)
FILTERS = [
    Filters(),
    Filters(statuses=(Status.APPROVED, Status.PROPOSED)),
    Filters(statuses=(Status.APPROVED, Status.PROPOSED), min_confidence=0.5),
    Filters(entity_statuses=(Status.APPROVED,)),
]


@pytest.fixture
def stores(neo4j_endpoint: Neo4jEndpoint, tmp_path: Path) -> Iterator[list[GraphStore]]:
    clear_neo4j(neo4j_endpoint)
    opened = [
        open_store(Settings(store=f"embedded:{tmp_path / 'g.db'}")),
        open_store(neo4j_settings(neo4j_endpoint)),
    ]
    yield opened
    for s in opened:
        s.close()


def _hop(rng: random.Random, max_length: int = 2) -> Hop:
    types = tuple(rng.sample(PREDICATES, rng.randint(1, 3))) if rng.random() < 0.7 else ()
    low = rng.randint(1, max_length)
    return Hop(
        rel_types=types,
        direction=rng.choice(["out", "in", "both"]),
        min_length=low,
        max_length=rng.randint(low, max_length),
        entity_types=("company",) if rng.random() < 0.2 else (),
    )


def _time(rng: random.Random) -> TimeFilter:
    return rng.choice(
        [
            TimeFilter(),
            TimeFilter(period_from="2023", period_to="2024"),
            TimeFilter(period_to="2023", granularity="year"),
            TimeFilter(granularity="quarter"),
        ]
    )


def random_plans(rng: random.Random, entity_ids: list[str]) -> Iterator[QueryPlan]:
    for _ in range(25):
        yield QueryPlan(
            shape="chain",
            anchors=tuple(rng.sample(entity_ids, rng.randint(1, 3))),
            hops=tuple(_hop(rng) for _ in range(rng.randint(1, 3))),
            filters=rng.choice(FILTERS),
            limit=rng.choice([5, 25, 100]),
        )
    for _ in range(15):
        a, b = rng.sample(entity_ids, 2)
        yield QueryPlan(
            shape="relate",
            anchors=(a,),
            hops=(Hop(max_length=rng.randint(1, 4)),),
            targets=(b,),
            filters=rng.choice(FILTERS),
            limit=10,
        )
    for _ in range(30):
        op = rng.choice(["count", "sum", "avg", "min", "max", "rank", "compare", "trend"])
        scope = rng.choice(["all", "anchors", "traversal"])
        anchors = tuple(rng.sample(entity_ids, 3)) if scope != "all" else ()
        yield QueryPlan(
            shape="quantitative",
            returns="values",
            anchors=anchors,
            hops=(_hop(rng, 1),) if scope == "traversal" else (),
            aggregation=Aggregation(
                op=op,  # type: ignore[arg-type]
                metric=rng.choice(["revenue", "headcount"]),
                value_fn=rng.choice(["sum", "avg", "max"]),
                by_entity=rng.random() < 0.8,
                by_period=op == "trend" or rng.random() < 0.3,
                order=rng.choice(["desc", "asc"]),
                limit=rng.choice([None, 3]),
            ),
            filters=rng.choice(FILTERS),
            time=_time(rng),
        )


def test_random_plans_give_identical_results(stores: list[GraphStore]) -> None:
    entities, assertions = random_graph(seed=21)
    for store in stores:
        store.write(WriteBatch(entities=tuple(entities), assertions=tuple(assertions)))
    rng = random.Random(5)
    non_empty = 0
    for plan in random_plans(rng, [e.id for e in entities]):
        embedded, neo4j = (s.execute_plan(plan) for s in stores)
        assert embedded == neo4j, plan.model_dump_json()
        non_empty += not embedded.empty
    assert non_empty >= 30  # the comparison is meaningful only if most plans match something
