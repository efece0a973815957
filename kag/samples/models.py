"""Typed models of the sample corpus' gold facts (``facts.json``) and golden questions.

Every fact carries a ``key`` (a short, stable, human-readable slug such as
``rel.brannock-acquired-quillon``) so links and golden questions can refer to it; Knowledge facts
have no text of their own, so keys are the one way to name any fact. Each fact is read in one
document (``doc``, a path relative to the corpus' ``docs/`` folder) at an exact ``quote``; ``also``
lists further documents stating the same fact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph_schema import Layer, RelType

#: The statement layers (Knowledge is written as relations and observations instead).
StatementLayer = Literal["Wisdom", "Experience", "Insight", "Situation"]
#: Structural links the gold graph uses between assertions.
LinkType = Literal["APPLIES_IN", "IN_SITUATION", "SUPPORTS", "CONTRADICTS", "DERIVED_FROM"]
#: Question shapes the wisdom engine must answer.
Shape = Literal["describe", "relate", "chain", "advice", "experience", "quantitative", "why"]
#: What a quantitative question computes.
Operation = Literal["value", "compare", "rank", "sum", "avg", "trend"]

#: ``YYYY``, ``YYYY-Qn``, ``YYYY-Hn`` or ``YYYY-MM``.
_PERIOD = r"^\d{4}(-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$"

#: Which (source layer, link type, target layer) combinations the gold graph may contain; a subset
#: of graph_schema's structural patterns.
LINK_LAYERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "APPLIES_IN": (frozenset({"Wisdom"}), frozenset({"Situation"})),
    "IN_SITUATION": (frozenset({"Experience"}), frozenset({"Situation"})),
    "SUPPORTS": (
        frozenset({"Experience", "Insight", "Knowledge"}),
        frozenset({"Wisdom", "Insight"}),
    ),
    "CONTRADICTS": (
        frozenset({"Experience", "Insight", "Knowledge"}),
        frozenset({"Wisdom", "Insight", "Knowledge"}),
    ),
    "DERIVED_FROM": (frozenset({"Insight"}), frozenset(layer.value for layer in Layer)),
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GoldEvidence(_Frozen):
    """Where a fact is stated: a document (relative to ``docs/``) and an exact quote from it."""

    doc: str = Field(min_length=1)
    quote: str = Field(min_length=1)


class GoldEntity(_Frozen):
    """An entity of the sample market, typed with an ontology concept label."""

    name: str = Field(min_length=1)
    type: str = Field(min_length=1, description="ontology concept label, e.g. 'company'")
    aliases: tuple[str, ...] = ()


class _GoldFact(_Frozen):
    key: str = Field(min_length=1, pattern=r"^[a-z]+\.[a-z0-9][a-z0-9.\-]*$")
    doc: str = Field(min_length=1)
    quote: str = Field(min_length=1)
    also: tuple[GoldEvidence, ...] = Field(default=(), description="other documents stating it")

    @property
    def evidence(self) -> tuple[GoldEvidence, ...]:
        """Every place the fact is stated, the primary one first."""
        return (GoldEvidence(doc=self.doc, quote=self.quote), *self.also)

    @property
    def documents(self) -> frozenset[str]:
        """The documents stating the fact."""
        return frozenset(e.doc for e in self.evidence)


class GoldRelation(_GoldFact):
    """``subject -[predicate]-> object`` (a Knowledge relation), optionally dated."""

    subject: str
    predicate: str = Field(description="ontology relation type, e.g. 'COMPETES_WITH'")
    object: str
    period: str | None = Field(
        default=None, pattern=_PERIOD, description="when it happened, e.g. '2023'"
    )


class GoldObservation(_GoldFact):
    """(entity, metric, value, unit, period): a Knowledge observation in absolute units.

    ``value`` is absolute ($48.5 million -> 48500000); ``unit`` is an ISO currency code,
    ``percent`` or ``count``; a price cut is a negative ``price change``.
    """

    subject: str
    metric: str
    value: float
    unit: str = Field(min_length=1)
    period: str = Field(pattern=_PERIOD)


class GoldStatement(_GoldFact):
    """A Wisdom, Experience, Insight or Situation statement and the entities it is about."""

    layer: StatementLayer
    text: str = Field(min_length=1)
    about: tuple[str, ...] = ()


class GoldLink(_Frozen):
    """A structural link between two facts, by key (``source -[type]-> target``)."""

    source: str
    type: LinkType
    target: str

    @property
    def rel_type(self) -> RelType:
        """The structural relationship type."""
        return RelType(self.type)


GoldFact = GoldRelation | GoldObservation | GoldStatement


class GoldFacts(_Frozen):
    """The gold graph the sample documents state; references are checked on load."""

    corpus: str
    ontology: str
    entities: tuple[GoldEntity, ...]
    relations: tuple[GoldRelation, ...]
    observations: tuple[GoldObservation, ...]
    statements: tuple[GoldStatement, ...]
    links: tuple[GoldLink, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> GoldFacts:
        problems = list(self._problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _problems(self) -> Iterator[str]:
        names = Counter(e.name for e in self.entities)
        yield from (f"entity {n!r} is declared {c} times" for n, c in names.items() if c > 1)
        keys = Counter(f.key for f in self.facts)
        yield from (f"fact key {k!r} is used {c} times" for k, c in keys.items() if c > 1)
        for fact in self.facts:
            for name in _entity_refs(fact):
                if name not in names:
                    yield f"fact {fact.key!r} refers to undeclared entity {name!r}"
        layers = {f.key: _layer_of(f) for f in self.facts}
        for link in self.links:
            src, dst = layers.get(link.source), layers.get(link.target)
            if src is None or dst is None:
                missing = link.source if src is None else link.target
                yield f"link {link.source} {link.type} {link.target}: no fact {missing!r}"
                continue
            sources, targets = LINK_LAYERS[link.type]
            if src not in sources or dst not in targets:
                yield f"link {link.source} {link.type} {link.target} joins {src} to {dst}"

    @property
    def facts(self) -> tuple[GoldFact, ...]:
        """Every fact: relations, observations, then statements."""
        return (*self.relations, *self.observations, *self.statements)

    @cached_property
    def _by_key(self) -> dict[str, GoldFact]:
        return {f.key: f for f in self.facts}

    @cached_property
    def _entities_by_name(self) -> dict[str, GoldEntity]:
        return {e.name: e for e in self.entities}

    def fact(self, key: str) -> GoldFact:
        """The fact with this key.

        Raises:
            KeyError: no fact has this key.
        """
        return self._by_key[key]

    def entity(self, name: str) -> GoldEntity:
        """The entity with this canonical name.

        Raises:
            KeyError: no entity has this name.
        """
        return self._entities_by_name[name]

    def layer_of(self, key: str) -> str:
        """The layer of a fact (``Knowledge`` for relations and observations)."""
        return _layer_of(self.fact(key))

    @property
    def documents(self) -> frozenset[str]:
        """Every document some fact is read from."""
        return frozenset(doc for f in self.facts for doc in f.documents)


def _entity_refs(fact: GoldFact) -> tuple[str, ...]:
    if isinstance(fact, GoldRelation):
        return (fact.subject, fact.object)
    if isinstance(fact, GoldObservation):
        return (fact.subject,)
    return fact.about


def _layer_of(fact: GoldFact) -> str:
    return fact.layer if isinstance(fact, GoldStatement) else Layer.KNOWLEDGE.value


class QuantitySpec(_Frozen):
    """What a quantitative question computes: an operation over observations.

    ``value`` reads one observation; ``compare`` and ``rank`` order ``entities`` by their value
    in the single period; ``sum`` and ``avg`` aggregate every (entity, period) pair; ``trend``
    lists one entity's values over ``periods`` in order.
    """

    metric: str
    operation: Operation
    entities: tuple[str, ...] = Field(min_length=1)
    periods: tuple[str, ...] = Field(min_length=1)


class ExpectedAnswer(_Frozen):
    """What a correct answer contains.

    ``must_mention``: entity names or phrases the answer text contains. Quantitative answers add
    ``value`` (absolute units; for ``compare`` the difference first minus second, for ``trend`` the
    change from the first to the last period), ``unit`` and an absolute ``tolerance``; ``values``
    gives each (label, value) the answer rests on (labels are entity names, or periods for a
    trend) and ``order`` the expected ranking, highest first.
    """

    must_mention: tuple[str, ...] = ()
    value: float | None = None
    unit: str | None = None
    tolerance: float | None = Field(default=None, ge=0)
    values: tuple[tuple[str, float], ...] = ()
    order: tuple[str, ...] = ()


class GoldenQuestion(_Frozen):
    """A question with its expected answer, the gold facts behind it and the documents to cite.

    ``anchors`` are the entity names the question mentions; for ``relate`` and ``chain`` the path
    runs from ``anchors[0]`` to ``target`` in ``hops`` hops over the relations listed in ``facts``
    (in path order). ``facts`` are the keys of the gold facts a correct answer rests on, and
    ``expected_documents`` every document stating one of them: the documents a correct answer's
    citations include.
    """

    id: str = Field(pattern=r"^q\d{2}$")
    question: str = Field(min_length=1)
    shape: Shape
    anchors: tuple[str, ...] = ()
    expected: ExpectedAnswer
    facts: tuple[str, ...] = Field(min_length=1)
    expected_documents: tuple[str, ...] = Field(min_length=1)
    target: str | None = Field(default=None, description="entity at the end of the path")
    hops: int | None = Field(default=None, ge=1, le=4)
    quantity: QuantitySpec | None = None

    @model_validator(mode="after")
    def _shape_fields(self) -> GoldenQuestion:
        if self.shape in ("relate", "chain") and (self.hops is None or self.target is None):
            raise ValueError(f"{self.id}: a {self.shape} question needs hops and target")
        if self.shape == "quantitative" and (self.quantity is None or self.expected.unit is None):
            raise ValueError(f"{self.id}: a quantitative question needs quantity and unit")
        return self
