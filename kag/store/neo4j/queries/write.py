"""Cypher for writes: ``UNWIND $rows`` batches.

What a document brings (its document, chunks, entities and statements, and the structural
relationships between them) is written by two grouped statements, one for the nodes and one for
the relationships, each taking one list of rows tagged with their label or pattern (``k``): a
document's write is then two statements, not ten, and the server does a third less work. Each
grouped statement takes exactly one list parameter, because Neo4j's plan cache keys on the
parameters' types and list sizes: one list per label would make every mix of labels in a batch a
new plan. A grouped row is a list of values in a fixed order (:class:`Columns`), not a map of
properties: the server reads lists of values much faster than one map per row (a bulk load of
310,000 elements took 15-20% less time). The store keeps one layout per label and pattern that
only grows as new properties appear, so the statement's text, and with it the plan, settles after
the first writes. ``CYPHER replan=skip`` keeps the plan as the graph grows: it is made of
unique-index seeks (every label's id is constrained), which no statistics change. Other labels
and patterns (relation types between entities, answers, decisions) have one statement each.
"""

from __future__ import annotations

from dataclasses import dataclass
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
_REPLAN: Final = "CYPHER replan=skip\n"
_GROUPED_PREFIX: Final = _REPLAN + "WITH $rows AS rows\n"


def _merge_node(label: Label) -> str:
    """Merge ``row`` as a node of ``label``: ``props`` set always, ``extra`` only on creation."""
    return (
        f"MERGE (n:{cypher_label(label)} {{id: row.id}})\n"
        "ON CREATE SET n += row.extra\n"
        "SET n += row.props\n"
    )


@dataclass(frozen=True, slots=True)
class Columns:
    """The positional layout of the rows of one grouped label or pattern (tag ``k``).

    A node row is ``[k, id, *always, *create]``, a relationship row ``[k, id, source id, target
    id, *always, *create]``: the values of the ``always`` properties (set on every upsert) and
    of the ``create`` ones (set only when the element is created), ``null`` where a row has no
    such property. Lists of values cost the server far less to read than one map per row.
    """

    k: int
    always: tuple[str, ...] = ()
    create: tuple[str, ...] = ()


def _prop(var: str, key: str) -> str:
    return f"{var}.`{key.replace('`', '``')}`"


def _sets(var: str, columns: Columns, first: int) -> str:
    """``ON CREATE SET`` / ``SET`` clauses reading ``row`` from position ``first``. A ``null``
    keeps the stored value, as a property missing from a ``+=`` map does (a record's property
    map never holds ``null``)."""
    out = ""
    created = first + len(columns.always)
    if columns.create:
        out += (
            "ON CREATE SET "
            + ", ".join(
                f"{_prop(var, key)} = row[{created + j}]" for j, key in enumerate(columns.create)
            )
            + "\n"
        )
    if columns.always:
        out += (
            "SET "
            + ", ".join(
                f"{_prop(var, key)} = coalesce(row[{first + j}], {_prop(var, key)})"
                for j, key in enumerate(columns.always)
            )
            + "\n"
        )
    return out


def _grouped(blocks: list[tuple[int, str]], returned: str) -> str:
    """One ``CALL (rows)`` block per ``k`` tag, each over the rows tagged ``k`` (``row[0]``)."""
    calls = [
        f"CALL (rows) {{\n  UNWIND [x IN rows WHERE x[0] = {k}] AS row\n"
        + indent(block, "  ")
        + "}"
        for k, block in blocks
    ]
    return _GROUPED_PREFIX + "\n".join(calls) + f"\nRETURN {returned}"


def upsert_nodes(label: Label) -> str:
    """``UNWIND $rows`` of ``{id, props, extra}`` -> nodes of ``label`` merged by id.

    ``props`` are set always; ``extra`` (the create-only properties) only on creation.
    """
    return "UNWIND $rows AS row\n" + _merge_node(label) + "RETURN count(n) AS written"


#: Every grouped label, without properties (the shape of the statement; tests EXPLAIN it).
ALL_NODE_COLUMNS: Final = tuple(Columns(k) for k in range(len(GROUPED_LABELS)))
#: Every grouped pattern, without properties.
ALL_REL_COLUMNS: Final = tuple(Columns(k) for k in range(len(GROUPED_PATTERNS)))


def upsert_nodes_grouped(layout: tuple[Columns, ...] = ALL_NODE_COLUMNS) -> str:
    """Rows ``[k, id, *values]`` (see :class:`Columns`) -> nodes of label
    ``GROUPED_LABELS[k]`` merged by id, one block per label of ``layout``."""
    blocks = [
        (
            c.k,
            f"MERGE (n:{cypher_label(GROUPED_LABELS[c.k])} {{id: row[1]}})\n" + _sets("n", c, 2),
        )
        for c in layout
    ]
    return _grouped(blocks, "size(rows) AS written")


def upsert_rels_grouped(schema: GraphSchema, layout: tuple[Columns, ...] = ALL_REL_COLUMNS) -> str:
    """Rows ``[k, id, source id, target id, *values]`` (see :class:`Columns`) ->
    relationships of pattern ``GROUPED_PATTERNS[k]`` merged by id between existing endpoints,
    one block per pattern of ``layout``.

    Returns ``written``: per pattern of ``layout``, in order, how many rows found both endpoints.
    """
    blocks = []
    for c in layout:
        rel_type, source, target = GROUPED_PATTERNS[c.k]
        blocks.append(
            (
                c.k,
                f"MATCH (a:{cypher_label(source)} {{id: row[2]}})\n"
                f"MATCH (b:{cypher_label(target)} {{id: row[3]}})\n"
                f"MERGE (a)-[r:{schema.cypher_rel_type(rel_type)} {{id: row[1]}}]->(b)\n"
                + _sets("r", c, 4)
                + f"RETURN count(r) AS w{c.k}\n",
            )
        )
    counts = ", ".join(f"w{c.k}" for c in layout)
    return _grouped(blocks, f"[{counts}] AS written")


def upsert_rels_values(
    schema: GraphSchema, rel_type: str, source: Label, target: Label, columns: Columns
) -> str:
    """Rows ``[id, source id, target id, *values]`` (``columns``' order, its ``k`` unused) ->
    relationships merged by id between existing endpoints.

    Returns how many rows found both endpoints, so a missing endpoint can be refused.
    """
    return (
        _REPLAN
        + "UNWIND $rows AS row\n"
        + f"MATCH (a:{cypher_label(source)} {{id: row[1]}})\n"
        + f"MATCH (b:{cypher_label(target)} {{id: row[2]}})\n"
        + f"MERGE (a)-[r:{schema.cypher_rel_type(rel_type)} {{id: row[0]}}]->(b)\n"
        + _sets("r", columns, 3)
        + "RETURN count(r) AS written"
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
