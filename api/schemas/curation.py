"""Request models of the curation routes (responses are :mod:`kag.curation.models` as they are).

The queue and the audit log take their filters as query parameters (repeat a parameter for
several values: ``?kinds=assertion&kinds=entity``); decisions take JSON bodies.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from graph_schema import Layer, Status
from kag.curation.models import (
    AssertionEdit,
    BulkRequest,
    HistoryFilter,
    ItemKind,
    PageRequest,
    QueueFilter,
    ReviewItem,
    SplitRequest,
)
from kag.store import EvidenceSpan

_REASON = Field(default=None, max_length=2000, description="why (recorded in the audit log)")


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class QueueQuery(_Body):
    """Filters and paging of the review queue (unset filters do not filter)."""

    kinds: list[ItemKind] | None = None
    layers: list[Layer] | None = None
    types: list[str] | None = None
    documents: list[str] | None = Field(default=None, description="document ids or sources")
    extractors: list[str] | None = None
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    max_confidence: float | None = Field(default=None, ge=0, le=1)
    statuses: list[Status] = Field(default=[Status.PROPOSED])
    entity_id: str | None = Field(default=None, max_length=100)
    text: str | None = Field(default=None, max_length=200)
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=1000)

    def filter(self) -> QueueFilter:
        """The queue filter these parameters describe."""

        def tupled(
            values: list[str] | list[Layer] | list[ItemKind] | None,
        ) -> tuple[str, ...] | None:
            return tuple(values) if values is not None else None

        return QueueFilter.model_validate(
            {
                "kinds": tupled(self.kinds),
                "layers": tupled(self.layers),
                "types": tupled(self.types),
                "documents": tupled(self.documents),
                "extractors": tupled(self.extractors),
                "min_confidence": self.min_confidence,
                "max_confidence": self.max_confidence,
                "statuses": tuple(self.statuses),
                "entity_id": self.entity_id,
                "text": self.text,
            }
        )

    def page(self) -> PageRequest:
        """The page these parameters ask for."""
        return PageRequest(offset=self.offset, limit=self.limit)


class HistoryQuery(_Body):
    """Filters and paging of the audit log (newest first)."""

    target_id: str | None = Field(default=None, max_length=100)
    actor: str | None = Field(default=None, max_length=200)
    actions: list[str] | None = None
    batch_id: str | None = Field(default=None, max_length=100)
    include_undone: bool = True
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=1000)

    def filter(self) -> HistoryFilter:
        """The history filter these parameters describe."""
        return HistoryFilter(
            target_id=self.target_id,
            actor=self.actor,
            actions=tuple(self.actions) if self.actions is not None else None,
            batch_id=self.batch_id,
            include_undone=self.include_undone,
        )

    def page(self) -> PageRequest:
        """The page these parameters ask for."""
        return PageRequest(offset=self.offset, limit=self.limit)


class ApproveBody(_Body):
    """Approve an item."""

    reason: str | None = _REASON


class RejectBody(_Body):
    """Reject an item: a reason is required (it keeps the fact from being proposed again)."""

    reason: str = Field(min_length=1, max_length=2000)


class EditBody(_Body):
    """Correct an assertion; the original stays, superseded, for audit."""

    edit: AssertionEdit
    reason: str | None = _REASON


class MergeBody(_Body):
    """Merge the entity in the path into ``into``."""

    into: str = Field(min_length=1, max_length=100, description="the entity id that stays")
    reason: str | None = _REASON


class SplitBody(_Body):
    """Split names (and the facts read under them) off the entity in the path."""

    split: SplitRequest
    reason: str | None = _REASON


class UndoBody(_Body):
    """Undo a decision (or a bulk batch, through any of its decisions)."""

    reason: str | None = _REASON


class BulkApplyBody(_Body):
    """Apply a previewed bulk decision: the same request and the preview's token."""

    request: BulkRequest
    token: str = Field(min_length=1, max_length=200)


class PruneApplyBody(_Body):
    """Apply pruning proposals (from a dry run) as decisions attributed to their rules."""

    proposal_ids: list[str] | None = Field(
        default=None, description="the proposals to apply; unset: every current proposal"
    )
    rules: list[str] | None = Field(default=None, description="unset: the configured rules")
    reason: str | None = _REASON


class ItemDetail(_Body):
    """A review item with the evidence spans it rests on."""

    item: ReviewItem
    evidence: list[EvidenceSpan]
