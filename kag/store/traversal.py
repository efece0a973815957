"""Traversal rules shared by the backends, so both return the same neighbourhoods.

A backend provides one primitive, ``expand(frontier)``: every relationship touching a frontier
node (either direction) that passes the filters, with the node at its other end. The breadth-first
walk, the truncation at ``limit`` nodes and the ordering live here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kag.store.base import GraphPath, NodeView, RelView, Subgraph

Expand = Callable[[Sequence[str]], list[tuple[RelView, NodeView]]]


def breadth_first(seeds: Sequence[NodeView], hops: int, expand: Expand, limit: int) -> Subgraph:
    """Nodes within ``hops`` of ``seeds``; at most ``limit`` nodes, closest first, then by id.

    Relationships are those found during the walk whose both ends were kept.
    """
    nodes: dict[str, NodeView] = {n.id: n for n in sorted(seeds, key=lambda n: n.id)[:limit]}
    rels: dict[str, RelView] = {}
    frontier = sorted(nodes)
    truncated = len(seeds) > limit
    for _ in range(hops):
        if not frontier:
            break
        found = expand(frontier)
        fresh: dict[str, NodeView] = {}
        for rel, other in found:
            rels[rel.id] = rel
            if other.id not in nodes:
                fresh[other.id] = other
        new_ids = sorted(fresh)
        room = limit - len(nodes)
        if len(new_ids) > room:
            new_ids = new_ids[: max(room, 0)]
            truncated = True
        for node_id in new_ids:
            nodes[node_id] = fresh[node_id]
        frontier = new_ids
    kept = [r for r in rels.values() if r.source_id in nodes and r.target_id in nodes]
    return Subgraph(
        nodes=tuple(nodes[k] for k in sorted(nodes)),
        relationships=tuple(sorted(kept, key=lambda r: r.id)),
        truncated=truncated,
    )


def path_sort_key(path: GraphPath) -> tuple[int, tuple[str, ...]]:
    """Shortest first, then by the ids of the relationships along the path."""
    return (path.length, tuple(r.id for r in path.relationships))
