"""Cypher for reads (run with READ routing)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Final

from graph_schema import GraphSchema, Label, cypher_label


def _nodes_by_ids(labels: Iterable[Label]) -> str:
    """``n`` bound to the nodes whose id is in ``$ids`` (one index seek per label)."""
    branches = [
        f"MATCH (n:{cypher_label(label)}) WHERE n.id IN $ids RETURN n"
        for label in sorted(set(labels))
    ]
    if len(branches) == 1:
        return branches[0].removesuffix(" RETURN n") + "\n"
    return "CALL () {\n  " + "\n  UNION ALL ".join(branches) + "\n}\n"


@cache
def get_nodes(labels: frozenset[Label]) -> str:
    """Nodes whose id is in ``$ids``, looked up under the labels those ids tell."""
    return _nodes_by_ids(labels) + "RETURN n.id AS id, properties(n) AS props"


def expand(schema: GraphSchema, rel_types: Sequence[str], labels: Iterable[Label]) -> str:
    """Relationships of the given types touching ``$ids`` (either direction), with the far node.

    Args:
        schema: the graph schema (relationship types are quoted through it).
        rel_types: relationship types to follow.
        labels: the labels of the nodes in ``$ids`` (an id tells its label).
    """
    types = "|".join(schema.cypher_rel_type(t) for t in sorted(rel_types))
    return (
        _nodes_by_ids(labels) + f"MATCH (n)-[r:{types}]-(m)\n"
        "WHERE r.status IS NULL OR r.status IN $statuses\n"
        "RETURN n.id AS from_id, r.id AS rid, type(r) AS type, startNode(r).id AS src,\n"
        "       endNode(r).id AS dst, properties(r) AS rprops, m.id AS mid,\n"
        "       properties(m) AS mprops"
    )


def paths_between(
    schema: GraphSchema, source: Label, target: Label, rel_types: Sequence[str], max_hops: int
) -> str:
    """Simple paths of 1..max_hops between ``$source_id`` and ``$target_id``, shortest first."""
    if not 1 <= int(max_hops) <= 10:
        raise ValueError(f"max_hops must be within 1..10, got {max_hops}")
    types = "|".join(schema.cypher_rel_type(t) for t in sorted(rel_types))
    return (
        f"MATCH (a:{cypher_label(source)} {{id: $source_id}}), "
        f"(b:{cypher_label(target)} {{id: $target_id}})\n"
        f"MATCH p = (a)-[rels:{types}*1..{int(max_hops)}]-(b)\n"
        "WHERE all(r IN rels WHERE r.status IS NULL OR r.status IN $statuses)\n"
        "  AND all(i IN range(1, size(nodes(p)) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[0..i])\n"
        "  AND all(n IN nodes(p) WHERE n.status IS NULL\n"
        "          OR (n:Entity AND n.status IN $entity_statuses)\n"
        "          OR (NOT n:Entity AND n.status IN $statuses))\n"
        "WITH p, rels, [r IN rels | r.id] AS rel_ids\n"
        "ORDER BY length(p), rel_ids\n"
        "LIMIT $limit\n"
        "RETURN [n IN nodes(p) | {id: n.id, props: properties(n)}] AS nodes,\n"
        "       [r IN rels | {id: r.id, type: type(r), src: startNode(r).id,\n"
        "                     dst: endNode(r).id, props: properties(r)}] AS rels"
    )


#: Exact and full-text entity candidates of several texts in one round trip
#: (``$queries``: key, norm, lucene; an empty lucene query skips the full-text index).
ENTITY_CANDIDATES_MANY: Final[str] = """
UNWIND $queries AS q
CALL (q) {
  MATCH (node:Entity {name_norm: q.norm})
  RETURN node
  UNION
  WITH q WHERE q.lucene <> ''
  CALL db.index.fulltext.queryNodes('entity_names', q.lucene, {limit: $limit}) YIELD node
  RETURN node
}
RETURN q.key AS key, node.id AS id, properties(node) AS props
"""


@cache
def evidence(labels: frozenset[Label]) -> str:
    """Evidence spans of the nodes whose id is in ``$ids`` (under the labels those ids tell);
    a node without evidence gives one row whose span columns are null (it exists)."""
    return _nodes_by_ids(labels) + (
        "OPTIONAL MATCH (n)-[e:EVIDENCED_BY]->(c:Chunk)\n"
        "OPTIONAL MATCH (d:Document {id: e.document_id})\n"
        "RETURN n.id AS assertion_id, e.id AS id, e.document_id AS document_id,\n"
        "       coalesce(d.source, '') AS document_source,\n"
        "       coalesce(d.title, '') AS document_title,\n"
        "       c.version AS version, c.id AS chunk_id, e.start AS start, e.end AS end,\n"
        "       e.quote AS quote, e.extractor AS extractor"
    )


AGGREGATE_OBSERVATIONS: Final[str] = """
MATCH (k:Knowledge {kind: 'observation'})
WHERE k.status IN $statuses
  AND ($metric IS NULL OR k.metric = $metric)
  AND ($entity_ids IS NULL OR k.subject_id IN $entity_ids)
  AND ($period_from IS NULL OR (k.period IS NOT NULL AND k.period >= $period_from))
  AND ($period_to IS NULL OR (k.period IS NOT NULL
       AND (k.period <= $period_to OR k.period STARTS WITH $period_to)))
WITH CASE WHEN $by_entity THEN k.subject_id END AS entity_id, k.metric AS metric,
     coalesce(k.unit, '') AS unit, CASE WHEN $by_period THEN k.period END AS period,
     toFloat(k.value) AS value, k.id AS id
RETURN entity_id, metric, unit, period, count(*) AS count, sum(value) AS sum,
       avg(value) AS avg, min(value) AS min, max(value) AS max, collect(id) AS ids
"""

COUNT_NODES: Final[str] = """
MATCH (n) WHERE NOT n:SchemaMeta
RETURN labels(n)[0] AS label, count(*) AS count
"""

COUNT_RELATIONSHIPS: Final[str] = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count"

COUNT_STATUSES: Final[str] = """
MATCH (n) WHERE n:Knowledge OR n:Experience OR n:Wisdom OR n:Insight OR n:Situation
RETURN coalesce(n.status, '') AS status, count(*) AS count
"""
