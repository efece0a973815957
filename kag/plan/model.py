"""Typed query plans: what to match in the graph, independent of the backend that runs it.

A :class:`QueryPlan` is either a *traversal* (``returns="paths"``): start at anchor nodes, follow
a sequence of hops (relationship types, direction, 1..k steps each), optionally end at target
nodes; or an *aggregation* (``returns="values"``) over quantitative observations of a set of
entities (the anchors, the ends of a traversal from them, or every entity).

Plans hold ids, names of schema elements and enum values only: every value reaches Cypher as a
parameter, and labels and relationship types only through graph_schema's quoting functions. The
Neo4j backend compiles a plan to Cypher (:mod:`kag.plan.compiler`); the embedded backend runs it
natively (:mod:`kag.plan.executor`); both return the same :class:`~kag.plan.result.PlanResult`.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graph_schema import LAYER_LABELS, GraphSchema, Label, RelType, Status, label_of
from kag.errors import InvalidInput

QuestionShape = Literal[
    "describe", "relate", "chain", "advice", "experience", "quantitative", "why"
]
Direction = Literal["out", "in", "both"]
AggregateOp = Literal["count", "sum", "avg", "min", "max", "rank", "compare", "trend"]
ValueFn = Literal["count", "sum", "avg", "min", "max"]
Granularity = Literal["any", "year", "half", "quarter", "month"]

MAX_HOP_LENGTH: Final = 6
MAX_PATH_LENGTH: Final = 8
MAX_SEGMENTS: Final = 6
MAX_LIMIT: Final = 500
MAX_IDS: Final = 200

#: Statuses a plan may ever use: rejected and superseded facts are never traversed.
USABLE: Final[frozenset[Status]] = frozenset({Status.APPROVED, Status.PROPOSED})
#: Structural relationship types a plan may follow (provenance and bookkeeping ones are not
#: traversed; evidence is read per hop after the plan ran).
TRAVERSABLE_STRUCTURAL: Final[frozenset[str]] = frozenset(
    t.value
    for t in (
        RelType.ABOUT,
        RelType.APPLIES_IN,
        RelType.IN_SITUATION,
        RelType.SUPPORTS,
        RelType.CONTRADICTS,
        RelType.DERIVED_FROM,
    )
)
#: Labels a hop may end on.
HOP_LABELS: Final[frozenset[Label]] = frozenset({Label.ENTITY, *LAYER_LABELS})
#: Period strings: a year, a half, a quarter, a month or a day.
PERIOD_PATTERN: Final = r"^\d{4}(-(H[12]|Q[1-4]|\d{2}(-\d{2})?))?$"
#: Regular expression (Java and Python agree on it) a period must match for each granularity.
GRANULARITY_PATTERNS: Final[dict[Granularity, str]] = {
    "year": r"\d{4}",
    "half": r"\d{4}-H[12]",
    "quarter": r"\d{4}-Q[1-4]",
    "month": r"\d{4}-\d{2}",
}
_ID = re.compile(r"^[a-z]{3,4}_[0-9a-f]{6,64}$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _\-]{0,99}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_ids(ids: tuple[str, ...]) -> tuple[str, ...]:
    for node_id in ids:
        if not _ID.match(node_id) or label_of(node_id) in (None, Label.SCHEMA_META):
            raise ValueError(f"{node_id!r} is not a node id minted by the engine")
    return tuple(dict.fromkeys(ids))


class Hop(_Frozen):
    """One step of a traversal: 1..k relationships of the given types in one direction."""

    rel_types: tuple[str, ...] = Field(
        default=(), description="relationship types; empty means every ontology relation type"
    )
    direction: Direction = "both"
    min_length: int = Field(default=1, ge=1, le=MAX_HOP_LENGTH)
    max_length: int = Field(default=1, ge=1, le=MAX_HOP_LENGTH)
    labels: tuple[Label, ...] = Field(default=(), description="labels the hop may end on")
    entity_types: tuple[str, ...] = Field(
        default=(), description="entity types the hop may end on (entities only)"
    )

    @model_validator(mode="after")
    def _check(self) -> Hop:
        if self.min_length > self.max_length:
            raise ValueError(f"min_length {self.min_length} exceeds max_length {self.max_length}")
        bad = [label.value for label in self.labels if label not in HOP_LABELS]
        if bad:
            raise ValueError(f"a hop cannot end on {bad}; use Entity or a layer label")
        for name in (*self.rel_types, *self.entity_types):
            if not _NAME.match(name):
                raise ValueError(f"{name!r} is not a relationship type or entity type name")
        return self


class Filters(_Frozen):
    """Which facts and entities a plan may use."""

    statuses: tuple[Status, ...] = (Status.APPROVED,)
    entity_statuses: tuple[Status, ...] = (Status.APPROVED, Status.PROPOSED)
    min_confidence: float = Field(default=0.0, ge=0, le=1)

    @field_validator("statuses", "entity_statuses")
    @classmethod
    def _usable(cls, value: tuple[Status, ...]) -> tuple[Status, ...]:
        refused = sorted(s.value for s in value if s not in USABLE)
        if refused:
            raise ValueError(f"statuses {refused} are never used to answer questions")
        if not value:
            raise ValueError("at least one status is needed")
        return tuple(sorted(set(value)))


class TimeFilter(_Frozen):
    """Periods an observation must fall in; validity intervals facts must overlap.

    ``period_from``/``period_to`` are inclusive; a period inside ``period_to``'s prefix counts
    (``2024-Q3`` is within ``period_to="2024"``). Facts without a validity interval always pass.
    """

    period_from: str | None = Field(default=None, pattern=PERIOD_PATTERN)
    period_to: str | None = Field(default=None, pattern=PERIOD_PATTERN)
    granularity: Granularity = "any"

    @property
    def active(self) -> bool:
        """Whether any bound is set."""
        return self.period_from is not None or self.period_to is not None

    @property
    def upper_bound(self) -> str | None:
        """``period_to`` made inclusive of everything it prefixes, for string comparison."""
        return None if self.period_to is None else self.period_to + "~"


class Aggregation(_Frozen):
    """An aggregation over observations (entity, metric, value, unit, period).

    ``op`` is a plain aggregate (count, sum, avg, min, max per group) or ``rank`` (groups ordered
    by ``value_fn`` of their values), ``compare`` (ordered, with the gap to the row above) or
    ``trend`` (per period, with the change from the previous period). Values of different
    units are never combined.
    """

    op: AggregateOp
    metric: str | None = Field(default=None, min_length=1, max_length=100)
    unit: str | None = Field(default=None, min_length=1, max_length=40)
    value_fn: ValueFn = "sum"
    by_entity: bool = True
    by_period: bool = False
    order: Literal["desc", "asc"] = "desc"
    limit: int | None = Field(default=None, ge=1, le=MAX_LIMIT)
    entity_types: tuple[str, ...] = ()

    @property
    def fn(self) -> ValueFn:
        """The aggregate function computing each group's value."""
        if self.op in ("count", "sum", "avg", "min", "max"):
            return self.op
        return self.value_fn

    @model_validator(mode="after")
    def _check(self) -> Aggregation:
        if self.metric is None and self.fn != "count":
            raise ValueError(f"aggregation {self.op!r} needs a metric")
        if self.op == "trend" and not self.by_period:
            raise ValueError("a trend groups by period: set by_period")
        for name in self.entity_types:
            if not _NAME.match(name):
                raise ValueError(f"{name!r} is not an entity type name")
        return self


