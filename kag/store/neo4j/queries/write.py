"""Cypher for writes: ``UNWIND $rows`` batches, one statement per label or relationship type."""

from __future__ import annotations

from graph_schema import GraphSchema, Label, cypher_label


def upsert_nodes(label: Label) -> str:
    """``UNWIND $rows`` of ``{id, props, extra}`` -> nodes of ``label`` merged by id.

    ``props`` are set always; ``extra`` (the create-only properties) only on creation.
    """
    return (
        "UNWIND $rows AS row\n"
        f"MERGE (n:{cypher_label(label)} {{id: row.id}})\n"
        "ON CREATE SET n += row.extra\n"
        "SET n += row.props\n"
        "RETURN count(n) AS written"
    )


def upsert_rels(schema: GraphSchema, rel_type: str, source: Label, target: Label) -> str:
    """``UNWIND $rows`` of ``{id, src, dst, props, extra}`` -> relationships merged by id.

    Returns how many rows found both endpoints, so a missing endpoint can be refused.
    """
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{cypher_label(source)} {{id: row.src}})\n"
        f"MATCH (b:{cypher_label(target)} {{id: row.dst}})\n"
        f"MERGE (a)-[r:{schema.cypher_rel_type(rel_type)} {{id: row.id}}]->(b)\n"
        "ON CREATE SET r += row.extra\n"
        "SET r += row.props\n"
        "RETURN count(r) AS written"
    )


def set_status(label: Label) -> str:
    """Set ``status`` on nodes of ``label`` by id, and on the relationship mirroring a relation."""
    return (
        "UNWIND $ids AS node_id\n"
        f"MATCH (n:{cypher_label(label)} {{id: node_id}})\n"
        "SET n.status = $status\n"
        "WITH n\n"
        "OPTIONAL MATCH (:Entity {id: n.subject_id})-[r {id: n.id}]->(:Entity {id: n.object_id})\n"
        "SET r.status = $status\n"
        "RETURN count(DISTINCT n) AS changed"
    )


def create_decision(target: Label) -> str:
    """Create a decision node linked to its target by ``DECIDED``; returns 0 rows if no target."""
    return (
        f"MATCH (t:{cypher_label(target)} {{id: $target_id}})\n"
        "MERGE (d:Decision {id: $decision.id})\n"
        "ON CREATE SET d = $decision\n"
        "MERGE (d)-[r:DECIDED {id: $rel_id}]->(t)\n"
        "RETURN count(d) AS written"
    )
