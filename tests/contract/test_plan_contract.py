"""Query plans on every backend: each plan shape with its expected result stated explicitly.

The Neo4j backend runs the compiled Cypher on a real Neo4j 5.26, the embedded backend its native
executor; passing here on both proves they agree. ``test_plan_backends_agree`` adds random plans
over a random graph, comparing the two backends' full results.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from graph_schema import Label, Status
from kag.errors import InvalidInput
from kag.plan import Aggregation, Filters, Hop, QueryPlan, TimeFilter, compile_plan
from kag.store import GraphStore
from tests.support import engine_graph as g

APPROVED_AND_PROPOSED = Filters(statuses=(Status.APPROVED, Status.PROPOSED))


@pytest.fixture
def graph(store: GraphStore) -> GraphStore:
    g.write_engine_graph(store)
    return store


def node_ids(store: GraphStore, plan: QueryPlan) -> list[list[str]]:
    return [[n.id for n in p.nodes] for p in store.execute_plan(plan).paths]


def rel_ids(store: GraphStore, plan: QueryPlan) -> list[list[str]]:
    return [[r.id for r in p.relationships] for p in store.execute_plan(plan).paths]


def test_three_hop_chain_follows_types_and_directions(graph: GraphStore) -> None:
    plan = QueryPlan(
        shape="chain",
        anchors=(g.GLOBEX.id,),
        hops=(
            Hop(rel_types=("ACQUIRED",), direction="out"),
            Hop(rel_types=("SUPPLIED_BY",), direction="out"),
            Hop(rel_types=("HEADQUARTERED_IN",), direction="out"),
        ),
    )
    result = graph.execute_plan(plan)
    [path] = result.paths
    assert [n.id for n in path.nodes] == [g.GLOBEX.id, g.INITECH.id, g.UMBRELLA.id, g.BERLIN.id]
    assert [r.id for r in path.relationships] == [g.ACQUIRED.id, g.SUPPLIED.id, g.HQ.id]
    assert [r.type for r in path.relationships] == ["ACQUIRED", "SUPPLIED_BY", "HEADQUARTERED_IN"]
    assert path.nodes[3].name == "Berlin"
    assert path.relationships[0].status is Status.APPROVED
    assert result.truncated is False


def test_incoming_chain(graph: GraphStore) -> None:
    plan = QueryPlan(
        shape="chain",
        anchors=(g.UMBRELLA.id,),
        hops=(
            Hop(rel_types=("SUPPLIED_BY",), direction="in"),
            Hop(rel_types=("ACQUIRED",), direction="in"),
        ),
    )
    assert node_ids(graph, plan) == [[g.UMBRELLA.id, g.INITECH.id, g.GLOBEX.id]]
    wrong_way = plan.model_copy(
        update={"hops": (Hop(rel_types=("SUPPLIED_BY",), direction="out"),)}
    )
    assert node_ids(graph, wrong_way) == []


def test_paths_between_two_anchors_shortest_first(graph: GraphStore) -> None:
    plan = QueryPlan(
        shape="relate",
        anchors=(g.ACME.id,),
        hops=(Hop(direction="both", max_length=3),),
        targets=(g.INITECH.id,),
    )
    assert rel_ids(graph, plan) == [[g.OLD_PARTNER.id], [g.COMPETES.id, g.ACQUIRED.id]]


def test_proposed_facts_only_when_allowed_and_confidence_threshold(graph: GraphStore) -> None:
    plan = QueryPlan(
        shape="relate",
        anchors=(g.ACME.id,),
        hops=(Hop(max_length=3),),
        targets=(g.INITECH.id,),
        filters=APPROVED_AND_PROPOSED,
    )
    via_hooli = [g.PARTNER_PROPOSED.id, g.LOW_CONF.id, g.ACQUIRED.id]
    assert rel_ids(graph, plan) == [
        [g.OLD_PARTNER.id],
        [g.COMPETES.id, g.ACQUIRED.id],
        via_hooli,
    ]
    confident = Filters(statuses=(Status.APPROVED, Status.PROPOSED), min_confidence=0.5)
    assert via_hooli not in rel_ids(graph, plan.model_copy(update={"filters": confident}))


def test_time_filter_uses_validity_intervals(graph: GraphStore) -> None:
    base = QueryPlan(
        anchors=(g.ACME.id,), hops=(Hop(max_length=2),), targets=(g.INITECH.id,), shape="relate"
    )
    in_2024 = base.model_copy(update={"time": TimeFilter(period_from="2024", period_to="2024")})
    assert rel_ids(graph, in_2024) == [[g.COMPETES.id, g.ACQUIRED.id]]
    until_2023 = base.model_copy(update={"time": TimeFilter(period_to="2023")})
    assert rel_ids(graph, until_2023) == [[g.OLD_PARTNER.id]]


def test_rejected_facts_and_entities_are_never_traversed(graph: GraphStore) -> None:
    competitors = QueryPlan(anchors=(g.ACME.id,), hops=(Hop(rel_types=("COMPETES_WITH",)),))
    assert node_ids(graph, competitors) == [[g.ACME.id, g.GLOBEX.id]]
    acquirers = QueryPlan(
        anchors=(g.UMBRELLA.id,), hops=(Hop(rel_types=("ACQUIRED",), direction="in"),)
    )
    assert node_ids(graph, acquirers) == []  # Rogue Ltd is a rejected entity
    with pytest.raises(ValidationError, match="never used"):
        Filters(statuses=(Status.APPROVED, Status.REJECTED))


def test_statements_about_an_entity(graph: GraphStore) -> None:
    plan = QueryPlan(
        anchors=(g.GLOBEX.id,),
        hops=(Hop(rel_types=("ABOUT",), direction="in", labels=(Label.EXPERIENCE, Label.INSIGHT)),),
    )
    ends = {p[-1] for p in node_ids(graph, plan)}
    assert ends == {g.EXPERIENCE_WIN.id, g.EXPERIENCE_LOSS.id, g.INSIGHT.id}


def test_advice_situation_wisdom_and_experience(graph: GraphStore) -> None:
    wisdom = QueryPlan(
        shape="advice",
        anchors=(g.SITUATION.id,),
        hops=(Hop(rel_types=("APPLIES_IN",), direction="in", labels=(Label.WISDOM,)),),
    )
    assert node_ids(graph, wisdom) == [[g.SITUATION.id, g.WISDOM.id]]
    with_proposed = wisdom.model_copy(update={"filters": APPROVED_AND_PROPOSED})
    assert sorted(p[-1] for p in node_ids(graph, with_proposed)) == sorted(
        [g.WISDOM.id, g.WISDOM_PROPOSED.id]
    )
    backed = wisdom.model_copy(
        update={
            "hops": (
                *wisdom.hops,
                Hop(
                    rel_types=("SUPPORTS", "CONTRADICTS"),
                    direction="in",
                    labels=(Label.EXPERIENCE,),
                ),
            )
        }
    )
    paths = graph.execute_plan(backed).paths
    assert {(p.nodes[-1].id, p.relationships[-1].type) for p in paths} == {
        (g.EXPERIENCE_WIN.id, "SUPPORTS"),
        (g.EXPERIENCE_LOSS.id, "CONTRADICTS"),
    }


def test_hop_boundary_labels_and_entity_types(graph: GraphStore) -> None:
    plan = QueryPlan(
        anchors=(g.ACME.id,),
        hops=(Hop(max_length=2, labels=(Label.ENTITY,), entity_types=("product",)),),
    )
    assert node_ids(graph, plan) == [[g.ACME.id, g.ROUTEMAX.id]]


def test_limit_marks_truncation(graph: GraphStore) -> None:
    plan = QueryPlan(anchors=(g.GLOBEX.id,), hops=(Hop(),), limit=2)
    result = graph.execute_plan(plan)
    assert len(result.paths) == 2
    assert result.truncated is True
    everything = graph.execute_plan(plan.model_copy(update={"limit": 50}))
    assert everything.paths[:2] == result.paths
    assert everything.truncated is False


def _values(store: GraphStore, plan: QueryPlan) -> list[tuple[object, ...]]:
    return [
        (r.entity_name, r.unit, r.period, r.value, r.count, r.rank, r.change, r.change_pct)
        for r in store.execute_plan(plan).values
    ]


def test_sum_per_entity_never_mixes_units_or_uses_proposed(graph: GraphStore) -> None:
    plan = QueryPlan(
        shape="quantitative",
        returns="values",
        aggregation=Aggregation(op="sum", metric="revenue"),
        time=TimeFilter(period_from="2024", period_to="2024", granularity="year"),
    )
    rows = {
        (name, unit, period, value, count)
        for name, unit, period, value, count, *_ in _values(graph, plan)
    }
    assert rows == {
        ("Acme Corp", "EUR million", None, 11.0, 1),
        ("Acme Corp", "USD million", None, 12.5, 1),
        ("Globex", "USD million", None, 15.0, 1),
        ("Initech", "USD million", None, 6.0, 1),
    }


def test_rank_with_limit(graph: GraphStore) -> None:
    plan = QueryPlan(
        returns="values",
        aggregation=Aggregation(op="rank", metric="revenue", unit="USD million", limit=2),
        time=TimeFilter(period_from="2024", period_to="2024", granularity="year"),
    )
    result = graph.execute_plan(plan)
    assert [(r.entity_name, r.value, r.rank) for r in result.values] == [
        ("Globex", 15.0, 1),
        ("Acme Corp", 12.5, 2),
    ]
    assert result.truncated is True
    [row] = [r for r in result.values if r.rank == 1]
    assert row.assertion_ids == (g.REV[(g.GLOBEX, "2024")].id,)
    [cited] = row.paths
    assert [n.id for n in cited.nodes] == [g.REV[(g.GLOBEX, "2024")].id, g.GLOBEX.id]
    assert cited.relationships[0].type == "ABOUT"


def test_compare_two_anchors(graph: GraphStore) -> None:
    plan = QueryPlan(
        returns="values",
        anchors=(g.ACME.id, g.GLOBEX.id),
        aggregation=Aggregation(op="compare", metric="market share"),
        time=TimeFilter(period_from="2024", period_to="2024"),
    )
    assert _values(graph, plan) == [
        ("Globex", "percent", None, 25.0, 1, 1, None, None),
        ("Acme Corp", "percent", None, 20.0, 1, 2, -5.0, -20.0),
    ]


def test_trend_over_periods(graph: GraphStore) -> None:
    plan = QueryPlan(
        returns="values",
        anchors=(g.ACME.id,),
        aggregation=Aggregation(op="trend", metric="revenue", unit="USD million", by_period=True),
        time=TimeFilter(granularity="year"),
    )
    assert _values(graph, plan) == [
        ("Acme Corp", "USD million", "2023", 10.0, 1, 1, None, None),
        ("Acme Corp", "USD million", "2024", 12.5, 1, 2, 2.5, 25.0),
        ("Acme Corp", "USD million", "2025", 14.0, 1, 3, 1.5, 12.0),
    ]


def test_aggregate_over_the_ends_of_a_traversal(graph: GraphStore) -> None:
    plan = QueryPlan(
        returns="values",
        anchors=(g.ACME.id,),
        hops=(Hop(rel_types=("COMPETES_WITH",)),),
        aggregation=Aggregation(op="max", metric="revenue"),
    )
    assert [(r.entity_name, r.value, r.count) for r in graph.execute_plan(plan).values] == [
        ("Globex", 15.0, 3)
    ]


@pytest.mark.parametrize(
    ("op", "expected"), [("avg", 11.0), ("min", 4.0), ("max", 15.0), ("count", 3.0)]
)
def test_plain_aggregates(graph: GraphStore, op: str, expected: float) -> None:
    plan = QueryPlan(
        returns="values",
        anchors=(g.GLOBEX.id,),
        aggregation=Aggregation(op=op, metric="revenue"),  # type: ignore[arg-type]
        time=TimeFilter(period_from="2023", period_to="2024"),
    )
    [row] = graph.execute_plan(plan).values
    assert (row.value, row.count) == (expected, 3)


def test_count_across_entities_by_metric(graph: GraphStore) -> None:
    plan = QueryPlan(returns="values", aggregation=Aggregation(op="count", by_entity=False))
    assert all(r.entity_id is None for r in graph.execute_plan(plan).values)
    rows = {(r.metric, r.unit): r.value for r in graph.execute_plan(plan).values}
    assert rows == {
        ("market share", "percent"): 2.0,
        ("price change", "percent"): 1.0,
        ("revenue", "EUR million"): 1.0,
        ("revenue", "USD million"): 7.0,
    }


def test_types_outside_the_schema_are_refused(graph: GraphStore) -> None:
    plan = QueryPlan(anchors=(g.ACME.id,), hops=(Hop(rel_types=("LOVES",)),))
    with pytest.raises(InvalidInput, match="LOVES"):
        graph.execute_plan(plan)
    bad_type = QueryPlan(anchors=(g.ACME.id,), hops=(Hop(entity_types=("spaceship",)),))
    with pytest.raises(InvalidInput, match="spaceship"):
        graph.execute_plan(bad_type)


def test_values_reach_cypher_only_as_parameters(graph: GraphStore) -> None:
    hostile = "revenue' OR 1=1 WITH k MATCH (n) DETACH DELETE n //"
    plan = QueryPlan(returns="values", aggregation=Aggregation(op="sum", metric=hostile))
    compiled = compile_plan(plan, graph.schema)
    assert hostile not in compiled.cypher
    assert compiled.params["metric"] == hostile
    assert graph.execute_plan(plan).values == ()
    assert graph.counts().nodes["Entity"] == len(g.ENTITIES)
    with pytest.raises(ValidationError):
        QueryPlan(anchors=("ent_0') DETACH DELETE n //",), hops=(Hop(),))
    with pytest.raises(ValidationError):
        Hop(rel_types=("ACQUIRED`]->() DELETE x //",))
