"""Exact graph changes for curation: what a decision created, changed and deleted, and how both
backends check and apply such a change atomically.

A :class:`GraphPatch` lists element states before and after. Applying it (``GraphStore.
apply_patch``) is all or nothing and optimistic: every element must still be as the patch's
``before`` says, for the properties the patch changes, or nothing is written and
:class:`~kag.errors.Conflict` names what changed. Its :meth:`~GraphPatch.inverse` is the exact
undo. The checks and the property arithmetic live here so both backends behave identically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kag.store.base import NodeView


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NodeChange(_Frozen):
    """One node's state before and after (``None``: absent, i.e. created or deleted)."""

    id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class RelChange(_Frozen):
    """One relationship's state before and after; its type and endpoints never change."""

    id: str
    type: str
    source_id: str
    target_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class GraphPatch(_Frozen):
    """Element states before and after a change.

    Semantics of applying it:

    - ``before is None``: the element must not exist; it is created with exactly ``after``.
    - ``after is None``: the element must exist with exactly ``before``; it is deleted (a node
      only when every relationship it has is deleted by the same patch).
    - both: the properties whose values differ between ``before`` and ``after`` must currently
      hold their ``before`` values; they are set to ``after`` (or removed). Other properties
      are neither checked nor touched, so unrelated later changes (new evidence raising a
      confidence) do not block an undo of a status change.
    """

    nodes: tuple[NodeChange, ...] = ()
    rels: tuple[RelChange, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether the patch changes nothing."""
        return not self.nodes and not self.rels

    def inverse(self) -> GraphPatch:
        """The patch that undoes this one."""
        return GraphPatch(
            nodes=tuple(
                NodeChange(id=n.id, before=n.after, after=n.before) for n in reversed(self.nodes)
            ),
            rels=tuple(
                r.model_copy(update={"before": r.after, "after": r.before})
                for r in reversed(self.rels)
            ),
        )

    def touched_ids(self) -> list[str]:
        """Ids of every node and relationship the patch changes."""
        return [n.id for n in self.nodes] + [r.id for r in self.rels]


class PatchSummary(_Frozen):
    """What :meth:`GraphStore.apply_patch` wrote."""

    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_deleted: int = 0
    rels_created: int = 0
    rels_updated: int = 0
    rels_deleted: int = 0
    decisions: int = 0


class AssertionSummary(_Frozen):
    """A layer node with what review needs to know about it."""

    node: NodeView
    evidence: int = Field(description="evidence spans")
    documents: tuple[str, ...] = Field(description="ids of the documents evidencing it, sorted")
    extractors: tuple[str, ...] = Field(description="extractors of its evidence, sorted")
    entity_ids: tuple[str, ...] = Field(description="entities it is ABOUT, sorted")
    cited_by: int = Field(description="answers citing it")
    links: int = Field(description="structural links to other layer nodes")


class EntitySummary(_Frozen):
    """An entity with its connections (live = proposed or approved)."""

    node: NodeView
    relations: int = Field(description="live typed relations touching it")
    neighbours: tuple[str, ...] = Field(description="entities joined to it by live relations")
    assertions: int = Field(description="live layer nodes ABOUT it")
    mentions: int = Field(description="chunks mentioning it")
    documents: tuple[str, ...] = Field(description="ids of the documents mentioning it, sorted")
    cited_by: int = Field(description="answers citing it")


# -- shared checking and arithmetic ----------------------------------------------------------------
def changed_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Keys whose values differ between two property maps (absent counts as a value)."""
    missing = object()
    return sorted(
        k for k in set(before) | set(after) if before.get(k, missing) != after.get(k, missing)
    )


def updated_props(
    current: Mapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, Any]:
    """``current`` with the keys changed between ``before`` and ``after`` set as in ``after``."""
    out = dict(current)
    for key in changed_keys(before, after):
        if key in after:
            out[key] = after[key]
        else:
            out.pop(key, None)
    return out


_MISSING = object()


def _state_problems(
    kind: str,
    element_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    current: Mapping[str, Any] | None,
) -> list[str]:
    """Why one element's current state does not match what a change expects of it."""
    if before is None:
        return [] if current is None else [f"{kind} {element_id} exists already"]
    if current is None:
        return [f"{kind} {element_id} no longer exists"]
    if after is None:
        return [] if dict(current) == dict(before) else [f"{kind} {element_id} has changed since"]
    return [
        f"{kind} {element_id} property {key!r} has changed since"
        for key in changed_keys(before, after)
        if current.get(key, _MISSING) != before.get(key, _MISSING)
    ]


def find_conflicts(
    patch: GraphPatch,
    nodes: Mapping[str, Mapping[str, Any]],
    rels: Mapping[str, Mapping[str, Any]],
    node_rels: Mapping[str, Iterable[str]],
) -> list[str]:
    """Why ``patch`` cannot be applied to the current state (empty when it can).

    Args:
        patch: the patch.
        nodes: current properties of the existing nodes among the patch's nodes and the
            endpoints of the relationships it creates.
        rels: current properties of the patch's relationships that exist (between the
            endpoints the patch names).
        node_rels: for each node the patch deletes, the ids of its current relationships.
    """
    problems: list[str] = []
    deleted_rels = {r.id for r in patch.rels if r.after is None}
    created_nodes = {n.id for n in patch.nodes if n.before is None}
    for n in patch.nodes:
        problems += _state_problems("node", n.id, n.before, n.after, nodes.get(n.id))
        extra = sorted(set(node_rels.get(n.id, ())) - deleted_rels) if n.after is None else []
        if extra:
            problems.append(f"node {n.id} has relationships {', '.join(extra[:5])} since")
    for r in patch.rels:
        problems += _state_problems("relationship", r.id, r.before, r.after, rels.get(r.id))
        if r.before is None:
            problems += [
                f"relationship {r.id} needs node {end}, which does not exist"
                for end in (r.source_id, r.target_id)
                if end not in nodes and end not in created_nodes
            ]
    return problems


def conflict_message(problems: list[str]) -> str:
    """One message for :class:`~kag.errors.Conflict`, naming the first problems."""
    shown = "; ".join(problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return (
        f"nothing was changed: the graph is not as the change expects: {shown}{more}. "
        "It changed since it was read (another decision, or ingestion); read it again and "
        "decide anew, or undo the later decisions first"
    )
