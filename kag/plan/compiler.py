"""The one compiler of query plans to parameterised Cypher.

Every value of a plan (ids, statuses, thresholds, periods, metric, unit, entity types) becomes a
``$parameter``; labels and relationship types enter the text only through
:func:`graph_schema.cypher_label` and :meth:`graph_schema.GraphSchema.cypher_rel_type`, which
accept nothing outside the schema. The aggregate function name comes from a fixed mapping of the
plan's enum. :func:`decode` turns the returned rows into a
:class:`~kag.plan.result.PlanResult` through the same post-processing the embedded executor uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from graph_schema import GraphSchema, Label, RelType, cypher_label, label_of
from kag.plan.model import GRANULARITY_PATTERNS, Aggregation, Hop, QueryPlan
from kag.plan.result import PlanResult, RawGroup, finish_paths, finish_values
from kag.store.base import GraphPath
from kag.store.views import node_view, rel_view

_ENTITY: Final = cypher_label(Label.ENTITY)
_FUNCTIONS: Final[dict[str, str]] = {
    "count": "count(*)",
    "sum": "sum(value)",
    "avg": "avg(value)",
    "min": "min(value)",
    "max": "max(value)",
}
_RETURN_PATH: Final = (
    "RETURN [n IN ns | {id: n.id, props: properties(n)}] AS nodes,\n"
    "       [r IN rs | {id: r.id, type: type(r), src: startNode(r).id, dst: endNode(r).id,\n"
    "                   props: properties(r)}] AS rels"
)


@dataclass(frozen=True)
class CompiledQuery:
    """Cypher text and its parameters."""

    cypher: str
    params: dict[str, Any] = field(default_factory=dict)


class _Builder:
    """Accumulates parameters while the query text is built."""

    def __init__(self, plan: QueryPlan, schema: GraphSchema) -> None:
        self.plan = plan
        self.schema = schema
        f = plan.filters
        self.params: dict[str, Any] = {
            "statuses": [s.value for s in f.statuses],
            "entity_statuses": [s.value for s in f.entity_statuses],
        }
        if f.min_confidence > 0:
            self.params["min_confidence"] = f.min_confidence
        if plan.time.period_from is not None:
            self.params["valid_lo"] = plan.time.period_from
        if plan.time.upper_bound is not None:
            self.params["valid_hi"] = plan.time.upper_bound

    def _validity(self, var: str) -> list[str]:
        parts = []
        if "valid_hi" in self.params:
            parts.append(f"({var}.valid_from IS NULL OR {var}.valid_from <= $valid_hi)")
        if "valid_lo" in self.params:
            parts.append(f"({var}.valid_to IS NULL OR {var}.valid_to >= $valid_lo)")
        return parts

    def node_pred(self, var: str) -> str:
        """Status (entities and facts separately), confidence and validity of a node."""
        parts = [
            f"({var}.status IS NULL OR ({var}:{_ENTITY} AND {var}.status IN $entity_statuses)"
            f" OR (NOT {var}:{_ENTITY} AND {var}.status IN $statuses))"
        ]
        if "min_confidence" in self.params:
            parts.append(
                f"({var}:{_ENTITY} OR {var}.confidence IS NULL"
                f" OR {var}.confidence >= $min_confidence)"
            )
        parts += self._validity(var)
        return " AND ".join(parts)

    def rel_pred(self, var: str) -> str:
        """Status, confidence and validity of a relationship."""
        parts = [f"({var}.status IS NULL OR {var}.status IN $statuses)"]
        if "min_confidence" in self.params:
            parts.append(f"({var}.confidence IS NULL OR {var}.confidence >= $min_confidence)")
        parts += self._validity(var)
        return " AND ".join(parts)

    def segment(self, i: int, hop: Hop, where: list[str]) -> str:
        """One hop as a (variable-length) relationship pattern and its boundary node ``n{i}``;
        the boundary's conditions go to ``where``."""
        types = "|".join(
            self.schema.cypher_rel_type(t) for t in self.plan.rel_types_of(hop, self.schema)
        )
        length = "" if hop.max_length == 1 else f"*{hop.min_length}..{hop.max_length}"
        left, right = {"out": ("-", "->"), "in": ("<-", "-"), "both": ("-", "-")}[hop.direction]
        labels = "|".join(cypher_label(label) for label in sorted(set(hop.labels)))
        if hop.entity_types:
            self.params[f"types_{i}"] = list(hop.entity_types)
            where.append(f"(NOT n{i}:{_ENTITY} OR n{i}.type IN $types_{i})")
        if i == len(self.plan.hops) and self.plan.targets:
            self.params["targets"] = list(self.plan.targets)
            where.append(f"n{i}.id IN $targets")
        node = f"n{i}" + (f":{labels}" if labels else "")
        return f"{left}[:{types}{length}]{right}({node})"

    def anchors(self) -> str:
        """``n0`` bound to the anchors (one index seek per label) that pass the filters."""
        self.params["anchors"] = list(self.plan.anchors)
        labels = sorted({_label(a) for a in self.plan.anchors})
        pred = self.node_pred("n0")
        if len(labels) == 1:
            return f"MATCH (n0:{cypher_label(labels[0])})\nWHERE n0.id IN $anchors AND {pred}\n"
        branches = "\n  UNION ALL\n  ".join(
            f"MATCH (n0:{cypher_label(label)}) WHERE n0.id IN $anchors RETURN n0"
            for label in labels
        )
        return f"CALL () {{\n  {branches}\n}}\nWITH n0 WHERE {pred}\n"

    def traversal(self) -> str:
        """Anchors, then ``p`` over every hop: every relationship and node of it passing the
        filters, each hop ending on its boundary conditions, and no node visited twice.

        Plain (variable-length) relationship patterns rather than quantified path patterns:
        the same semantics, and Neo4j plans them several times faster.
        """
        where: list[str] = []
        segments = "".join(self.segment(i, hop, where) for i, hop in enumerate(self.plan.hops, 1))
        where = [
            f"all(r IN relationships(p) WHERE {self.rel_pred('r')})",
            f"all(x IN nodes(p) WHERE {self.node_pred('x')})",
            *where,
            "all(i IN range(1, length(p)) WHERE NOT nodes(p)[i] IN nodes(p)[0..i])",
        ]
        conditions = "\n  AND ".join(where)
        return self.anchors() + f"MATCH p = (n0){segments}\nWHERE {conditions}\n"


