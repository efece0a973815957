"""Cypher for curation: exact element changes (patches), decisions, and the review reads.

The embedded backend computes the same reads in ``kag/store/embedded/curation.py``.
Relationships are always found from their endpoints (``(a {id})-[r:TYPE {id}]->(b {id})``):
both endpoints' ids are index seeks, where a relationship property has no index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from graph_schema import GraphSchema, Label, RelType, cypher_label

#: Structural links between layer nodes (what ``AssertionSummary.links`` counts).
LINK_TYPES: Final[tuple[RelType, ...]] = (
    RelType.APPLIES_IN,
    RelType.CONTRADICTS,
    RelType.DERIVED_FROM,
    RelType.IN_SITUATION,
    RelType.SUPPORTS,
)


def _types(schema: GraphSchema, rel_types: Iterable[str]) -> str:
    return "|".join(schema.cypher_rel_type(t) for t in sorted(set(rel_types)))


def relationships_of(label: Label) -> str:
    """Relationships touching the ``label`` nodes in ``$ids`` (types in ``$types`` unless
    ``$types`` is null)."""
    return (
        f"MATCH (n:{cypher_label(label)}) WHERE n.id IN $ids\n"
        "MATCH (n)-[r]-()\n"
        "WHERE $types IS NULL OR type(r) IN $types\n"
        "RETURN DISTINCT r.id AS id, type(r) AS type, startNode(r).id AS src,\n"
        "       endNode(r).id AS dst, properties(r) AS props"
    )


# -- patches: reading the current state inside the write transaction ----------------------------
def node_states(label: Label) -> str:
    """Properties of the ``label`` nodes in ``$ids``, with the ids of their relationships."""
    return (
        f"MATCH (n:{cypher_label(label)}) WHERE n.id IN $ids\n"
        "RETURN n.id AS id, properties(n) AS props,\n"
        "       COLLECT { MATCH (n)-[r]-() RETURN r.id } AS rel_ids"
    )


def rel_states(schema: GraphSchema, rel_type: str, source: Label, target: Label) -> str:
    """Properties of the relationships ``$rows`` (``{id, src, dst}``) that exist."""
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (:{cypher_label(source)} {{id: row.src}})"
        f"-[r:{schema.cypher_rel_type(rel_type)} {{id: row.id}}]->"
        f"(:{cypher_label(target)} {{id: row.dst}})\n"
        "RETURN r.id AS id, properties(r) AS props"
    )


# -- patches: writing --------------------------------------------------------------------------
def create_nodes(label: Label) -> str:
    """Create ``label`` nodes from ``$rows`` (``{props}``) with exactly these properties."""
    return (
        "UNWIND $rows AS row\n"
        f"CREATE (n:{cypher_label(label)})\n"
        "SET n = row.props\n"
        "RETURN count(n) AS written"
    )


def replace_node_props(label: Label) -> str:
    """Replace the properties of the ``label`` nodes ``$rows`` (``{id, props}``)."""
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (n:{cypher_label(label)} {{id: row.id}})\n"
        "SET n = row.props\n"
        "RETURN count(n) AS written"
    )


def delete_nodes(label: Label) -> str:
    """Delete the ``label`` nodes in ``$ids`` (their relationships are gone already)."""
    return (
        "UNWIND $ids AS node_id\n"
        f"MATCH (n:{cypher_label(label)} {{id: node_id}})\n"
        "DELETE n\n"
        "RETURN count(*) AS written"
    )


def create_rels(schema: GraphSchema, rel_type: str, source: Label, target: Label) -> str:
    """Create relationships from ``$rows`` (``{src, dst, props}``) with exactly these props."""
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{cypher_label(source)} {{id: row.src}})\n"
        f"MATCH (b:{cypher_label(target)} {{id: row.dst}})\n"
        f"CREATE (a)-[r:{schema.cypher_rel_type(rel_type)}]->(b)\n"
        "SET r = row.props\n"
        "RETURN count(r) AS written"
    )


def replace_rel_props(schema: GraphSchema, rel_type: str, source: Label, target: Label) -> str:
    """Replace the properties of the relationships ``$rows`` (``{id, src, dst, props}``)."""
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (:{cypher_label(source)} {{id: row.src}})"
        f"-[r:{schema.cypher_rel_type(rel_type)} {{id: row.id}}]->"
        f"(:{cypher_label(target)} {{id: row.dst}})\n"
        "SET r = row.props\n"
        "RETURN count(r) AS written"
    )


def delete_rels(schema: GraphSchema, rel_type: str, source: Label, target: Label) -> str:
    """Delete the relationships ``$rows`` (``{id, src, dst}``)."""
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (:{cypher_label(source)} {{id: row.src}})"
        f"-[r:{schema.cypher_rel_type(rel_type)} {{id: row.id}}]->"
        f"(:{cypher_label(target)} {{id: row.dst}})\n"
        "DELETE r\n"
        "RETURN count(*) AS written"
    )


def create_decisions(target: Label) -> str:
    """Create decisions ``$rows`` (``{decision, target_id, rel_id}``) on ``target`` nodes, each
    ``DECIDED`` its target; returns how many found their target."""
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (t:{cypher_label(target)} {{id: row.target_id}})\n"
        "CREATE (d:Decision)\n"
        "SET d = row.decision\n"
        "CREATE (d)-[:DECIDED {id: row.rel_id}]->(t)\n"
        "RETURN count(d) AS written"
    )


# -- review reads ----------------------------------------------------------------------------------
def assertion_summaries(schema: GraphSchema, label: Label) -> str:
    """``label`` nodes with a status in ``$statuses``, with evidence, entities, citations and
    links (what the review queue ranks by)."""
    links = _types(schema, [t.value for t in LINK_TYPES])
    return (
        f"MATCH (n:{cypher_label(label)}) WHERE n.status IN $statuses\n"
        "RETURN n.id AS id, properties(n) AS props,\n"
        "       COUNT { (n)-[:EVIDENCED_BY]->(:Chunk) } AS evidence,\n"
        "       COLLECT { MATCH (n)-[e:EVIDENCED_BY]->(:Chunk)\n"
        "                 RETURN DISTINCT e.document_id } AS documents,\n"
        "       COLLECT { MATCH (n)-[e:EVIDENCED_BY]->(:Chunk)\n"
        "                 RETURN DISTINCT e.extractor } AS extractors,\n"
        "       COLLECT { MATCH (n)-[:ABOUT]->(x:Entity) RETURN DISTINCT x.id } AS entity_ids,\n"
        "       COUNT { (:Answer)-[:CITES]->(n) } AS cited_by,\n"
        f"       COUNT {{ (n)-[:{links}]-() }} AS links"
    )


def entity_summaries(schema: GraphSchema, relation_types: Sequence[str]) -> str:
    """Entities with a status in ``$statuses``, with their live (``$live``) relations,
    neighbours and assertions, their mentions and citations."""
    types = _types(schema, relation_types)
    relations = (
        f"MATCH (n)-[r:{types}]-(m:Entity) WHERE r.status IN $live"
        if types
        else "MATCH (n)-[r]-(m:Entity) WHERE false"
    )
    return (
        "MATCH (n:Entity) WHERE n.status IN $statuses\n"
        "RETURN n.id AS id, properties(n) AS props,\n"
        f"       COUNT {{ {relations} }} AS relations,\n"
        f"       COLLECT {{ {relations} RETURN DISTINCT m.id }} AS neighbours,\n"
        "       size(COLLECT { MATCH (a)-[:ABOUT]->(n) WHERE a.status IN $live\n"
        "                      RETURN DISTINCT a.id }) AS assertions,\n"
        "       COUNT { (:Chunk)-[:MENTIONS]->(n) } AS mentions,\n"
        "       COLLECT { MATCH (c:Chunk)-[:MENTIONS]->(n)\n"
        "                 RETURN DISTINCT c.document_id } AS documents,\n"
        "       COUNT { (:Answer)-[:CITES]->(n) } AS cited_by"
    )


def nodes_of(label: Label) -> str:
    """Every node of ``label`` (the caller filters by status)."""
    return f"MATCH (n:{cypher_label(label)})\nRETURN n.id AS id, properties(n) AS props"


def rels_of_types(schema: GraphSchema, rel_types: Sequence[str]) -> str:
    """Every relationship of these types (the caller keeps those between exported nodes)."""
    return (
        f"MATCH (a)-[r:{_types(schema, rel_types)}]->(b)\n"
        "RETURN r.id AS id, type(r) AS type, a.id AS src, b.id AS dst, properties(r) AS props"
    )


# -- locking (issue 8: concurrent decisions and feedback on the same facts) ----------------------
def lock_nodes(label: Label) -> str:
    """Take the write lock of the ``label`` nodes in ``$ids`` (sorted), so the states a patch
    checks cannot change before it writes: without it two concurrent patches read the same
    state and the second silently overwrites the first (a lost update)."""
    return (
        "UNWIND $ids AS id\n"
        f"MATCH (n:{cypher_label(label)} {{id: id}})\n"
        "SET n.__lock = true\n"
        "REMOVE n.__lock"
    )
