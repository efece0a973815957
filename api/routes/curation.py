"""Curation for experts: the review queue, decisions, bulk decisions with a preview, undo, the
audit log and the pruning rules — the :mod:`kag.curation` Python API over HTTP.

Every decision is recorded in the graph with the key's name and role as the actor. Reading the
queue and the audit log, like deciding, needs the expert role (admins may too): the queue shows
unreviewed extractions, which analysts do not see.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import ExpertDep, SettingsDep, StoreDep
from api.schemas.curation import (
    ApproveBody,
    BulkApplyBody,
    EditBody,
    HistoryQuery,
    ItemDetail,
    MergeBody,
    PruneApplyBody,
    QueueQuery,
    RejectBody,
    SplitBody,
    UndoBody,
)
from api.schemas.problem import BODY_ERRORS, STORE_ERRORS, problem_responses
from kag.curation import Curator
from kag.curation.models import (
    Actor,
    BulkPreview,
    BulkRequest,
    BulkResult,
    DecisionPage,
    DecisionView,
    ReviewPage,
)
from kag.curation.pruning import Pruner, PruneReport
from kag.errors import InvalidInput
from kag.state import ApiKey, Role
from kag.store import GraphStore

router = APIRouter(prefix="/curation", tags=["curation"])

#: Decisions are read-check-write sequences over several nodes; one at a time per process keeps
#: two experts' simultaneous decisions on the same item from interleaving (the stores' optimistic
#: checks refuse what still conflicts).
_DECISIONS = threading.Lock()

ItemIdPath = Annotated[
    str,
    Path(
        min_length=3,
        max_length=100,
        pattern=r"^[a-z]+_[0-9a-zA-Z_]+$",
        description="a node id (kno_..., ent_...) or a computed item id (mc_..., ct_...)",
    ),
]
EntityIdPath = Annotated[
    str, Path(pattern=r"^ent_[0-9a-f]+$", description="an entity id, e.g. ent_0123...")
]
DecisionIdPath = Annotated[
    str,
    Path(
        pattern=r"^(dec|bat)_[0-9a-zA-Z_]+$",
        description="a decision id (dec_...) or a bulk batch id (bat_...)",
    ),
]
_DECIDE = problem_responses(*STORE_ERRORS, *BODY_ERRORS, 404, 409)


def _once(request: Request) -> None:
    """Refuse a scalar query parameter given more than once (only list filters repeat)."""
    lists = {"kinds", "layers", "types", "documents", "extractors", "statuses", "actions", "rules"}
    for name in dict.fromkeys(request.query_params.keys()):
        count = len(request.query_params.getlist(name))
        if count > 1 and name not in lists:
            raise InvalidInput(f"query parameter {name!r} was given {count} times; give it once")


_ONCE = [Depends(_once)]


def _actor(key: ApiKey) -> Actor:
    return Actor(name=key.name, role="admin" if key.role is Role.ADMIN else "expert")


def _curator(store: GraphStore, settings: SettingsDep) -> Curator:
    return Curator(store, settings.curation)


@router.get(
    "/queue",
    summary="The review queue",
    responses=problem_responses(*STORE_ERRORS, 422),
    dependencies=_ONCE,
)
def review_queue(
    key: ExpertDep, store: StoreDep, settings: SettingsDep, query: Annotated[QueueQuery, Query()]
) -> ReviewPage:
    """Items waiting for review (proposed facts and entities, merge candidates,
    contradictions), highest impact first, filtered and paged."""
    return _curator(store, settings).queue(query.filter(), query.page())


@router.get(
    "/items/{item_id}",
    summary="A review item and its evidence",
    responses=problem_responses(*STORE_ERRORS, 404, 422),
)
def review_item(
    key: ExpertDep, store: StoreDep, settings: SettingsDep, item_id: ItemIdPath
) -> ItemDetail:
    """The item, whatever its status, with the document spans it was read from."""
    curator = _curator(store, settings)
    return ItemDetail(item=curator.item(item_id), evidence=curator.evidence(item_id))


@router.post("/items/{item_id}/approve", summary="Approve an item", responses=_DECIDE)
def approve(
    key: ExpertDep, store: StoreDep, settings: SettingsDep, item_id: ItemIdPath, body: ApproveBody
) -> BulkResult:
    """Approve a fact or entity, merge a merge candidate, apply a contradiction's proposal."""
    with _DECISIONS:
        return _curator(store, settings).approve(item_id, _actor(key), body.reason)


@router.post("/items/{item_id}/reject", summary="Reject an item", responses=_DECIDE)
def reject(
    key: ExpertDep, store: StoreDep, settings: SettingsDep, item_id: ItemIdPath, body: RejectBody
) -> BulkResult:
    """Reject a fact or entity (never proposed again from any document), keep a merge
    candidate apart, dismiss a contradiction."""
    with _DECISIONS:
        return _curator(store, settings).reject(item_id, _actor(key), body.reason)


