"""Graph read bodies: nodes, relationships, neighbourhoods, paths, entity matches."""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field

from kag.store import EntityMatch, GraphPath, NodeView, RelView, Subgraph

#: An entity id as the engine mints it.
ENTITY_ID_PATTERN: Final = r"^ent_[0-9a-f]{20}$"
EntityId = Annotated[str, Field(pattern=ENTITY_ID_PATTERN, examples=["ent_0123456789abcdef0123"])]

#: Lookup keys the store keeps for search; they repeat the name and aliases.
_INTERNAL_KEYS: Final = frozenset({"name_norm", "aliases_norm", "search_text"})


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NodePublic(_Public):
    """A node: id, label, display name, review status, confidence and its properties."""

    id: str
    label: str
    name: str
    status: str | None
    confidence: float | None
    properties: dict[str, Any]

    @classmethod
    def of(cls, node: NodeView) -> NodePublic:
        """The public view of a stored node."""
        return cls(
            id=node.id,
            label=node.label.value,
            name=node.name,
            status=node.status.value if node.status else None,
            confidence=node.confidence,
            properties={k: v for k, v in node.props.items() if k not in _INTERNAL_KEYS},
        )


class RelationshipPublic(_Public):
    """A relationship with its direction (source -> target)."""

    id: str
    type: str
    source_id: str
    target_id: str
    status: str | None
    confidence: float | None
    properties: dict[str, Any]

    @classmethod
    def of(cls, rel: RelView) -> RelationshipPublic:
        """The public view of a stored relationship."""
        return cls(
            id=rel.id,
            type=rel.type,
            source_id=rel.source_id,
            target_id=rel.target_id,
            status=rel.status.value if rel.status else None,
            confidence=rel.confidence,
            properties=dict(rel.props),
        )


class SubgraphPublic(_Public):
    """Nodes and relationships sorted by id; ``truncated`` when the limit cut it."""

    nodes: list[NodePublic]
    relationships: list[RelationshipPublic]
    truncated: bool

    @classmethod
    def of(cls, sub: Subgraph) -> SubgraphPublic:
        """The public view of a neighbourhood."""
        return cls(
            nodes=[NodePublic.of(n) for n in sub.nodes],
            relationships=[RelationshipPublic.of(r) for r in sub.relationships],
            truncated=sub.truncated,
        )


class EntityPublic(_Public):
    """An entity with its neighbourhood."""

    entity: NodePublic
    neighbourhood: SubgraphPublic


class EntityMatchPublic(_Public):
    """An entity found by name: the matched name or alias and a 0-100 score."""

    entity: NodePublic
    matched: str
    score: float
    exact: bool

    @classmethod
    def of(cls, match: EntityMatch) -> EntityMatchPublic:
        """The public view of a match."""
        return cls(
            entity=NodePublic.of(match.entity),
            matched=match.matched,
            score=match.score,
            exact=match.exact,
        )


class PathPublic(_Public):
    """An ordered path: ``nodes[i]`` and ``nodes[i+1]`` are joined by ``relationships[i]``."""

    length: int
    nodes: list[NodePublic]
    relationships: list[RelationshipPublic]

    @classmethod
    def of(cls, path: GraphPath) -> PathPublic:
        """The public view of a path."""
        return cls(
            length=path.length,
            nodes=[NodePublic.of(n) for n in path.nodes],
            relationships=[RelationshipPublic.of(r) for r in path.relationships],
        )


class PathsPublic(_Public):
    """Paths between two entities, shortest first."""

    source_id: str
    target_id: str
    paths: list[PathPublic]


class EntityQuery(_Public):
    """Options of ``GET /v1/entities/{entity_id}``."""

    hops: int = Field(default=1, ge=1, le=3, description="neighbourhood radius")
    limit: int = Field(default=100, ge=1, le=500, description="at most this many nodes")
    include_proposed: bool = Field(
        default=False, description="also traverse unreviewed (proposed) facts"
    )
    include_about: bool = Field(
        default=False,
        description="also the layer nodes about the entity (facts, figures, lessons, episodes)",
    )


class EntitySearchQuery(_Public):
    """Options of ``GET /v1/entities``: find entities by name or alias."""

    name: str = Field(min_length=1, max_length=200)
    limit: int = Field(default=10, ge=1, le=50)
    min_score: float = Field(default=80.0, ge=0, le=100)
    type: str | None = Field(default=None, max_length=80, description="only this entity type")


class PathQuery(_Public):
    """Options of ``GET /v1/paths``: simple paths between two entities."""

    source: EntityId
    target: EntityId
    max_hops: int = Field(default=3, ge=1, le=4)
    limit: int = Field(default=10, ge=1, le=50)
    include_proposed: bool = False
