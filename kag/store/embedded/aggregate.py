"""Observation aggregation for the embedded backend (the Neo4j backend does it in Cypher).

The grouping and filtering rules mirror ``kag.store.neo4j.queries.read.AGGREGATE_OBSERVATIONS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kag.store.base import AggregateRow, ObservationQuery


def period_in_range(period: str | None, start: str | None, end: str | None) -> bool:
    """``start <= period`` and (``period <= end`` or ``period`` lies within ``end``'s prefix)."""
    if start is None and end is None:
        return True
    if period is None:
        return False
    if start is not None and period < start:
        return False
    return end is None or period <= end or period.startswith(end)


def aggregate_observations(
    observations: Iterable[Mapping[str, Any]], query: ObservationQuery
) -> list[AggregateRow]:
    """Group observation property maps and aggregate their values per unit."""
    statuses = {s.value for s in query.statuses}
    wanted = set(query.entity_ids) if query.entity_ids is not None else None
    groups: dict[tuple[str | None, str, str, str | None], list[Mapping[str, Any]]] = {}
    for obs in observations:
        if obs.get("status") not in statuses:
            continue
        if query.metric is not None and obs.get("metric") != query.metric:
            continue
        if wanted is not None and obs.get("subject_id") not in wanted:
            continue
        if not period_in_range(obs.get("period"), query.period_from, query.period_to):
            continue
        key = (
            obs["subject_id"] if query.by_entity else None,
            str(obs["metric"]),
            str(obs.get("unit") or ""),
            obs.get("period") if query.by_period else None,
        )
        groups.setdefault(key, []).append(obs)
    rows: list[AggregateRow] = []
    for (entity, metric, unit, period), members in groups.items():
        values = [float(m["value"]) for m in members]
        if query.aggregate == "count":
            value = float(len(values))
        elif query.aggregate == "sum":
            value = sum(values)
        elif query.aggregate == "avg":
            value = sum(values) / len(values)
        elif query.aggregate == "min":
            value = min(values)
        else:
            value = max(values)
        rows.append(
            AggregateRow(
                entity_id=entity,
                metric=metric,
                unit=unit,
                period=period,
                value=value,
                count=len(values),
                assertion_ids=tuple(sorted(str(m["id"]) for m in members)),
            )
        )
    rows.sort(key=lambda r: (r.entity_id or "", r.metric, r.unit, r.period or ""))
    return rows
