"""Cypher for writes: ``UNWIND $rows`` batches.

What a document brings (its document, chunks, entities and statements, and the structural
relationships between them) is written by two grouped statements, one for the nodes and one for
the relationships, each taking one list of rows tagged with their label or pattern (``k``): a
document's write is then two statements, not ten, and the server does a third less work. Each
grouped statement takes exactly one list parameter, because Neo4j's plan cache keys on the
parameters' types and list sizes: one list per label would make every mix of labels in a batch a
new plan. ``CYPHER replan=skip`` keeps the plan as the graph grows: it is made of unique-index
seeks (every label's id is constrained), which no statistics change. Other labels and patterns
(relation types between entities, answers, decisions) have one statement each.
"""

from __future__ import annotations

from textwrap import indent
from typing import Final

from graph_schema import LAYER_LABELS, GraphSchema, Label, RelType, cypher_label

_LAYERS: Final = tuple(sorted(LAYER_LABELS, key=lambda label: label.value))
#: Labels written by :func:`upsert_nodes_grouped`, in the order of its ``k`` tags.
GROUPED_LABELS: Final[tuple[Label, ...]] = (Label.DOCUMENT, Label.CHUNK, Label.ENTITY, *_LAYERS)
#: (type, source, target) patterns written by :func:`upsert_rels_grouped`, by ``k`` tag.
GROUPED_PATTERNS: Final[tuple[tuple[str, Label, Label], ...]] = (
    (RelType.HAS_CHUNK.value, Label.DOCUMENT, Label.CHUNK),
    (RelType.MENTIONS.value, Label.CHUNK, Label.ENTITY),
    *((RelType.EVIDENCED_BY.value, layer, Label.CHUNK) for layer in _LAYERS),
    *((RelType.ABOUT.value, layer, Label.ENTITY) for layer in _LAYERS),
)
_GROUPED_PREFIX: Final = "CYPHER replan=skip\nWITH $rows AS rows\n"


def _merge_node(label: Label) -> str:
    """Merge ``row`` as a node of ``label``: ``props`` set always, ``extra`` only on creation."""
    return (
        f"MERGE (n:{cypher_label(label)} {{id: row.id}})\n"
        "ON CREATE SET n += row.extra\n"
        "SET n += row.props\n"
    )


def _merge_rel(schema: GraphSchema, rel_type: str, source: Label, target: Label) -> str:
    """Merge ``row`` as a relationship ``r`` between existing endpoints (none if one is missing)."""
    return (
        f"MATCH (a:{cypher_label(source)} {{id: row.src}})\n"
        f"MATCH (b:{cypher_label(target)} {{id: row.dst}})\n"
        f"MERGE (a)-[r:{schema.cypher_rel_type(rel_type)} {{id: row.id}}]->(b)\n"
        "ON CREATE SET r += row.extra\n"
        "SET r += row.props\n"
    )


def _grouped(blocks: list[str], returned: str) -> str:
    """One ``CALL (rows)`` block per ``k`` tag, each over the rows tagged ``k``."""
    calls = [
        f"CALL (rows) {{\n  UNWIND [x IN rows WHERE x.k = {k}] AS row\n" + indent(block, "  ") + "}"
        for k, block in enumerate(blocks)
    ]
    return _GROUPED_PREFIX + "\n".join(calls) + f"\nRETURN {returned}"


def upsert_nodes(label: Label) -> str:
    """``UNWIND $rows`` of ``{id, props, extra}`` -> nodes of ``label`` merged by id.

    ``props`` are set always; ``extra`` (the create-only properties) only on creation.
    """
    return "UNWIND $rows AS row\n" + _merge_node(label) + "RETURN count(n) AS written"


def upsert_rels(schema: GraphSchema, rel_type: str, source: Label, target: Label) -> str:
    """``UNWIND $rows`` of ``{id, src, dst, props, extra}`` -> relationships merged by id.

    Returns how many rows found both endpoints, so a missing endpoint can be refused.
    """
    return (
        "UNWIND $rows AS row\n"
        + _merge_rel(schema, rel_type, source, target)
        + "RETURN count(r) AS written"
    )


def upsert_nodes_grouped() -> str:
    """``$rows`` of ``{k, id, props, extra}`` -> nodes of label ``GROUPED_LABELS[k]`` merged by
    id, as :func:`upsert_nodes` does for one label."""
    return _grouped([_merge_node(label) for label in GROUPED_LABELS], "size(rows) AS written")


def upsert_rels_grouped(schema: GraphSchema) -> str:
    """``$rows`` of ``{k, id, src, dst, props, extra}`` -> relationships of pattern
    ``GROUPED_PATTERNS[k]`` merged by id, as :func:`upsert_rels` does for one pattern.

    Returns ``written``: per pattern, how many rows found both endpoints.
    """
    blocks = [
        _merge_rel(schema, *pattern) + f"RETURN count(r) AS w{k}\n"
        for k, pattern in enumerate(GROUPED_PATTERNS)
    ]
    counts = ", ".join(f"w{k}" for k in range(len(GROUPED_PATTERNS)))
    return _grouped(blocks, f"[{counts}] AS written")


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