def _paths_query(b: _Builder) -> str:
    b.params["limit"] = b.plan.limit + 1  # one more than asked tells whether there were more
    return (
        b.traversal() + "WITH DISTINCT nodes(p) AS ns, relationships(p) AS rs\n"
        "WITH ns, rs, [r IN rs | r.id] AS rids, [n IN ns | n.id] AS nids\n"
        "ORDER BY size(rs), rids, nids\n"
        "LIMIT $limit\n" + _RETURN_PATH
    )


def _observation_filters(b: _Builder, agg: Aggregation) -> list[str]:
    where = [
        "a.role = 'subject'",
        "k.kind = 'observation'",
        "k.status IN $statuses",
        "e.status IN $entity_statuses",
    ]
    if agg.metric is not None:
        b.params["metric"] = agg.metric
        where.append("k.metric = $metric")
    if agg.unit is not None:
        b.params["unit"] = agg.unit
        where.append("k.unit = $unit")
    if agg.entity_types:
        b.params["entity_types"] = list(agg.entity_types)
        where.append("e.type IN $entity_types")
    if "min_confidence" in b.params:
        where.append("k.confidence >= $min_confidence")
    time = b.plan.time
    if time.period_from is not None:
        b.params["period_from"] = time.period_from
        where.append("k.period IS NOT NULL AND k.period >= $period_from")
    if time.period_to is not None:
        b.params["period_to"] = time.period_to
        where.append(
            "k.period IS NOT NULL AND (k.period <= $period_to OR k.period STARTS WITH $period_to)"
        )
    if time.granularity != "any":
        b.params["period_pattern"] = GRANULARITY_PATTERNS[time.granularity]
        where.append("k.period IS NOT NULL AND k.period =~ $period_pattern")
    return where


