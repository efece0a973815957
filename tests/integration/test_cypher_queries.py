"""Every Cypher query the Neo4j backend can send is EXPLAINed against a real Neo4j.

Constants are discovered in ``kag.store.neo4j.queries``; builder functions must be listed in
``BUILDERS`` with representative arguments (the test fails when a new builder is not listed), so
a query with a syntax error or deprecated syntax never reaches a user.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator

import pytest
from neo4j import GraphDatabase

import kag.store.neo4j.queries as queries_pkg
from graph_schema import GraphSchema, Label
from graph_schema.migrations import migrations
from kag.testing.neo4j_server import Neo4jEndpoint

pytestmark = pytest.mark.neo4j
SCHEMA = GraphSchema.load()

BUILDERS: dict[str, Callable[[], Iterator[str]]] = {
    "write.upsert_nodes": lambda: (
        importlib.import_module("kag.store.neo4j.queries.write").upsert_nodes(label)
        for label in Label
    ),
    "write.upsert_rels": lambda: (
        importlib.import_module("kag.store.neo4j.queries.write").upsert_rels(
            SCHEMA, rel, Label.ENTITY, Label.ENTITY
        )
        for rel in ("COMPETES_WITH", "ABOUT", "EVIDENCED_BY")
    ),
    "write.upsert_nodes_grouped": lambda: iter(
        [importlib.import_module("kag.store.neo4j.queries.write").upsert_nodes_grouped()]
    ),
    "write.upsert_rels_grouped": lambda: iter(
        [importlib.import_module("kag.store.neo4j.queries.write").upsert_rels_grouped(SCHEMA)]
    ),
    "write.set_status": lambda: (
        importlib.import_module("kag.store.neo4j.queries.write").set_status(label)
        for label in (Label.KNOWLEDGE, Label.ENTITY, Label.WISDOM)
    ),
    "write.create_decision": lambda: (
        importlib.import_module("kag.store.neo4j.queries.write").create_decision(label)
        for label in (Label.KNOWLEDGE, Label.ENTITY)
    ),
    "read.expand": lambda: (
        importlib.import_module("kag.store.neo4j.queries.read").expand(SCHEMA, types, labels)
        for types, labels in (
            (["COMPETES_WITH", "ACQUIRED"], [Label.ENTITY]),
            (["ABOUT"], [Label.ENTITY, Label.KNOWLEDGE]),
        )
    ),
    "engine.statements_by_source": lambda: (
        importlib.import_module("kag.store.neo4j.queries.engine").statements_by_source(labels)
        for labels in ([Label.EXPERIENCE], [Label.KNOWLEDGE, Label.WISDOM])
    ),
    "read.paths_between": lambda: (
        importlib.import_module("kag.store.neo4j.queries.read").paths_between(
            SCHEMA, Label.ENTITY, Label.ENTITY, ["COMPETES_WITH", "SUPPLIED_BY"], hops
        )
        for hops in (1, 4)
    ),
}


def _curation(name: str) -> Callable[..., str]:
    builder: Callable[..., str] = getattr(
        importlib.import_module("kag.store.neo4j.queries.curation"), name
    )
    return builder


_LABELS = (Label.KNOWLEDGE, Label.ENTITY, Label.FEEDBACK)
_REL_SHAPES = (
    ("SUPPLIED_BY", Label.ENTITY, Label.ENTITY),
    ("ABOUT", Label.EXPERIENCE, Label.ENTITY),
    ("CONTRADICTS", Label.EXPERIENCE, Label.KNOWLEDGE),
)
# Curation's patch queries (issue 6) and the lock taken before a patch is checked (issue 8).
BUILDERS |= {
    f"curation.{name}": (lambda name=name: (_curation(name)(label) for label in _LABELS))
    for name in (
        "relationships_of",
        "node_states",
        "create_nodes",
        "replace_node_props",
        "delete_nodes",
        "create_decisions",
        "nodes_of",
        "lock_nodes",
    )
}
BUILDERS |= {
    f"curation.{name}": (
        lambda name=name: (_curation(name)(SCHEMA, *shape) for shape in _REL_SHAPES)
    )
    for name in ("rel_states", "create_rels", "replace_rel_props", "delete_rels")
}
BUILDERS |= {
    "curation.assertion_summaries": lambda: (
        _curation("assertion_summaries")(SCHEMA, label) for label in (Label.KNOWLEDGE, Label.WISDOM)
    ),
    "curation.entity_summaries": lambda: iter(
        [_curation("entity_summaries")(SCHEMA, ["SUPPLIED_BY", "COMPETES_WITH"])]
    ),
    "curation.rels_of_types": lambda: iter(
        [_curation("rels_of_types")(SCHEMA, ["SUPPLIED_BY", "ABOUT"])]
    ),
}


def _query_modules() -> list[str]:
    return [f"{queries_pkg.__name__}.{m.name}" for m in pkgutil.iter_modules(queries_pkg.__path__)]


def _constants() -> list[tuple[str, str]]:
    found = []
    for module_name in _query_modules():
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and not name.startswith("_"):
                found.append((f"{module_name.rsplit('.', 1)[-1]}.{name}", value))
    return found


def _builders() -> set[str]:
    names = set()
    for module_name in _query_modules():
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and value.__module__ == module.__name__
                and not name.startswith("_")
            ):
                names.add(f"{module_name.rsplit('.', 1)[-1]}.{name}")
    return names


def test_every_builder_is_listed() -> None:
    assert _builders() == set(BUILDERS), "list new query builders in BUILDERS"


def _explain(endpoint: Neo4jEndpoint, query: str) -> list[str]:
    with GraphDatabase.driver(
        endpoint.uri,
        auth=endpoint.auth,
        notifications_disabled_classifications=["GENERIC", "UNRECOGNIZED", "PERFORMANCE"],
    ) as driver:
        summary = driver.execute_query("EXPLAIN " + query).summary
    return [
        f"{n.gql_status}: {n.status_description}"
        for n in summary.gql_status_objects
        if "deprecat" in n.status_description.lower()
    ]


def test_all_queries_explain_without_deprecations(neo4j_endpoint: Neo4jEndpoint) -> None:
    problems: dict[str, object] = {}
    queries = _constants() + [
        (f"{name}#{i}", q) for name, build in BUILDERS.items() for i, q in enumerate(build())
    ]
    assert len(queries) > 20
    for name, query in queries:
        try:
            deprecations = _explain(neo4j_endpoint, query)
        except Exception as exc:
            problems[name] = exc
            continue
        if deprecations:
            problems[name] = deprecations
    assert problems == {}


def test_migration_statements_are_valid(neo4j_endpoint: Neo4jEndpoint) -> None:
    for migration in migrations():
        for statement in migration.statements:
            assert _explain(neo4j_endpoint, statement) == [], statement
