"""The embedded backend's native plan executor, on its in-memory read model (:class:`MemGraph`).

It implements the semantics of the Cypher :mod:`kag.plan.compiler` writes, rule for rule: the
same node and relationship predicates, simple paths only, per-hop boundary labels and entity
types, targets on the last node, and the same post-processing (:mod:`kag.plan.result`). The
contract suite runs every plan shape on both backends and requires identical results.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from graph_schema import AssertionKind, GraphSchema, Label, RelType
from kag.errors import BudgetExceeded
from kag.plan.model import GRANULARITY_PATTERNS, Aggregation, Hop, QueryPlan
from kag.plan.result import PlanResult, RawGroup, finish_paths, finish_values
from kag.store.base import GraphPath, NodeView, RelView
from kag.store.embedded.memgraph import MemGraph, Rel
from kag.store.views import node_view, rel_view

_CHECK_EVERY = 4096  # expansions between two deadline checks


class _Run:
    """One execution: the plan's predicates over one graph, with view caches and a deadline."""

    def __init__(
        self, graph: MemGraph, plan: QueryPlan, schema: GraphSchema, deadline: float | None
    ) -> None:
        self.graph = graph
        self.plan = plan
        f = plan.filters
        self.statuses = {s.value for s in f.statuses}
        self.entity_statuses = {s.value for s in f.entity_statuses}
        self.min_confidence = f.min_confidence
        self.valid_lo = plan.time.period_from
        self.valid_hi = plan.time.upper_bound
        self.types = [frozenset(plan.rel_types_of(h, schema)) for h in plan.hops]
        self.deadline = deadline
        self._ticks = 0
        self._nodes: dict[str, NodeView] = {}
        self._passes: dict[str, bool] = {}

    # -- predicates (mirror the compiler's node_pred / rel_pred) ---------------------------------
    def _valid(self, props: dict[str, Any]) -> bool:
        if self.valid_hi is not None:
            start = props.get("valid_from")
            if start is not None and not start <= self.valid_hi:
                return False
        if self.valid_lo is not None:
            end = props.get("valid_to")
            if end is not None and not end >= self.valid_lo:
                return False
        return True

    def node_ok(self, node_id: str) -> bool:
        cached = self._passes.get(node_id)
        if cached is not None:
            return cached
        props = self.graph.props[node_id]
        is_entity = self.graph.labels[node_id] is Label.ENTITY
        status = props.get("status")
        ok = status is None or status in (self.entity_statuses if is_entity else self.statuses)
        if ok and self.min_confidence > 0 and not is_entity:
            confidence = props.get("confidence")
            ok = confidence is None or confidence >= self.min_confidence
        ok = ok and self._valid(props)
        self._passes[node_id] = ok
        return ok

    def rel_ok(self, rel: Rel) -> bool:
        props = rel.props
        status = props.get("status")
        if status is not None and status not in self.statuses:
            return False
        if self.min_confidence > 0:
            confidence = props.get("confidence")
            if confidence is not None and confidence < self.min_confidence:
                return False
        return self._valid(props)

    def boundary_ok(self, index: int, hop: Hop, node_id: str) -> bool:
        if hop.labels and self.graph.labels[node_id] not in hop.labels:
            return False
        if (
            hop.entity_types
            and self.graph.labels[node_id] is Label.ENTITY
            and self.graph.props[node_id].get("type") not in hop.entity_types
        ):
            return False
        return not (index == len(self.plan.hops) - 1 and self.plan.targets) or (
            node_id in self.plan.targets
        )

    # -- traversal ------------------------------------------------------------------------------
    def _tick(self) -> None:
        self._ticks += 1
        if (
            self.deadline is not None
            and self._ticks % _CHECK_EVERY == 0
            and time.monotonic() > self.deadline
        ):
            raise BudgetExceeded(
                "the query ran past the answer's deadline; narrow the question or raise "
                "KAG_ENGINE__DEADLINE_S",
                cap="deadline",
            )

    def _steps(self, index: int, node_id: str) -> Iterator[tuple[Rel, str]]:
        direction = self.plan.hops[index].direction
        types = self.types[index]
        if direction != "in":
            for rel in self.graph.out_rels(node_id):
                if rel.type in types:
                    yield rel, rel.target
        if direction != "out":
            for rel in self.graph.in_rels(node_id):
                if rel.type in types:
                    yield rel, rel.source

    def walk(self) -> Iterator[tuple[list[str], list[Rel]]]:
        """Every match of the traversal as (node ids, relationships), unordered."""
        anchors = [a for a in self.plan.anchors if a in self.graph and self.node_ok(a)]
        last = len(self.plan.hops) - 1
        stack: list[tuple[list[str], list[Rel], int, int]] = [([a], [], 0, 0) for a in anchors]
        while stack:
            nodes, rels, index, steps = stack.pop()
            hop = self.plan.hops[index]
            for rel, other in self._steps(index, nodes[-1]):
                self._tick()
                if other in nodes or not self.rel_ok(rel) or not self.node_ok(other):
                    continue
                taken = steps + 1
                if taken >= hop.min_length and self.boundary_ok(index, hop, other):
                    if index == last:
                        yield [*nodes, other], [*rels, rel]
                    else:
                        stack.append(([*nodes, other], [*rels, rel], index + 1, 0))
                if taken < hop.max_length:
                    stack.append(([*nodes, other], [*rels, rel], index, taken))

    # -- views ----------------------------------------------------------------------------------
    def node(self, node_id: str) -> NodeView:
        view = self._nodes.get(node_id)
        if view is None:
            view = node_view(node_id, self.graph.labels[node_id], self.graph.props[node_id])
            self._nodes[node_id] = view
        return view

    @staticmethod
    def rel(rel: Rel) -> RelView:
        return rel_view(rel.id, rel.type, rel.source, rel.target, rel.props)

    def path(self, nodes: list[str], rels: list[Rel]) -> GraphPath:
        return GraphPath(
            nodes=tuple(self.node(n) for n in nodes), relationships=tuple(self.rel(r) for r in rels)
        )


