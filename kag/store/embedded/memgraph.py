"""The embedded backend's in-memory read model: plain-dict adjacency, built for speed.

networkx's ``MultiDiGraph`` costs 5-10 microseconds per edge through its views, which alone kept
bulk writes under the 50k elements/s target; this structure does the same work in about one.
:meth:`MemGraph.to_networkx` gives a networkx projection for graph algorithms (centrality,
communities, components) where networkx is the right tool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import networkx as nx

from graph_schema import Label


class Rel:
    """One stored relationship."""

    __slots__ = ("id", "props", "source", "target", "type")

    def __init__(self, rid: str, rtype: str, source: str, target: str, props: dict[str, Any]):
        self.id = rid
        self.type = rtype
        self.source = source
        self.target = target
        self.props = props


class MemGraph:
    """Nodes with a label and properties; relationships indexed by id and by both endpoints."""

    def __init__(self) -> None:
        self.labels: dict[str, Label] = {}
        self.props: dict[str, dict[str, Any]] = {}
        self.rels: dict[str, Rel] = {}
        self._out: dict[str, dict[str, Rel]] = {}
        self._in: dict[str, dict[str, Rel]] = {}
        self.by_fingerprint: dict[str, set[str]] = {}

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.labels

    def __len__(self) -> int:
        return len(self.labels)

    def set_node(self, node_id: str, label: Label, props: dict[str, Any]) -> None:
        """Create or replace a node."""
        old = self.props.get(node_id)
        if old is not None and "fingerprint" in old:
            self.by_fingerprint.get(old["fingerprint"], set()).discard(node_id)
        self.labels[node_id] = label
        self.props[node_id] = props
        if "fingerprint" in props:
            self.by_fingerprint.setdefault(props["fingerprint"], set()).add(node_id)

    def set_rel(self, rel: Rel) -> None:
        """Create or replace a relationship (moving it if its endpoints changed)."""
        old = self.rels.get(rel.id)
        if old is not None:
            self._out[old.source].pop(old.id, None)
            self._in[old.target].pop(old.id, None)
        self.rels[rel.id] = rel
        self._out.setdefault(rel.source, {})[rel.id] = rel
        self._in.setdefault(rel.target, {})[rel.id] = rel

    def out_rels(self, node_id: str) -> Iterator[Rel]:
        """Relationships leaving a node."""
        return iter(self._out.get(node_id, {}).values())

    def in_rels(self, node_id: str) -> Iterator[Rel]:
        """Relationships arriving at a node."""
        return iter(self._in.get(node_id, {}).values())

    def rels_of(self, node_id: str) -> Iterator[Rel]:
        """Relationships touching a node, outgoing first."""
        yield from self._out.get(node_id, {}).values()
        yield from self._in.get(node_id, {}).values()

    def nodes_with(self, label: Label) -> Iterator[str]:
        """Ids of the nodes with a label."""
        return (node_id for node_id, lab in self.labels.items() if lab is label)

    def to_networkx(
        self,
        node_filter: Callable[[str, Label, dict[str, Any]], bool] | None = None,
        rel_filter: Callable[[Rel], bool] | None = None,
    ) -> nx.MultiDiGraph[str]:
        """A networkx projection (node attrs ``label``/``props``, edge key = relationship id)."""
        graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        for node_id, label in self.labels.items():
            props = self.props[node_id]
            if node_filter is None or node_filter(node_id, label, props):
                graph.add_node(node_id, label=label, props=props)
        for r in self.rels.values():
            if r.source in graph and r.target in graph and (rel_filter is None or rel_filter(r)):
                graph.add_edge(r.source, r.target, key=r.id, type=r.type, props=r.props)
        return graph

    # -- removal (issue 4: retiring document versions) -----------------------------------------
    def remove_rel(self, rid: str) -> None:
        """Delete a relationship (no-op when absent)."""
        rel = self.rels.pop(rid, None)
        if rel is not None:
            self._out[rel.source].pop(rid, None)
            self._in[rel.target].pop(rid, None)

    def remove_node(self, node_id: str) -> None:
        """Delete a node and every relationship touching it."""
        for rel in [*self.rels_of(node_id)]:
            self.remove_rel(rel.id)
        props = self.props.pop(node_id, None)
        if props is not None and "fingerprint" in props:
            self.by_fingerprint.get(props["fingerprint"], set()).discard(node_id)
        self.labels.pop(node_id, None)
        self._out.pop(node_id, None)
        self._in.pop(node_id, None)
