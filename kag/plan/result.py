"""What running a plan returns, and the post-processing both executors share.

Both executors hand their raw output to the functions here (paths to :func:`finish_paths`,
aggregate groups to :func:`finish_values`), so ordering, limits, rounding, ranks and changes are
decided once and the backends' results are identical. Every number in a :class:`ValueRow` was
computed by the executor's aggregation (Cypher on Neo4j), never by a language model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from kag.plan.model import Aggregation
from kag.store.base import GraphPath, NodeView


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ValueRow(_Frozen):
    """One group of an aggregation: its value with unit and period, and what it came from.

    ``change`` is the difference to the previous row of the same series (the previous period of
    a trend, the row ranked above in a comparison) and ``change_pct`` that difference relative
    to the previous row's value, in percent.
    """

    entity_id: str | None
    entity_name: str | None
    metric: str
    unit: str
    period: str | None
    value: float
    count: int
    rank: int
    change: float | None = None
    change_pct: float | None = None
    assertion_ids: tuple[str, ...]
    paths: tuple[GraphPath, ...]


class SeriesSummary(_Frozen):
    """First and last row of a series of ranked, compared or trended rows, and the difference.

    ``change`` is last minus first (the change over a trend); ``difference`` is first minus last
    (how far the top of a ranking or comparison is ahead of the bottom).
    """

    metric: str
    unit: str
    first_label: str
    last_label: str
    first_value: float
    last_value: float
    change: float
    change_pct: float | None
    difference: float
    rows: int


class PlanResult(_Frozen):
    """Paths (traversals) or value rows (aggregations), in a deterministic order."""

    paths: tuple[GraphPath, ...] = ()
    values: tuple[ValueRow, ...] = ()
    series: tuple[SeriesSummary, ...] = ()
    truncated: bool = False

    @property
    def empty(self) -> bool:
        """Whether the plan matched nothing."""
        return not self.paths and not self.values

    @property
    def rows(self) -> int:
        """How many paths or value rows the plan gave."""
        return len(self.paths) + len(self.values)


def exact(value: float) -> float:
    """A float rounded to 12 significant digits.

    Summation order differs between executors; this removes the last-bit noise it causes so
    results compare equal, without changing any figure a person would read.
    """
    return float(f"{value:.12g}")


def path_key(path: GraphPath) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """Shortest first, then relationship ids, then node ids (the Cypher ORDER BY)."""
    return (
        len(path.relationships),
        tuple(r.id for r in path.relationships),
        tuple(n.id for n in path.nodes),
    )


def finish_paths(paths: Iterable[GraphPath], limit: int) -> PlanResult:
    """Distinct paths in order, at most ``limit`` (``truncated`` when more were found)."""
    unique = {path_key(p): p for p in paths}
    ordered = [unique[k] for k in sorted(unique)]
    return PlanResult(paths=tuple(ordered[:limit]), truncated=len(ordered) > limit)


@dataclass(frozen=True, slots=True)
class RawGroup:
    """An aggregate group as an executor computed it, before ranking and rounding."""

    entity: NodeView | None
    metric: str
    unit: str
    period: str | None
    value: float
    count: int
    members: tuple[GraphPath, ...]  # observation -[ABOUT]-> entity


def _series_key(row: RawGroup, agg: Aggregation) -> tuple[str, ...]:
    """Rows compared with each other: same metric and unit (and entity for a trend, period for
    a by-period ranking or comparison)."""
    if agg.op == "trend":
        return (row.metric, row.unit, row.entity.id if row.entity else "")
    if agg.op in ("rank", "compare") and agg.by_period:
        return (row.metric, row.unit, row.period or "")
    return (row.metric, row.unit)


def _order_key(row: RawGroup, agg: Aggregation) -> tuple[object, ...]:
    entity = row.entity.id if row.entity else ""
    if agg.op == "trend":
        return (row.period or "", entity)
    if agg.op in ("rank", "compare"):
        value = exact(row.value)
        return (-value if agg.order == "desc" else value, entity, row.period or "")
    return (entity, row.period or "")


def finish_values(groups: Sequence[RawGroup], agg: Aggregation) -> PlanResult:
    """Order groups into series, rank them, compute changes and apply the limit per series."""
    series: dict[tuple[str, ...], list[RawGroup]] = {}
    for group in groups:
        series.setdefault(_series_key(group, agg), []).append(group)
    rows: list[ValueRow] = []
    summaries: list[SeriesSummary] = []
    truncated = False
    for key in sorted(series):
        members = sorted(series[key], key=lambda g: _order_key(g, agg))
        if agg.limit is not None and len(members) > agg.limit:
            members, truncated = members[: agg.limit], True
        previous: float | None = None
        for rank, group in enumerate(members, start=1):
            value = exact(group.value)
            change = change_pct = None
            if agg.op in ("trend", "compare") and previous is not None:
                change = exact(value - previous)
                change_pct = exact(change / previous * 100) if previous else None
            paths = sorted(group.members, key=path_key)
            rows.append(
                ValueRow(
                    entity_id=group.entity.id if group.entity else None,
                    entity_name=group.entity.name if group.entity else None,
                    metric=group.metric,
                    unit=group.unit,
                    period=group.period,
                    value=value,
                    count=group.count,
                    rank=rank,
                    change=change,
                    change_pct=change_pct,
                    assertion_ids=tuple(p.nodes[0].id for p in paths),
                    paths=tuple(paths),
                )
            )
            previous = value
        if agg.op in ("rank", "compare", "trend") and len(members) > 1:
            summaries.append(_summary(rows[-len(members) :], agg))
    return PlanResult(values=tuple(rows), series=tuple(summaries), truncated=truncated)


def _row_label(row: ValueRow, agg: Aggregation) -> str:
    if agg.op == "trend" or row.entity_name is None:
        return row.period or ""
    return row.entity_name


def _summary(rows: Sequence[ValueRow], agg: Aggregation) -> SeriesSummary:
    first, last = rows[0], rows[-1]
    change = exact(last.value - first.value)
    return SeriesSummary(
        metric=first.metric,
        unit=first.unit,
        first_label=_row_label(first, agg),
        last_label=_row_label(last, agg),
        first_value=first.value,
        last_value=last.value,
        change=change,
        change_pct=exact(change / first.value * 100) if first.value else None,
        difference=exact(first.value - last.value),
        rows=len(rows),
    )
