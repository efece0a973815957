"""Analytics for curators: a networkx projection of the approved graph, from either backend.

The projection (:func:`approved_projection`) holds the approved layer nodes, the entities they
are about (and approved entities), the approved typed relations between entities, ``ABOUT``
links and the approved structural links between layer nodes. :func:`analyse` reports:

- **hubs**: the entities with the highest degree centrality on the entity graph (entities
  joined by a relation or named together in an approved fact), with their betweenness;
- **isolated** entities: approved entities no approved fact is about;
- **clusters**: connected components of the projection with their entities, and whether any
  Wisdom is attached (a Wisdom node in the component); and communities of the entity graph
  (greedy modularity).

Everything is read through ``GraphStore.export_subgraph`` and built in sorted order, so both
backends give the same report.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
from networkx.algorithms import community
from pydantic import BaseModel, ConfigDict

from graph_schema import LAYER_LABELS, Label, RelType, Status
from kag.store import GraphStore, Subgraph

_STRUCTURAL = (
    RelType.ABOUT,
    RelType.APPLIES_IN,
    RelType.IN_SITUATION,
    RelType.SUPPORTS,
    RelType.CONTRADICTS,
    RelType.DERIVED_FROM,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Hub(_Frozen):
    """A central entity."""

    id: str
    name: str
    degree: int
    degree_centrality: float
    betweenness: float


class Cluster(_Frozen):
    """A connected part of the approved graph."""

    entities: tuple[str, ...]
    entity_names: tuple[str, ...]
    nodes: int
    wisdom: int

    @property
    def has_wisdom(self) -> bool:
        """Whether any Wisdom is attached to the cluster."""
        return self.wisdom > 0


class GraphReport(_Frozen):
    """What :func:`analyse` found."""

    nodes: int
    relationships: int
    entities: int
    hubs: tuple[Hub, ...]
    isolated: tuple[str, ...]
    clusters: tuple[Cluster, ...]
    communities: tuple[tuple[str, ...], ...]

    @property
    def clusters_without_wisdom(self) -> tuple[Cluster, ...]:
        """Clusters of two or more entities with no Wisdom attached."""
        return tuple(c for c in self.clusters if not c.has_wisdom and len(c.entities) > 1)


def to_networkx(subgraph: Subgraph) -> nx.MultiDiGraph[str]:
    """A subgraph as a networkx ``MultiDiGraph`` (edge key = relationship id).

    Node attributes: ``label`` (str), ``name``, ``status``, ``props``; edge attributes:
    ``type``, ``status``, ``props``.
    """
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for node in subgraph.nodes:
        status = node.status.value if node.status is not None else None
        graph.add_node(
            node.id, label=node.label.value, name=node.name, status=status, props=node.props
        )
    for rel in subgraph.relationships:
        status = rel.status.value if rel.status is not None else None
        graph.add_edge(
            rel.source_id, rel.target_id, key=rel.id, type=rel.type, status=status, props=rel.props
        )
    return graph


def approved_projection(store: GraphStore) -> nx.MultiDiGraph[str]:
    """The approved graph as networkx (see the module docstring)."""
    types = [*store.schema.relation_types, *(t.value for t in _STRUCTURAL)]
    labels = [Label.ENTITY, *sorted(LAYER_LABELS)]
    sub = store.export_subgraph(
        labels,
        types,
        statuses=(Status.APPROVED,),
        entity_statuses=(Status.APPROVED, Status.PROPOSED),
    )
    graph = to_networkx(sub)
    # a proposed entity belongs to the approved graph only through an approved fact
    unused = [
        n
        for n, data in graph.nodes(data=True)
        if data["label"] == Label.ENTITY.value
        and data["status"] != Status.APPROVED.value
        and graph.degree(n) == 0
    ]
    graph.remove_nodes_from(unused)
    return graph


def entity_graph(graph: nx.MultiDiGraph[str]) -> nx.Graph[str]:
    """Entities joined when related, or named together in one approved fact (undirected)."""
    out: nx.Graph[str] = nx.Graph()
    entities = sorted(n for n, d in graph.nodes(data=True) if d["label"] == Label.ENTITY.value)
    out.add_nodes_from(entities)
    for source, target in sorted((s, t) for s, t in graph.edges()):
        if source in out and target in out:
            out.add_edge(source, target)
    for node in sorted(graph.nodes):
        if graph.nodes[node]["label"] == Label.ENTITY.value:
            continue
        about = sorted(t for _, t, d in graph.out_edges(node, data=True) if d["type"] == "ABOUT")
        for i, a in enumerate(about):
            for b in about[i + 1 :]:
                out.add_edge(a, b)
    return out


def _names(graph: nx.MultiDiGraph[str], ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(graph.nodes[i]["name"]) for i in ids)


def analyse(store: GraphStore, *, top: int = 10) -> GraphReport:
    """Hubs, isolated entities, clusters and communities of the approved graph."""
    graph = approved_projection(store)
    entities = entity_graph(graph)
    centrality = nx.degree_centrality(entities) if len(entities) > 1 else {}
    betweenness = nx.betweenness_centrality(entities) if len(entities) > 2 else {}
    ranked = sorted(entities.nodes, key=lambda n: (-entities.degree(n), n))[:top]
    hubs = tuple(
        Hub(
            id=n,
            name=str(graph.nodes[n]["name"]),
            degree=int(entities.degree(n)),
            degree_centrality=round(centrality.get(n, 0.0), 4),
            betweenness=round(betweenness.get(n, 0.0), 4),
        )
        for n in ranked
        if entities.degree(n) > 0
    )
    isolated = tuple(sorted(n for n in entities.nodes if graph.degree(n) == 0))
    clusters = []
    for component in nx.connected_components(graph.to_undirected(as_view=True)):
        members = sorted(component)
        ids = [n for n in members if graph.nodes[n]["label"] == Label.ENTITY.value]
        if not ids:
            continue
        wisdom = sum(1 for n in members if graph.nodes[n]["label"] == Label.WISDOM.value)
        clusters.append(
            Cluster(
                entities=tuple(ids),
                entity_names=_names(graph, ids),
                nodes=len(members),
                wisdom=wisdom,
            )
        )
    clusters.sort(key=lambda c: (-len(c.entities), c.entities))
    groups: list[tuple[str, ...]] = []
    if entities.number_of_edges():
        found = community.greedy_modularity_communities(entities)
        groups = sorted((tuple(sorted(c)) for c in found if len(c) > 1), key=lambda c: (-len(c), c))
    return GraphReport(
        nodes=graph.number_of_nodes(),
        relationships=graph.number_of_edges(),
        entities=entities.number_of_nodes(),
        hubs=hubs,
        isolated=isolated,
        clusters=tuple(clusters),
        communities=tuple(groups),
    )