class QueryPlan(_Frozen):
    """A typed, backend-independent query over the graph."""

    shape: QuestionShape = "describe"
    anchors: tuple[str, ...] = Field(default=(), max_length=MAX_IDS)
    hops: tuple[Hop, ...] = Field(default=(), max_length=MAX_SEGMENTS)
    targets: tuple[str, ...] = Field(default=(), max_length=MAX_IDS)
    filters: Filters = Filters()
    time: TimeFilter = TimeFilter()
    aggregation: Aggregation | None = None
    returns: Literal["paths", "values"] = "paths"
    limit: int = Field(default=25, ge=1, le=MAX_LIMIT)

    @field_validator("anchors", "targets")
    @classmethod
    def _ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_ids(value)

    @model_validator(mode="after")
    def _check(self) -> QueryPlan:
        if sum(h.max_length for h in self.hops) > MAX_PATH_LENGTH:
            raise ValueError(f"a plan's paths may not exceed {MAX_PATH_LENGTH} relationships")
        if self.returns == "paths":
            if self.aggregation is not None:
                raise ValueError("a plan returning paths has no aggregation")
            if not self.anchors or not self.hops:
                raise ValueError("a plan returning paths needs anchors and at least one hop")
        else:
            if self.aggregation is None:
                raise ValueError("a plan returning values needs an aggregation")
            if self.targets:
                raise ValueError("targets only apply to plans returning paths")
            if self.hops and not self.anchors:
                raise ValueError("hops need anchors to start from")
            if not self.hops and any(label_of(a) is not Label.ENTITY for a in self.anchors):
                raise ValueError("the anchors of an aggregation are entities")
        return self

    def rel_types_of(self, hop: Hop, schema: GraphSchema) -> tuple[str, ...]:
        """The relationship types a hop follows (every ontology relation when none is given)."""
        return hop.rel_types or tuple(sorted(schema.relation_types))

    def check_schema(self, schema: GraphSchema) -> None:
        """Refuse relationship and entity types outside the schema.

        Raises:
            InvalidInput: naming the unknown type and the known ones.
        """
        allowed = set(schema.relation_types) | TRAVERSABLE_STRUCTURAL
        concepts = set(schema.ontology.concept_labels.values())
        for hop in self.hops:
            for rel_type in hop.rel_types:
                if rel_type not in allowed:
                    raise InvalidInput(
                        f"query plan uses relationship type {rel_type!r}, which is not in the "
                        f"graph schema; use one of: {', '.join(sorted(allowed))}"
                    )
        types = [t for h in self.hops for t in h.entity_types]
        types += list(self.aggregation.entity_types) if self.aggregation else []
        for entity_type in types:
            if entity_type not in concepts:
                raise InvalidInput(
                    f"query plan uses entity type {entity_type!r}, which is not in ontology "
                    f"{schema.ontology.id!r}; use one of: {', '.join(sorted(concepts))}"
                )
