"""Every shape of compiled plan Cypher, and the engine's query constants, EXPLAIN without a
syntax error or a deprecation on a real Neo4j 5.26 (results are checked by the contract suite)."""

from __future__ import annotations

import pytest
from neo4j import GraphDatabase

from graph_schema import GraphSchema, Label
from kag.plan import Aggregation, Hop, QueryPlan, TimeFilter, compile_plan
from kag.store.neo4j.queries import engine
from kag.testing.neo4j_server import Neo4jEndpoint

pytestmark = pytest.mark.neo4j
SCHEMA = GraphSchema.load()
ENT, SIT = "ent_0123456789abcdef0123", "sit_0123456789abcdef0123"
PLANS = [
    QueryPlan(anchors=(ENT,), hops=(Hop(),)),
    QueryPlan(anchors=(ENT, SIT), hops=(Hop(rel_types=("ABOUT",), direction="in"),)),
    QueryPlan(
        anchors=(ENT,),
        hops=(
            Hop(rel_types=("ACQUIRED",), direction="in"),
            Hop(max_length=3, direction="out", labels=(Label.ENTITY,), entity_types=("company",)),
        ),
        targets=(ENT,),
        time=TimeFilter(period_from="2023", period_to="2024"),
    ),
    QueryPlan(returns="values", aggregation=Aggregation(op="rank", metric="revenue", limit=3)),
    QueryPlan(
        returns="values",
        anchors=(ENT,),
        aggregation=Aggregation(op="trend", metric="revenue", by_period=True),
        time=TimeFilter(granularity="year"),
    ),
    QueryPlan(
        returns="values",
        anchors=(ENT,),
        hops=(Hop(rel_types=("COMPETES_WITH",)),),
        aggregation=Aggregation(op="avg", metric="revenue", by_entity=False),
    ),
]
CONSTANTS = [engine.FULLTEXT_STATEMENT_CANDIDATES, engine.UPSERT_ANSWER, engine.GET_ANSWER,
             engine.CITE_NODES]  # fmt: skip


def _deprecations(endpoint: Neo4jEndpoint, query: str) -> list[str]:
    with GraphDatabase.driver(
        endpoint.uri,
        auth=endpoint.auth,
        notifications_disabled_classifications=["GENERIC", "UNRECOGNIZED", "PERFORMANCE"],
    ) as driver:
        summary = driver.execute_query("EXPLAIN " + query).summary
    return [
        n.status_description
        for n in summary.gql_status_objects
        if "deprecat" in n.status_description.lower()
    ]


def test_compiled_plans_and_engine_queries_explain_cleanly(neo4j_endpoint: Neo4jEndpoint) -> None:
    queries = [compile_plan(p, SCHEMA).cypher for p in PLANS] + CONSTANTS
    problems = {
        i: found for i, q in enumerate(queries) if (found := _deprecations(neo4j_endpoint, q))
    }
    assert problems == {}