@router.post("/items/{item_id}/edit", summary="Correct an assertion", responses=_DECIDE)
def edit(
    key: ExpertDep, store: StoreDep, settings: SettingsDep, item_id: ItemIdPath, body: EditBody
) -> BulkResult:
    """The expert's version is approved and replaces the original (kept, superseded, for
    audit); re-ingestion keeps the expert's version."""
    with _DECISIONS:
        return _curator(store, settings).edit(item_id, body.edit, _actor(key), body.reason)


@router.post("/entities/{entity_id}/merge", summary="Merge two entities", responses=_DECIDE)
def merge(
    key: ExpertDep,
    store: StoreDep,
    settings: SettingsDep,
    entity_id: EntityIdPath,
    body: MergeBody,
) -> BulkResult:
    """Merge the entity into ``into``: aliases kept, facts and mentions moved, provenance kept;
    new documents naming either resolve to ``into``."""
    with _DECISIONS:
        return _curator(store, settings).merge(entity_id, body.into, _actor(key), body.reason)


@router.post("/entities/{entity_id}/split", summary="Split an entity", responses=_DECIDE)
def split(
    key: ExpertDep,
    store: StoreDep,
    settings: SettingsDep,
    entity_id: EntityIdPath,
    body: SplitBody,
) -> BulkResult:
    """Split names, and the facts read under them, off a wrongly merged entity."""
    with _DECISIONS:
        return _curator(store, settings).split(entity_id, body.split, _actor(key), body.reason)


@router.post(
    "/bulk/preview",
    summary="Preview a bulk decision",
    responses=problem_responses(*STORE_ERRORS, *BODY_ERRORS),
)
def preview_bulk(
    key: ExpertDep, store: StoreDep, settings: SettingsDep, body: BulkRequest
) -> BulkPreview:
    """Exactly what the decision would touch, and the token that applies it (nothing is
    written)."""
    return _curator(store, settings).preview_bulk(body)


@router.post("/bulk/apply", summary="Apply a previewed bulk decision", responses=_DECIDE)
def apply_bulk(
    key: ExpertDep, store: StoreDep, settings: SettingsDep, body: BulkApplyBody
) -> BulkResult:
    """Apply it in one transaction; 409 when the graph changed since the preview (preview
    again)."""
    with _DECISIONS:
        return _curator(store, settings).apply_bulk(body.request, _actor(key), body.token)


@router.post(
    "/decisions/{decision_id}/undo", summary="Undo a decision or a batch", responses=_DECIDE
)
def undo(
    key: ExpertDep,
    store: StoreDep,
    settings: SettingsDep,
    decision_id: DecisionIdPath,
    body: UndoBody,
) -> BulkResult:
    """Restore exactly what the decision (or every decision of the batch) changed; 409 when
    later changes touched the same things."""
    with _DECISIONS:
        return _curator(store, settings).undo(decision_id, _actor(key), body.reason)


@router.get(
    "/decisions",
    summary="The audit log",
    responses=problem_responses(*STORE_ERRORS, 422),
    dependencies=_ONCE,
)
def history(
    key: ExpertDep,
    store: StoreDep,
    settings: SettingsDep,
    query: Annotated[HistoryQuery, Query()],
) -> DecisionPage:
    """Decisions, newest first: who, role, when, before, after, reason."""
    return _curator(store, settings).history(query.filter(), query.page())


@router.get(
    "/decisions/{decision_id}",
    summary="One decision",
    responses=problem_responses(*STORE_ERRORS, 404, 422),
)
def decision(
    key: ExpertDep, store: StoreDep, settings: SettingsDep, decision_id: DecisionIdPath
) -> DecisionView:
    """A recorded decision by id."""
    return _curator(store, settings).decision(decision_id)


@router.get(
    "/prune",
    summary="Pruning dry run",
    responses=problem_responses(*STORE_ERRORS, 422),
    dependencies=_ONCE,
)
def prune_dry_run(
    key: ExpertDep,
    store: StoreDep,
    settings: SettingsDep,
    rules: Annotated[list[str] | None, Query(description="unset: the configured rules")] = None,
) -> PruneReport:
    """What each pruning rule proposes now; nothing is written."""
    return Pruner(store, settings.curation).dry_run(rules)


@router.post("/prune/apply", summary="Apply pruning proposals", responses=_DECIDE)
def prune_apply(
    key: ExpertDep, store: StoreDep, settings: SettingsDep, body: PruneApplyBody
) -> BulkResult:
    """Apply proposals (all, or those named) as decisions attributed to their rule, recorded
    and undoable like an expert's."""
    with _DECISIONS:
        return Pruner(store, settings.curation).apply(
            body.proposal_ids, rules=body.rules, reason=body.reason
        )
