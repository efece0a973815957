"""Graph reads: an entity with its neighbourhood, entity search by name, paths between two."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import AnalystDep, StoreDep
from api.schemas.graph import (
    ENTITY_ID_PATTERN,
    EntityMatchPublic,
    EntityPublic,
    EntityQuery,
    EntitySearchQuery,
    NodePublic,
    PathPublic,
    PathQuery,
    PathsPublic,
    SubgraphPublic,
)
from api.schemas.problem import STORE_ERRORS, problem_responses
from graph_schema import Label, RelType, Status
from kag.errors import NotFound
from kag.store import GraphStore, NodeView

router = APIRouter(tags=["graph"])

EntityIdPath = Annotated[
    str, Path(pattern=ENTITY_ID_PATTERN, description="an entity id, e.g. ent_0123...")
]


def _statuses(include_proposed: bool) -> tuple[Status, ...]:
    return (Status.APPROVED, Status.PROPOSED) if include_proposed else (Status.APPROVED,)


def _entity(store: GraphStore, entity_id: str) -> NodeView:
    found = store.get_nodes([entity_id])
    if not found or found[0].label is not Label.ENTITY:
        raise NotFound(
            f"no entity has id {entity_id!r}; find entities by name with GET /v1/entities?name=..."
        )
    return found[0]


@router.get(
    "/entities",
    summary="Find entities by name or alias",
    responses=problem_responses(*STORE_ERRORS, 422),
)
def search_entities(
    key: AnalystDep, store: StoreDep, query: Annotated[EntitySearchQuery, Query()]
) -> list[EntityMatchPublic]:
    """Exact (normalised) name or alias matches first, then fuzzy matches above ``min_score``."""
    matches = store.find_entities(
        query.name,
        limit=query.limit,
        min_score=query.min_score,
        types=[query.type] if query.type else None,
    )
    return [EntityMatchPublic.of(m) for m in matches]


@router.get(
    "/entities/{entity_id}",
    summary="An entity and its neighbourhood",
    responses=problem_responses(*STORE_ERRORS, 404, 422),
)
def get_entity(
    key: AnalystDep,
    store: StoreDep,
    entity_id: EntityIdPath,
    query: Annotated[EntityQuery, Query()],
) -> EntityPublic:
    """The entity and what lies within ``hops`` of it over the ontology's relations (approved
    facts; proposed ones too with ``include_proposed``)."""
    entity = _entity(store, entity_id)
    rel_types = list(store.schema.relation_types)
    if query.include_about:
        rel_types.append(RelType.ABOUT.value)
    sub = store.neighbourhood(
        [entity_id],
        hops=query.hops,
        rel_types=rel_types,
        statuses=_statuses(query.include_proposed),
        limit=query.limit,
    )
    return EntityPublic(entity=NodePublic.of(entity), neighbourhood=SubgraphPublic.of(sub))


@router.get(
    "/paths",
    summary="Paths between two entities",
    responses=problem_responses(*STORE_ERRORS, 404, 422),
)
def paths_between(
    key: AnalystDep, store: StoreDep, query: Annotated[PathQuery, Query()]
) -> PathsPublic:
    """Simple paths of 1..``max_hops`` over the ontology's relations, shortest first."""
    for entity_id in (query.source, query.target):
        _entity(store, entity_id)
    paths = store.paths_between(
        query.source,
        query.target,
        max_hops=query.max_hops,
        statuses=_statuses(query.include_proposed),
        limit=query.limit,
    )
    return PathsPublic(
        source_id=query.source,
        target_id=query.target,
        paths=[PathPublic.of(p) for p in paths],
    )
