"""Graph routes through the real HTTP stack on both backends, and injection attempts that must
reach the store only as parameters (the graph is unchanged and nothing fails)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph_schema import Layer, Status
from kag.settings import Settings
from kag.state import Role
from kag.store import GraphStore, WriteBatch, open_store
from tests.e2e.api.test_auth import assert_problem
from tests.support.api_server import RunningApi
from tests.support.builders import entity, relation, statement

pytestmark = pytest.mark.e2e

ACME = entity("Acme Corp", aliases=("Acme",))
GLOBEX = entity("Globex")
INITECH = entity("Initech")
HOOLI = entity("Hooli")
COMPETES = relation(ACME, "COMPETES_WITH", GLOBEX)
SUPPLIED = relation(GLOBEX, "SUPPLIED_BY", INITECH)
PARTNER = relation(HOOLI, "PARTNERS_WITH", ACME, status=Status.PROPOSED)
LESSON = statement(Layer.WISDOM, "Compete with Globex on integration, not price.", about=(ACME,))


@pytest.fixture
def graph(api_config: Settings) -> Iterator[GraphStore]:
    """The API's store, seeded with a small competitive graph (opened by the test, too)."""
    store = open_store(api_config)
    try:
        store.write(
            WriteBatch(
                entities=(ACME, GLOBEX, INITECH, HOOLI),
                assertions=(COMPETES, SUPPLIED, PARTNER, LESSON),
            )
        )
        yield store
    finally:
        store.close()


def test_entity_with_neighbourhood(graph: GraphStore, api: RunningApi) -> None:
    with api.client(Role.ANALYST) as client:
        one = client.get(f"/v1/entities/{ACME.id}").json()
        two = client.get(f"/v1/entities/{ACME.id}", params={"hops": 2}).json()
        proposed = client.get(f"/v1/entities/{ACME.id}", params={"include_proposed": True}).json()
        about = client.get(f"/v1/entities/{ACME.id}", params={"include_about": True}).json()
    assert one["entity"]["name"] == "Acme Corp"
    assert one["entity"]["properties"]["aliases"] == ["Acme"]
    assert "name_norm" not in one["entity"]["properties"]
    assert {n["id"] for n in one["neighbourhood"]["nodes"]} == {ACME.id, GLOBEX.id}
    assert [r["type"] for r in one["neighbourhood"]["relationships"]] == ["COMPETES_WITH"]
    assert {n["id"] for n in two["neighbourhood"]["nodes"]} == {ACME.id, GLOBEX.id, INITECH.id}
    assert HOOLI.id in {n["id"] for n in proposed["neighbourhood"]["nodes"]}
    assert LESSON.id in {n["id"] for n in about["neighbourhood"]["nodes"]}


def test_entity_search_by_name_and_alias(graph: GraphStore, api: RunningApi) -> None:
    with api.client(Role.ANALYST) as client:
        exact = client.get("/v1/entities", params={"name": "acme"}).json()
        fuzzy = client.get("/v1/entities", params={"name": "Globx", "min_score": 70}).json()
        typed = client.get("/v1/entities", params={"name": "acme", "type": "place"}).json()
    assert exact[0]["entity"]["id"] == ACME.id
    assert exact[0]["exact"] is True
    assert fuzzy[0]["entity"]["id"] == GLOBEX.id
    assert fuzzy[0]["exact"] is False
    assert typed == []


def test_paths_between_two_entities(graph: GraphStore, api: RunningApi) -> None:
    with api.client(Role.ANALYST) as client:
        found = client.get("/v1/paths", params={"source": ACME.id, "target": INITECH.id}).json()
        short = client.get(
            "/v1/paths", params={"source": ACME.id, "target": INITECH.id, "max_hops": 1}
        ).json()
        unknown = client.get(
            "/v1/paths", params={"source": ACME.id, "target": "ent_ffffffffffffffffffff"}
        )
    [path] = found["paths"]
    assert path["length"] == 2
    assert [n["id"] for n in path["nodes"]] == [ACME.id, GLOBEX.id, INITECH.id]
    assert [r["id"] for r in path["relationships"]] == [COMPETES.id, SUPPLIED.id]
    assert short["paths"] == []
    assert "ent_ffffffffffffffffffff" in assert_problem(unknown, 404, "not-found")["detail"]


def test_non_entity_ids_are_not_entities(graph: GraphStore, api: RunningApi) -> None:
    with api.client(Role.ANALYST) as client:
        wisdom = client.get(f"/v1/entities/{LESSON.id}")
        bad_hops = client.get(f"/v1/entities/{ACME.id}", params={"hops": 9})
        extra = client.get(f"/v1/entities/{ACME.id}", params={"depth": 2})
    assert_problem(wisdom, 422, "validation-error")
    assert assert_problem(bad_hops, 422, "validation-error")["errors"][0]["location"] == [
        "query",
        "hops",
    ]
    assert assert_problem(extra, 422, "validation-error")["errors"][0]["type"] == "extra_forbidden"


INJECTIONS = [
    "Acme' OR 1=1 --",
    "'}) MATCH (n) DETACH DELETE n //",
    '"}) DETACH DELETE n RETURN 1 //',
    "Acme\\' ; CALL db.clearQueryCaches() //",
    "*:* OR name:*",
    'acme~ AND (globex OR "initech")^5 [a TO z]',
    "`Entity` } ) CREATE (x:Owned) //",
    "\u0000\u202e acme",
    "a" * 200,
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_attempts_are_only_data(graph: GraphStore, api: RunningApi, text: str) -> None:
    before = graph.counts()
    with api.client(Role.ANALYST) as client:
        search = client.get("/v1/entities", params={"name": text})
        by_id = client.get(f"/v1/entities/{ACME.id}' OR 1=1", params={"hops": 1})
        paths = client.get("/v1/paths", params={"source": text, "target": ACME.id})
    assert search.status_code == 200, search.text
    assert all(
        m["entity"]["id"] in {ACME.id, GLOBEX.id, INITECH.id, HOOLI.id} for m in search.json()
    )
    assert_problem(by_id, 422, "validation-error")
    assert_problem(paths, 422, "validation-error")
    after = graph.counts()
    assert after.nodes == before.nodes
    assert after.relationships == before.relationships
