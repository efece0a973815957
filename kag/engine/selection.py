"""Choosing what an answer rests on from the results of an attempt, per question shape.

The selection is the answer's material: the paths to cite (with their role), and the value rows
and series of an aggregation. The critic judges it and the composer writes from it only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import permutations

from graph_schema import Label
from kag.engine.answer import CitationRole
from kag.engine.linking import QuestionAnalysis
from kag.engine.planner import Attempt, PlannedQuery
from kag.engine.ranking import rank_paths
from kag.plan import PlanResult, ValueRow
from kag.plan.result import SeriesSummary
from kag.store import GraphPath

MAX_ALTERNATIVES = 5


@dataclass
class Selection:
    """The material of an answer."""

    paths: list[tuple[GraphPath, CitationRole]] = field(default_factory=list)
    values: list[ValueRow] = field(default_factory=list)
    series: list[SeriesSummary] = field(default_factory=list)
    slot_filled: bool = False
    truncated: bool = False

    @property
    def empty(self) -> bool:
        """Whether there is nothing to answer from."""
        return not self.paths and not self.values


Results = Sequence[tuple[PlannedQuery, PlanResult]]


def _fits(path: GraphPath, groups: Sequence[Sequence[str]]) -> bool:
    """Whether each hop can take a distinct group's type (order-free chains)."""
    types = [r.type for r in path.relationships]
    if len(types) != len(groups):
        return False
    return any(
        all(t in groups[g] for t, g in zip(types, order, strict=True))
        for order in permutations(range(len(groups)))
    )


def _chain(attempt: Attempt, results: Results) -> Selection:
    paths: list[GraphPath] = []
    for query, result in results:
        found = list(result.paths)
        if query.hop_types:
            found = [p for p in found if _fits(p, query.hop_types)]
        paths += found
    for anchor in attempt.anchors:  # the innermost entity that yields a chain wins
        mine = rank_paths([p for p in paths if p.nodes[0].id == anchor])
        if mine:
            chosen = mine[:MAX_ALTERNATIVES]
            return Selection(paths=[(p, "answer") for p in chosen], slot_filled=True)
    return Selection()


def _shortest(results: Results) -> Selection:
    paths = [p for _, r in results for p in r.paths]
    if not paths:
        return Selection()
    best = min(p.length for p in paths)
    chosen = rank_paths([p for p in paths if p.length == best])[:MAX_ALTERNATIVES]
    return Selection(paths=[(p, "answer") for p in chosen], slot_filled=True)


def _everything(results: Results) -> Selection:
    selection = Selection()
    seen: set[tuple[str, ...]] = set()
    for query, result in results:
        selection.truncated |= result.truncated
        for path in result.paths:
            key = tuple(r.id for r in path.relationships)
            if key not in seen:
                seen.add(key)
                selection.paths.append((path, query.role))
    selection.slot_filled = any(role == "answer" for _, role in selection.paths)
    return selection


def _advice(results: Results) -> Selection:
    selection = Selection()
    backed: set[str] = set()
    seen: set[tuple[str, ...]] = set()
    ordered = sorted(results, key=lambda qr: {"answer": 0, "supports": 1}.get(qr[0].role, 2))
    for query, result in ordered:
        for path in result.paths:
            key = tuple(r.id for r in path.relationships)
            end = path.nodes[-1].id
            if key in seen or (query.role == "context" and end in backed):
                continue
            seen.add(key)
            role: CitationRole = query.role
            if query.role == "supports":
                role = "contradicts" if path.relationships[-1].type == "CONTRADICTS" else "supports"
                backed.add(end)
            selection.paths.append((path, role))
    selection.slot_filled = any(role == "answer" for _, role in selection.paths)
    return selection


def _experience(analysis: QuestionAnalysis, attempt: Attempt, results: Results) -> Selection:
    """Experiences about as many of the question's entities as any is (all of those), ordered
    by how well their words match; when none is about them, the best matches by words."""
    named = {e.entity.id for e in analysis.named} or {e.entity.id for e in analysis.entities}
    about: dict[str, set[str]] = {}
    paths: dict[str, GraphPath] = {}
    text_rank: dict[str, int] = {}
    for query, result in results:
        by_words = query.plan.anchors if query.purpose.endswith("words") else ()
        for rank, anchor in enumerate(by_words):
            text_rank.setdefault(anchor, rank)
        for path in result.paths:
            experience = next(n for n in path.nodes if n.label is Label.EXPERIENCE)
            entity = next(n for n in path.nodes if n.label is Label.ENTITY)
            about.setdefault(experience.id, set())
            if entity.id in named:
                about[experience.id].add(entity.id)
                paths.setdefault(experience.id, path)
            paths.setdefault(f"any:{experience.id}", path)
    if not about:
        return Selection()
    coverage = max(len(entities) for entities in about.values())
    if coverage:
        chosen = [e for e in about if len(about[e]) == coverage]
    else:
        chosen = [e for e in about if e in text_rank]
    chosen.sort(key=lambda e: (text_rank.get(e, len(text_rank)), e))
    chosen = chosen[:MAX_ALTERNATIVES]
    return Selection(
        paths=[(paths.get(e) or paths[f"any:{e}"], "answer") for e in chosen],
        slot_filled=bool(chosen),
    )


def _insight(results: Results) -> Selection:
    """Insights with the facts they are derived from (each derivation one cited path)."""
    selection = _everything(results)
    selection.slot_filled = bool(selection.paths)
    return selection


def _values(results: Results) -> Selection:
    selection = Selection()
    for _, result in results:
        selection.values += result.values
        selection.series += result.series
        selection.truncated |= result.truncated
    selection.slot_filled = bool(selection.values)
    return selection


def select(analysis: QuestionAnalysis, attempt: Attempt, results: Results) -> Selection:
    """The material of an answer from one attempt's results (by the kind of its plans)."""
    kind = attempt.queries[0].plan.shape if attempt.queries else None
    if kind == "quantitative":
        return _values(results)
    if kind == "chain":
        return _chain(attempt, results)
    if kind == "why" and any(q.purpose.startswith("insight") for q, _ in results):
        return _insight(results)
    if kind in ("relate", "why"):
        return _shortest(results)
    if kind == "advice":
        return _advice(results)
    if kind == "experience":
        return _experience(analysis, attempt, results)
    return _everything(results)
