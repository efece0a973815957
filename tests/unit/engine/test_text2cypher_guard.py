"""The text-to-Cypher guard: one read-only statement within the schema, or a refusal."""

from __future__ import annotations

import pytest

from graph_schema import GraphSchema
from kag.engine.text2cypher import guard
from kag.errors import InvalidInput

SCHEMA = GraphSchema.load()
OK = (
    "MATCH (c:Entity {id: $id})-[r:LED_BY]->(p:`Entity`) "
    "WHERE r.status IN $statuses RETURN p.name AS leader, r.id AS fact"
)


def test_a_read_query_within_the_schema_passes() -> None:
    assert guard(OK + ";", {"id": "x", "statuses": ["approved"]}, SCHEMA) == OK


@pytest.mark.parametrize(
    ("cypher", "reason"),
    [
        ("MATCH (n:Entity) DETACH DELETE n RETURN 1", "DELETE, DETACH refused"),
        ("MATCH (n:Entity) SET n.status = $s RETURN n", "SET refused"),
        ("MATCH (n:Entity) WITH n CREATE (m:Entity) RETURN m", "CREATE refused"),
        ("MERGE (n:Entity {id: $id}) RETURN n", "MERGE refused"),
        ("CALL db.labels() YIELD label MATCH (n) RETURN label", "CALL refused"),
        ("MATCH (n) RETURN apoc.text.join([], $x)", "procedures and namespaced functions"),
        ("LOAD CSV FROM $url AS row MATCH (n) RETURN row", "LOAD refused"),
        ("MATCH (n:Entity) RETURN n; MATCH (m) DELETE m", "only one statement"),
        ("MATCH (n:Entity {name: 'Pellmark'}) RETURN n", "string literals are not allowed"),
        ("MATCH (n:Company) RETURN n", "unknown label 'Company'"),
        ("MATCH (a:Entity)-[:OWNS]->(b:Entity) RETURN b", "unknown relationship type 'OWNS'"),
        ("MATCH (n:Entity) RETURN n.password", "unknown property 'password'"),
        ("MATCH (n:Entity {id: $id}) RETURN n", "parameters ['id'] are used but not given"),
        ("RETURN 1", "a query must MATCH and RETURN"),
        ("MATCH (n:Entity) // harmless comment\nREMOVE n.name RETURN n", "REMOVE refused"),
    ],
)
def test_refusals(cypher: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason.replace("[", r"\[").replace("(", r"\(")):
        guard(cypher, {}, SCHEMA)


def test_map_keys_are_not_taken_for_labels() -> None:
    cypher = "MATCH (n:Entity)-[r:ACQUIRED {status: $s}]->(m) RETURN {name: n.name, id: m.id}"
    assert guard(cypher, {"s": "approved"}, SCHEMA) == cypher