def _period_ok(period: Any, plan: QueryPlan) -> bool:
    t = plan.time
    if t.period_from is None and t.period_to is None and t.granularity == "any":
        return True
    if not isinstance(period, str):
        return False
    if t.period_from is not None and period < t.period_from:
        return False
    if t.period_to is not None and not (period <= t.period_to or period.startswith(t.period_to)):
        return False
    return t.granularity == "any" or bool(re.fullmatch(GRANULARITY_PATTERNS[t.granularity], period))


_FUNCTIONS: dict[str, Callable[[list[float]], float]] = {
    "count": lambda v: float(len(v)),
    "sum": lambda v: sum(v),
    "avg": lambda v: sum(v) / len(v),
    "min": min,
    "max": max,
}


def _observation_ok(run: _Run, props: dict[str, Any], entity: str, agg: Aggregation) -> bool:
    if props.get("kind") != AssertionKind.OBSERVATION.value:
        return False
    if props.get("status") not in run.statuses:
        return False
    if run.graph.props[entity].get("status") not in run.entity_statuses:
        return False
    if agg.metric is not None and props.get("metric") != agg.metric:
        return False
    if agg.unit is not None and props.get("unit") != agg.unit:
        return False
    if agg.entity_types and run.graph.props[entity].get("type") not in agg.entity_types:
        return False
    if run.min_confidence > 0 and not props.get("confidence", 0) >= run.min_confidence:
        return False
    return _period_ok(props.get("period"), run.plan)


def _scope(run: _Run) -> list[str] | None:
    """Entities whose observations are aggregated (``None``: every entity)."""
    plan = run.plan
    if plan.hops:
        return sorted({nodes[-1] for nodes, _ in run.walk()})
    if plan.anchors:
        return [a for a in plan.anchors if a in run.graph]
    return None


def _aggregate(run: _Run, agg: Aggregation) -> PlanResult:
    graph = run.graph
    about = RelType.ABOUT.value
    entities = _scope(run)
    candidates: Iterator[Rel]
    if entities is None:
        candidates = (r for r in graph.rels.values() if r.type == about)
    else:
        candidates = (
            r for e in entities if e in graph for r in graph.in_rels(e) if r.type == about
        )
    groups: dict[tuple[str | None, str, str, str | None], list[tuple[Rel, float]]] = {}
    for rel in candidates:
        obs, entity = rel.source, rel.target
        if rel.props.get("role") != "subject" or graph.labels.get(entity) is not Label.ENTITY:
            continue
        if graph.labels[obs] is not Label.KNOWLEDGE:
            continue
        props = graph.props[obs]
        if not _observation_ok(run, props, entity, agg):
            continue
        key = (
            entity if agg.by_entity else None,
            str(props["metric"]),
            str(props.get("unit") or ""),
            props.get("period") if agg.by_period else None,
        )
        groups.setdefault(key, []).append((rel, float(props["value"])))
    raw = [
        RawGroup(
            entity=run.node(entity) if entity is not None else None,
            metric=metric,
            unit=unit,
            period=period,
            value=_FUNCTIONS[agg.fn]([v for _, v in members]),
            count=len(members),
            members=tuple(run.path([r.source, r.target], [r]) for r, _ in members),
        )
        for (entity, metric, unit, period), members in groups.items()
    ]
    return finish_values(raw, agg)


def execute(
    plan: QueryPlan, graph: MemGraph, schema: GraphSchema, *, deadline: float | None = None
) -> PlanResult:
    """Run a plan on the read model.

    Args:
        plan: the plan.
        graph: the embedded store's read model (the caller holds the store's lock).
        schema: the graph schema (relationship types default to the ontology's).
        deadline: a ``time.monotonic()`` instant after which the run stops.

    Raises:
        InvalidInput: the plan uses a type outside the schema.
        BudgetExceeded: the deadline passed.
    """
    plan.check_schema(schema)
    run = _Run(graph, plan, schema, deadline)
    if plan.aggregation is not None:
        return _aggregate(run, plan.aggregation)
    return finish_paths((run.path(n, r) for n, r in run.walk()), plan.limit)