def _values_query(b: _Builder, agg: Aggregation) -> str:
    knowledge, about = cypher_label(Label.KNOWLEDGE), b.schema.cypher_rel_type(RelType.ABOUT)
    observation = f"MATCH (k:{knowledge})-[a:{about}]->(e:{_ENTITY})\n"
    if b.plan.hops:
        last = f"n{len(b.plan.hops)}"
        scope = b.traversal() + f"WITH DISTINCT {last} AS e\n" + observation
    elif b.plan.anchors:
        b.params["scope"] = list(b.plan.anchors)
        scope = f"MATCH (e:{_ENTITY}) WHERE e.id IN $scope\n" + observation
    else:
        scope = observation
    where = _observation_filters(b, agg)
    entity = "e.id" if agg.by_entity else "null"
    period = "k.period" if agg.by_period else "null"
    return (
        scope + "WHERE " + "\n  AND ".join(where) + "\n"
        f"WITH {entity} AS entity_id, k.metric AS metric, coalesce(k.unit, '') AS unit,\n"
        f"     {period} AS period, toFloat(k.value) AS value,\n"
        "     {id: k.id, props: properties(k), rid: a.id, rprops: properties(a),\n"
        "      eid: e.id, eprops: properties(e)} AS member\n"
        "RETURN entity_id, metric, unit, period, count(*) AS count,\n"
        f"       {_FUNCTIONS[agg.fn]} AS value, collect(member) AS members"
    )


def compile_plan(plan: QueryPlan, schema: GraphSchema) -> CompiledQuery:
    """Compile a plan to one parameterised Cypher query.

    Raises:
        InvalidInput: the plan uses a relationship or entity type outside the schema.
    """
    plan.check_schema(schema)
    builder = _Builder(plan, schema)
    if plan.aggregation is None:
        cypher = _paths_query(builder)
    else:
        cypher = _values_query(builder, plan.aggregation)
    return CompiledQuery(cypher=cypher, params=builder.params)


def _path(nodes: Sequence[Mapping[str, Any]], rels: Sequence[Mapping[str, Any]]) -> GraphPath:
    return GraphPath(
        nodes=tuple(node_view(n["id"], _label(n["id"]), n["props"]) for n in nodes),
        relationships=tuple(
            rel_view(r["id"], r["type"], r["src"], r["dst"], r["props"]) for r in rels
        ),
    )


def _label(node_id: str) -> Label:
    label = label_of(node_id)
    if label is None:
        raise ValueError(f"{node_id!r} is not an id minted by the engine")
    return label


def _member(m: Mapping[str, Any]) -> GraphPath:
    about = {"id": m["rid"], "type": RelType.ABOUT.value, "src": m["id"], "dst": m["eid"]}
    return _path(
        [{"id": m["id"], "props": m["props"]}, {"id": m["eid"], "props": m["eprops"]}],
        [{**about, "props": m["rprops"]}],
    )


def decode(plan: QueryPlan, rows: Iterable[Mapping[str, Any]]) -> PlanResult:
    """The :class:`PlanResult` of the rows a compiled plan returned."""
    if plan.aggregation is None:
        return finish_paths((_path(r["nodes"], r["rels"]) for r in rows), plan.limit)
    groups = []
    for r in rows:
        members = tuple(_member(m) for m in r["members"])
        entity = None
        if r["entity_id"] is not None:
            entity = next(p.nodes[1] for p in members if p.nodes[1].id == r["entity_id"])
        groups.append(
            RawGroup(
                entity=entity,
                metric=r["metric"],
                unit=r["unit"],
                period=r["period"],
                value=float(r["value"]),
                count=int(r["count"]),
                members=members,
            )
        )
    return finish_values(groups, plan.aggregation)
