"""Typed inputs and outputs of curation, shared by notebooks, the CLI and the REST API.

Every decision names its :class:`Actor` (who, with which role); items, decisions and batches
are addressed by id; lists come in pages.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph_schema import Label, Layer, Status

Role = Literal["expert", "analyst", "admin", "rule"]
ItemKind = Literal["assertion", "entity", "merge_candidate", "contradiction"]
Verdict = Literal["approve", "reject"]

#: Decision actions recorded in the graph.
APPROVE = "approve"
REJECT = "reject"
EDIT = "edit"
MERGE = "merge"
SPLIT = "split"
KEEP_APART = "keep_apart"
DISMISS = "dismiss"
UNDO = "undo"
#: Decision actions of feedback (kag.feedback): applying a feedback, an expert's verdict on a
#: review item it raised, and a proposed insight. Listed here so history and undo find them.
FEEDBACK = "feedback"
FEEDBACK_REVIEW = "feedback_review"
PROPOSE_INSIGHT = "propose_insight"
ACTIONS: tuple[str, ...] = (
    APPROVE,
    REJECT,
    EDIT,
    MERGE,
    SPLIT,
    KEEP_APART,
    DISMISS,
    UNDO,
    FEEDBACK,
    FEEDBACK_REVIEW,
    PROPOSE_INSIGHT,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Actor(_Frozen):
    """Who decides: a person (by name or e-mail) with a role, or a pruning rule."""

    name: str = Field(min_length=1, max_length=200)
    role: Role = "expert"

    @classmethod
    def rule(cls, rule: str) -> Actor:
        """The actor a pruning rule's applied proposals are attributed to."""
        return cls(name=f"rule:{rule}", role="rule")


class PageRequest(_Frozen):
    """Which slice of a list to return."""

    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=1000)


class QueueFilter(_Frozen):
    """Which review items to list. Unset fields do not filter.

    Attributes:
        kinds: item kinds.
        layers: layers of assertion items.
        types: relation predicates, observation metrics, ``statement``, entity types, or
            ``merge``/``contradiction`` for the computed items.
        documents: document ids or sources an item's evidence (or an entity's mentions) is in.
        extractors: extractor names (``nlp``, ``llm``, ``gold``...) of the evidence.
        min_confidence / max_confidence: confidence bounds (inclusive).
        statuses: statuses of assertion and entity items (default: proposed).
        entity_id: only items about this entity.
        text: only items whose title contains this text (case-insensitive).
    """

    kinds: tuple[ItemKind, ...] | None = None
    layers: tuple[Layer, ...] | None = None
    types: tuple[str, ...] | None = None
    documents: tuple[str, ...] | None = None
    extractors: tuple[str, ...] | None = None
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    max_confidence: float | None = Field(default=None, ge=0, le=1)
    statuses: tuple[Status, ...] = (Status.PROPOSED,)
    entity_id: str | None = None
    text: str | None = None


class Impact(_Frozen):
    """What an item's impact score is made of."""

    cited_by: int = Field(description="answers that cited it")
    reach: int = Field(description="live relationships of what it connects: paths through it")
    sources: int = Field(description="documents it was read in")
    evidence: int = Field(description="evidence spans")
    confidence: float


class ReviewItem(_Frozen):
    """One thing to review: an assertion, an entity, a merge candidate or a contradiction."""

    id: str = Field(description="the node id, or mc_... / ct_... for computed items")
    kind: ItemKind
    label: Label | None = None
    layer: Layer | None = None
    type: str = Field(description="predicate, metric, 'statement', entity type, or candidate")
    title: str
    status: Status | None = None
    confidence: float | None = None
    impact: float
    impact_detail: Impact
    documents: tuple[str, ...] = Field(default=(), description="document sources, sorted")
    extractors: tuple[str, ...] = ()
    entity_ids: tuple[str, ...] = ()
    members: tuple[str, ...] = Field(
        default=(), description="merge candidate: (merged away, kept); contradiction: the facts"
    )
    proposal: str | None = Field(default=None, description="what the rule suggests")
    reason: str | None = None


