"""Bulk decisions by filter: a preview of exactly what they touch, then the same change.

The preview plans every decision (nothing is written) and returns each item with the nodes and
relationships its decision changes, the items it cannot decide (and why), and a token: a hash
of the complete change. Applying plans again and refuses with :class:`~kag.errors.Conflict`
when the token differs (the graph changed since the preview), so what is applied is exactly
what was previewed. Everything is written in one transaction.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from kag.curation.decider import Planned, StepSpec, new_id
from kag.curation.models import (
    Actor,
    BulkPreview,
    BulkRequest,
    BulkResult,
    BulkTarget,
    ReviewItem,
)
from kag.curation.queue import QueueBuilder
from kag.errors import Conflict, KagError

if TYPE_CHECKING:
    from kag.curation.curator import Curator

_PREVIEWER = Actor(name="preview", role="expert")


def _plan(
    curator: Curator, request: BulkRequest, actor: Actor, batch_id: str | None
) -> tuple[list[ReviewItem], Planned, list[str]]:
    builder = QueueBuilder(curator.store, curator.context(), request.filter.statuses)
    items = builder.items(request.filter)[: request.limit]
    specs: list[StepSpec] = []
    skipped: list[str] = []
    for item in items:
        try:
            steps = curator.steps(item.id, request.verdict)
        except KagError as exc:
            skipped.append(f"{item.id}: {exc.message}")
            continue
        specs += [StepSpec(s, actor, label=item.id, reason=request.reason) for s in steps]
    planned = curator._decider.plan(specs, batch_id=batch_id, tolerant=True)
    return items, planned, skipped + planned.skipped


def _token(request: BulkRequest, planned: Planned) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(request.verdict.encode())
    digest.update(planned.patch.model_dump_json().encode())
    for record in planned.records:
        digest.update(f"{record.action}\x1f{record.target_id}".encode())
    return digest.hexdigest()


def preview(curator: Curator, request: BulkRequest) -> BulkPreview:
    """Plan the bulk decision and describe it (nothing is written)."""
    items, planned, skipped = _plan(curator, request, _PREVIEWER, None)
    by_item: dict[str, list[int]] = {}
    for index, label in enumerate(planned.labels):
        by_item.setdefault(label, []).append(index)
    targets = []
    for item in items:
        indexes = by_item.get(item.id)
        if not indexes:
            continue
        deltas = [planned.deltas[i] for i in indexes]
        targets.append(
            BulkTarget(
                item_id=item.id,
                kind=item.kind,
                title=item.title,
                action="+".join(dict.fromkeys(planned.records[i].action for i in indexes)),
                nodes=sum(len(d.nodes) for d in deltas),
                relationships=sum(len(d.rels) for d in deltas),
            )
        )
    patch = planned.patch
    return BulkPreview(
        request=request,
        targets=tuple(targets),
        skipped=tuple(skipped),
        nodes=len(patch.nodes),
        relationships=len(patch.rels),
        token=_token(request, planned),
    )


def apply(curator: Curator, request: BulkRequest, actor: Actor, token: str) -> BulkResult:
    """Apply a previewed bulk decision (refused when it would no longer be the same)."""
    batch = new_id("batch")
    _, planned, skipped = _plan(curator, request, actor, batch)
    if _token(request, planned) != token:
        raise Conflict(
            "nothing was changed: the graph changed since the preview, so this bulk decision "
            "would now touch something else; preview it again"
        )
    if not planned.records:
        return BulkResult(batch_id=None, decisions=(), skipped=tuple(skipped))
    decisions = curator._decider.commit(planned)
    return BulkResult(batch_id=batch, decisions=tuple(decisions), skipped=tuple(skipped))
