"""The ``contradictions`` pruning rule: facts about one subject that cannot all be true.

- observations of one subject, metric, unit and period whose values differ by more than the
  tolerance (relative to the larger value);
- one-off metrics (``once`` in the ontology, e.g. an acquisition price) stated for different
  periods or values;
- functional relations (``functional`` in the ontology, e.g. headquartered in) with several
  objects for one subject.

When one member is clearly stronger (approved by an expert, then read in more documents, then
in more places, then approved at ingestion, then more confident) the proposal rejects the
others; otherwise it asks for a review of all of them. Ingestion's automatic approval counts
after the number of sources: one confident sentence must not outweigh several documents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from graph_schema import AssertionKind, Status
from kag.curation.rules import Proposal, RuleContext, proposal_id
from kag.store.patch import AssertionSummary


def _strength(s: AssertionSummary, decided: set[str]) -> tuple[int, int, int, int, float]:
    approved = s.node.status is Status.APPROVED
    return (
        int(approved and s.node.id in decided),
        len(s.documents),
        s.evidence,
        int(approved),
        round(s.node.confidence or 0.0, 3),
    )


def _differ(values: Sequence[float], tolerance: float) -> bool:
    low, high = min(values), max(values)
    return abs(high - low) > tolerance * max(abs(high), abs(low))


def _groups(ctx: RuleContext) -> list[tuple[list[AssertionSummary], str]]:
    metrics = {m.name: m for m in ctx.schema.ontology.metrics}
    by_period: dict[tuple[str, ...], list[AssertionSummary]] = defaultdict(list)
    once: dict[tuple[str, ...], list[AssertionSummary]] = defaultdict(list)
    functional: dict[tuple[str, str], list[AssertionSummary]] = defaultdict(list)
    for s in ctx.assertions.values():
        p = s.node.props
        if p.get("kind") == AssertionKind.OBSERVATION.value:
            key = (str(p["subject_id"]), str(p["metric"]), str(p.get("unit", "")))
            by_period[(*key, str(p.get("period", "")))].append(s)
            metric = metrics.get(str(p["metric"]))
            if metric is not None and metric.once:
                once[key].append(s)
        elif p.get("kind") == AssertionKind.RELATION.value:
            relation = ctx.schema.relation_types.get(str(p.get("predicate")))
            if relation is not None and relation.functional:
                functional[(str(p["subject_id"]), relation.name)].append(s)
    out: list[tuple[list[AssertionSummary], str]] = []
    tolerance = ctx.settings.contradiction_tolerance
    for (_, metric_name, unit, period), members in by_period.items():
        values = [float(m.node.props["value"]) for m in members]
        if len(members) > 1 and _differ(values, tolerance):
            when = period or "(no period)"
            out.append((members, f"{metric_name} {when} in {unit}: different values"))
    for (_, metric_name, _unit), members in once.items():
        periods = {str(m.node.props.get("period", "")) for m in members}
        if len(periods) > 1:
            out.append((members, f"{metric_name} is one-off, stated for {sorted(periods)}"))
    for (_, predicate), members in functional.items():
        objects = {str(m.node.props["object_id"]) for m in members}
        if len(objects) > 1:
            out.append((members, f"{predicate} has one object, found {len(objects)}"))
    return out


def contradictions(ctx: RuleContext) -> list[Proposal]:
    """Groups of facts that contradict each other (see the module docstring)."""
    out: dict[str, Proposal] = {}
    for members, why in _groups(ctx):
        ids = sorted(m.node.id for m in members)
        if any(frozenset(ids) <= dismissed for dismissed in ctx.dismissed):
            continue
        ranked = sorted(members, key=lambda m: (_strength(m, ctx.decided), m.node.id), reverse=True)
        clear = _strength(ranked[0], ctx.decided) > _strength(ranked[1], ctx.decided)
        losers = [m.node.id for m in ranked[1:] if m.node.id not in ctx.decided]
        titles = " vs ".join(ctx.title(m.node.id) for m in ranked)
        if clear and losers:
            action, targets = "reject", tuple(sorted(losers))
            reason = f"{why}; {ranked[0].node.name!r} is better supported"
        elif clear:
            continue  # an expert decided the weaker side already
        else:
            action, targets = "review", tuple(ids)
            reason = f"{why}; none is clearly better supported"
        item = proposal_id("ct", "contradictions", "group", ids)
        out[item] = Proposal(
            id=item,
            rule="contradictions",
            action=action,  # type: ignore[arg-type]
            target_ids=targets,
            title=titles,
            reason=reason,
            score=float(len(members)),
            members=tuple(ids),
        )
    return [out[k] for k in sorted(out)]