class ReviewPage(_Frozen):
    """A page of the review queue, ordered by impact (highest first), then id."""

    items: tuple[ReviewItem, ...]
    total: int
    offset: int
    limit: int


class AssertionEdit(_Frozen):
    """An expert's correction of an assertion. Unset fields keep their value.

    Relations take ``subject_id``/``predicate``/``object_id``; observations ``subject_id``,
    ``metric``, ``value``, ``unit``, ``period``; statements ``text`` and ``layer``.
    """

    subject_id: str | None = None
    predicate: str | None = None
    object_id: str | None = None
    metric: str | None = None
    value: float | None = None
    unit: str | None = None
    period: str | None = None
    layer: Layer | None = None
    text: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _something(self) -> AssertionEdit:
        if not self.model_dump(exclude_none=True):
            raise ValueError("an edit needs at least one field to change")
        return self


class SplitRequest(_Frozen):
    """Split names off an entity that wrongly stands for more than one thing.

    Attributes:
        names: the names (aliases of the entity) that belong to another entity.
        into: an existing entity to give them to; unset: a new entity named ``names[0]``.
        type: the new entity's type (default: the entity's own).
        assertion_ids: the facts to move; unset: those whose every evidence quote names one
            of ``names`` and none of the names the entity keeps.
    """

    names: tuple[str, ...] = Field(min_length=1)
    into: str | None = None
    type: str | None = None
    assertion_ids: tuple[str, ...] | None = None


class DecisionView(_Frozen):
    """A recorded decision."""

    id: str
    action: str
    target_id: str
    actor: str
    role: str
    created_at: str
    reason: str | None = None
    before: dict[str, Any] = Field(default_factory=dict)
    after: dict[str, Any] = Field(default_factory=dict)
    batch_id: str | None = None
    undone: bool = False
    undoes: str | None = None
    touched: int = Field(default=0, description="nodes and relationships it changed")


class DecisionPage(_Frozen):
    """A page of decisions, newest first."""

    items: tuple[DecisionView, ...]
    total: int
    offset: int
    limit: int


class HistoryFilter(_Frozen):
    """Which decisions to list."""

    target_id: str | None = None
    actor: str | None = None
    actions: tuple[str, ...] | None = None
    batch_id: str | None = None
    include_undone: bool = True


class BulkRequest(_Frozen):
    """A decision for every queue item a filter selects (at most ``limit`` of them).

    ``approve`` approves assertions and entities, merges merge candidates and applies
    contradictions' proposals; ``reject`` rejects assertions and entities, keeps merge
    candidates apart and dismisses contradictions.
    """

    filter: QueueFilter
    verdict: Verdict
    reason: str | None = None
    limit: int = Field(default=500, ge=1, le=10000)

    @model_validator(mode="after")
    def _reasoned(self) -> BulkRequest:
        if self.verdict == "reject" and not (self.reason and self.reason.strip()):
            raise ValueError("a bulk rejection needs a reason")
        return self


class BulkTarget(_Frozen):
    """One item a bulk decision touches, and what it will do to it."""

    item_id: str
    kind: ItemKind
    title: str
    action: str
    nodes: int = Field(description="nodes it changes")
    relationships: int = Field(description="relationships it changes")


class BulkPreview(_Frozen):
    """Exactly what a bulk decision will touch; apply it with its ``token``."""

    request: BulkRequest
    targets: tuple[BulkTarget, ...]
    skipped: tuple[str, ...] = Field(default=(), description="items it cannot decide, and why")
    nodes: int
    relationships: int
    token: str = Field(description="identifies this exact change; applying checks it")


class BulkResult(_Frozen):
    """What a bulk decision (or an applied pruning selection) did."""

    batch_id: str | None
    decisions: tuple[DecisionView, ...]
    skipped: tuple[str, ...] = ()
