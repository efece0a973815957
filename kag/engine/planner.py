"""The deterministic planner: a question analysis becomes successive attempts of query plans.

Each question shape has a first attempt and, when the critic finds it insufficient, further ones
that expand hops or re-plan (the agent loop pulls them one at a time):

- describe: the entity's relations (1 hop, any type) and the statements about it.
- relate: paths between two entities up to 2 hops, then up to ``max_hops``, then through
  statements about both.
- chain: the cue relation types as a typed hop sequence from the innermost entity outwards,
  then every cue type at every hop (order-free; the selection keeps paths using each once).
- advice: the matching situation -> the wisdom that applies in it -> the experiences supporting
  or contradicting that wisdom and the episodes in the same situation; then wisdom found by its
  own words.
- experience: experiences about the question's entities and experiences matching its words.
- quantitative: an aggregation over the entities' observations (value, rank, compare, trend,
  sum, average, min, max) with the question's metric and periods; then relaxed periods.
- why: the relation between the entities (cue types first) with its evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from graph_schema import Label, Status
from kag.engine.answer import CitationRole
from kag.engine.linking import QuestionAnalysis
from kag.plan import Aggregation, Filters, Hop, QueryPlan, TimeFilter
from kag.plan.model import Granularity
from kag.settings import EngineSettings
from kag.store import NodeView

StatementSearch = Callable[[str, Sequence[Label], float], list[NodeView]]
STATEMENT_LABELS: Final = (Label.WISDOM, Label.EXPERIENCE, Label.INSIGHT, Label.SITUATION)
_BACKING_LABELS: Final = (Label.EXPERIENCE, Label.INSIGHT, Label.KNOWLEDGE)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlannedQuery(_Frozen):
    """A plan with its purpose and the role its paths play in the answer."""

    purpose: str
    plan: QueryPlan
    role: CitationRole = "answer"
    hop_types: tuple[tuple[str, ...], ...] = ()  # order-free chains: types each hop may use


class Attempt(_Frozen):
    """One round of plans; ``name`` says what it tries (first, expand, replan)."""

    name: str
    queries: tuple[PlannedQuery, ...]
    anchors: tuple[str, ...] = ()


def filters_for(settings: EngineSettings) -> Filters:
    """The status and confidence filters the settings allow."""
    statuses = (Status.APPROVED, Status.PROPOSED) if settings.allow_proposed else (Status.APPROVED,)
    return Filters(statuses=statuses, min_confidence=settings.min_confidence)


def _granularity(period: str) -> Granularity:
    if "-Q" in period:
        return "quarter"
    if "-H" in period:
        return "half"
    return "month" if "-" in period else "year"


class DeterministicPlanner:
    """Plans for every question shape, without a language model."""

    def __init__(self, settings: EngineSettings, search: StatementSearch) -> None:
        self.settings = settings
        self.filters = filters_for(settings)
        self.search = search

    def _plan(self, **fields: object) -> QueryPlan:
        fields.setdefault("filters", self.filters)
        fields.setdefault("limit", self.settings.max_paths)
        return QueryPlan.model_validate(fields)

    def attempts(self, analysis: QuestionAnalysis) -> Iterator[Attempt]:
        """Successive attempts for the question (the loop stops pulling once satisfied)."""
        shape = analysis.shape
        if shape is None:
            return iter(())
        return getattr(self, f"_{shape}")(analysis)  # type: ignore[no-any-return]

    # -- shapes -----------------------------------------------------------------------------------
    def _describe(self, a: QuestionAnalysis) -> Iterator[Attempt]:
        targets = [e.entity.id for e in (a.named or a.entities)][:3]
        if not targets:
            return
        queries = []
        for anchor in targets:
            queries.append(
                PlannedQuery(
                    purpose="relations of the entity",
                    plan=self._plan(
                        shape="describe",
                        anchors=(anchor,),
                        hops=(Hop(),),
                        limit=min(4 * self.settings.max_paths, 500),
                    ),
                )
            )
            queries.append(
                PlannedQuery(
                    purpose="statements about the entity",
                    role="context",
                    plan=self._plan(
                        shape="describe",
                        anchors=(anchor,),
                        hops=(Hop(rel_types=("ABOUT",), direction="in", labels=STATEMENT_LABELS),),
                    ),
                )
            )
        yield Attempt(name="first", queries=tuple(queries), anchors=tuple(targets))

    def _relate(self, a: QuestionAnalysis) -> Iterator[Attempt]:
        named = a.named if len(a.named) >= 2 else a.entities
        if len(named) < 2:
            yield from self._describe(a)
            return
        source, target = named[0].entity.id, named[1].entity.id
        anchors = (source, target)
        for name, length in (("first", min(2, self.settings.max_hops)), ("expand", None)):
            if length is None:
                length = self.settings.max_hops
                if length <= 2:
                    continue
            plan = self._plan(
                shape="relate", anchors=(source,), hops=(Hop(max_length=length),), targets=(target,)
            )
            yield Attempt(
                name=name,
                queries=(PlannedQuery(purpose=f"paths up to {length} hops", plan=plan),),
                anchors=anchors,
            )
        through = self._plan(
            shape="relate",
            anchors=(source,),
            hops=(
                Hop(rel_types=("ABOUT",), direction="in", labels=STATEMENT_LABELS),
                Hop(rel_types=("ABOUT",), direction="out"),
            ),
            targets=(target,),
        )
        yield Attempt(
            name="replan",
            queries=(PlannedQuery(purpose="statements about both", plan=through),),
            anchors=anchors,
        )

    def _chain_anchors(self, a: QuestionAnalysis) -> tuple[str, ...]:
        ordered = [*reversed(a.named), *(e for e in a.entities if e.pronoun)]
        return tuple(dict.fromkeys(e.entity.id for e in ordered))

    def _chain(self, a: QuestionAnalysis) -> Iterator[Attempt]:
        anchors = self._chain_anchors(a)
        groups = list(reversed(a.hops))
        if not anchors or not groups:
            yield from self._describe(a)
            return
        typed = self._plan(
            shape="chain", anchors=anchors, hops=tuple(Hop(rel_types=g) for g in groups)
        )
        yield Attempt(
            name="first",
            queries=(PlannedQuery(purpose="typed chain from the innermost entity", plan=typed),),
            anchors=anchors,
        )
        if len(groups) > 1:
            every = tuple(sorted({t for g in groups for t in g}))
            free = self._plan(
                shape="chain",
                anchors=anchors,
                hops=tuple(Hop(rel_types=every) for _ in groups),
                limit=500,
            )
            yield Attempt(
                name="replan",
                queries=(
                    PlannedQuery(
                        purpose="chain with the cue types in any order",
                        plan=free,
                        hop_types=tuple(groups),
                    ),
                ),
                anchors=anchors,
            )

    def _why(self, a: QuestionAnalysis) -> Iterator[Attempt]:
        types = tuple(sorted({t for g in a.hops for t in g}))
        if len(a.named) >= 2:
            source, target = a.named[0].entity.id, a.named[1].entity.id
            for name, hop in (
                ("first", Hop(rel_types=types)),
                ("expand", Hop(max_length=min(2, self.settings.max_hops))),
            ):
                if name == "first" and not types:
                    continue
                plan = self._plan(shape="why", anchors=(source,), hops=(hop,), targets=(target,))
                yield Attempt(
                    name=name,
                    queries=(PlannedQuery(purpose="the fact and its evidence", plan=plan),),
                    anchors=(source, target),
                )
            return
        insights = self._situations(a, (Label.INSIGHT,))
        if insights:
            derived = Hop(rel_types=("DERIVED_FROM",), direction="out")
            yield Attempt(
                name="first",
                anchors=insights,
                queries=(
                    PlannedQuery(
                        purpose="insight and the facts it is derived from",
                        plan=self._plan(shape="why", anchors=insights, hops=(derived,)),
                    ),
                ),
            )
        if a.named and types:
            yield from self._chain(a)
            return
        yield from self._experience(a)

    def _situations(self, a: QuestionAnalysis, labels: Sequence[Label]) -> tuple[str, ...]:
        found = self.search(a.question, labels, 25.0)
        return tuple(n.id for n in found)

    def _advice(self, a: QuestionAnalysis) -> Iterator[Attempt]:
        situations = self._situations(a, (Label.SITUATION,))
        if situations:
            wisdom = Hop(rel_types=("APPLIES_IN",), direction="in", labels=(Label.WISDOM,))
            backing = Hop(
                rel_types=("SUPPORTS", "CONTRADICTS"), direction="in", labels=_BACKING_LABELS
            )
            episodes = Hop(rel_types=("IN_SITUATION",), direction="in", labels=(Label.EXPERIENCE,))
            yield Attempt(
                name="first",
                anchors=situations,
                queries=(
                    PlannedQuery(
                        purpose="wisdom that applies in the situation",
                        plan=self._plan(shape="advice", anchors=situations, hops=(wisdom,)),
                    ),
                    PlannedQuery(
                        purpose="experience supporting or contradicting that wisdom",
                        role="supports",
                        plan=self._plan(shape="advice", anchors=situations, hops=(wisdom, backing)),
                    ),
                    PlannedQuery(
                        purpose="episodes in the same situation",
                        role="context",
                        plan=self._plan(shape="advice", anchors=situations, hops=(episodes,)),
                    ),
                ),
            )
        wisdoms = self._situations(a, (Label.WISDOM,))
        if wisdoms:
            yield Attempt(
                name="replan",
                anchors=wisdoms,
                queries=(
                    PlannedQuery(
                        purpose="wisdom matching the question and where it applies",
                        plan=self._plan(
                            shape="advice",
                            anchors=wisdoms,
                            hops=(Hop(rel_types=("APPLIES_IN",), direction="out"),),
                        ),
                    ),
                    PlannedQuery(
                        purpose="experience supporting or contradicting it",
                        role="supports",
                        plan=self._plan(
                            shape="advice",
                            anchors=wisdoms,
                            hops=(
                                Hop(
                                    rel_types=("SUPPORTS", "CONTRADICTS"),
                                    direction="in",
                                    labels=_BACKING_LABELS,
                                ),
                            ),
                        ),
                    ),
                ),
            )
        yield from self._experience(a)

    def _experience(self, a: QuestionAnalysis) -> Iterator[Attempt]:
        entities = tuple(e.entity.id for e in (a.named or a.entities))
        texts = self._situations(a, (Label.EXPERIENCE,))
        queries = []
        if entities:
            queries.append(
                PlannedQuery(
                    purpose="experiences about the question's entities",
                    plan=self._plan(
                        shape="experience",
                        anchors=entities,
                        hops=(
                            Hop(rel_types=("ABOUT",), direction="in", labels=(Label.EXPERIENCE,)),
                        ),
                        limit=200,
                    ),
                )
            )
        if texts:
            queries.append(
                PlannedQuery(
                    purpose="experiences matching the question's words",
                    plan=self._plan(
                        shape="experience",
                        anchors=texts,
                        hops=(Hop(rel_types=("ABOUT",), direction="out"),),
                        limit=200,
                    ),
                )
            )
        if queries:
            yield Attempt(name="first", queries=tuple(queries), anchors=entities + texts)

    def _aggregation(self, a: QuestionAnalysis, many: bool) -> Aggregation:
        op = a.op or "value"
        order: Literal["asc", "desc"] = "asc" if a.ascending else "desc"
        if op in ("rank", "compare"):
            return Aggregation(op=op, metric=a.metric, value_fn="avg", order=order)
        if op == "trend":
            return Aggregation(op="trend", metric=a.metric, value_fn="avg", by_period=True)
        if op in ("sum", "avg", "min", "max"):
            return Aggregation(op=op, metric=a.metric, by_entity=not many)
        return Aggregation(op="avg", metric=a.metric, by_period=True)

    def _time(self, a: QuestionAnalysis, relax: int) -> TimeFilter:
        periods = sorted(a.periods)
        if relax >= 2 or not periods:
            return TimeFilter(granularity="year" if a.op == "trend" and relax < 2 else "any")
        granularity = _granularity(periods[0]) if relax == 0 else "any"
        return TimeFilter(period_from=periods[0], period_to=periods[-1], granularity=granularity)

    def _quantitative(self, a: QuestionAnalysis) -> Iterator[Attempt]:
        entities = a.named or a.entities
        anchors = tuple(e.entity.id for e in entities)
        if not anchors and a.op not in ("rank", "compare"):
            return
        # "the competitors of X": a noun cue names the entities to aggregate over
        by_relation = anchors and a.hops and all(c.noun for c in a.cues)
        scope = tuple(Hop(rel_types=g) for g in reversed(a.hops)) if by_relation else ()
        aggregation = self._aggregation(a, many=len(anchors) > 1 and not scope)
        for relax, name in ((0, "first"), (1, "expand"), (2, "replan")):
            if relax and not a.periods and relax == 1:
                continue
            plan = self._plan(
                shape="quantitative",
                returns="values",
                anchors=anchors,
                hops=scope,
                aggregation=aggregation,
                time=self._time(a, relax),
            )
            purpose = f"{aggregation.op} of {a.metric}" + (" (periods relaxed)" if relax else "")
            yield Attempt(
                name=name, queries=(PlannedQuery(purpose=purpose, plan=plan),), anchors=anchors
            )
