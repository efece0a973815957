"""The audit trail: decisions as recorded in the graph, and undoing them.

An undo applies the inverse of the exact changes a decision recorded. It first checks that
everything the decision changed is still as the decision left it; when a later decision or
ingestion changed it since, the undo is refused (nothing is written) and the message says what
changed: undo the later decisions first, or decide anew. The undone decision keeps its record
(``undone`` set) and an ``undo`` decision records who undid it, when and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kag.curation.changes import ChangeSet
from kag.curation.decider import Decider, Outcome, StepSpec, decision_patch, decision_view, new_id
from kag.curation.models import (
    ACTIONS,
    UNDO,
    Actor,
    BulkResult,
    DecisionPage,
    DecisionView,
    HistoryFilter,
    PageRequest,
)
from kag.errors import Conflict, InvalidInput, NotFound
from kag.store import GraphStore, NodeView
from kag.store.patch import GraphPatch, changed_keys, updated_props

_MISSING = object()


def decision(store: GraphStore, decision_id: str) -> DecisionView:
    """One decision by id."""
    nodes = [n for n in store.get_nodes([decision_id]) if n.label.value == "Decision"]
    if not nodes:
        raise NotFound(f"no decision {decision_id!r}; decision ids start with 'dec_'")
    return decision_view(nodes[0].props)


def history(store: GraphStore, wanted: HistoryFilter, page: PageRequest) -> DecisionPage:
    """Decisions matching the filter, newest first."""
    views = [decision_view(n.props) for n in store.list_decisions(ACTIONS)]
    selected = [
        v
        for v in views
        if (wanted.target_id is None or v.target_id == wanted.target_id)
        and (wanted.actor is None or v.actor == wanted.actor)
        and (wanted.actions is None or v.action in wanted.actions)
        and (wanted.batch_id is None or v.batch_id == wanted.batch_id)
        and (wanted.include_undone or not v.undone)
    ]
    selected.sort(key=lambda v: (v.created_at, v.id), reverse=True)
    return DecisionPage(
        items=tuple(selected[page.offset : page.offset + page.limit]),
        total=len(selected),
        offset=page.offset,
        limit=page.limit,
    )


def _to_undo(store: GraphStore, key: str) -> list[NodeView]:
    if key.startswith("bat_"):
        found = [n for n in store.list_decisions(ACTIONS) if n.props.get("batch_id") == key]
        if not found:
            raise NotFound(f"no decisions in batch {key!r}")
    else:
        found = [n for n in store.get_nodes([key]) if n.label.value == "Decision"]
        if not found:
            raise NotFound(f"no decision {key!r}; decision ids start with 'dec_'")
    for node in found:
        if node.props.get("action") == UNDO:
            raise InvalidInput(f"{node.id} is itself an undo; to redo, decide again")
        if node.props.get("undone"):
            raise Conflict(f"decision {node.id} was undone already")
        if decision_patch(node.props) is None:
            raise InvalidInput(
                f"decision {node.id} was recorded without its changes, so it cannot be undone "
                "exactly; decide again instead"
            )
    found.sort(key=lambda n: (str(n.props.get("created_at", "")), n.id), reverse=True)
    return found


def _expect(
    problems: list[str],
    what: str,
    current: Mapping[str, Any] | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    """Note a problem when ``current`` is not the state the decision left (``after``)."""
    if after is None or before is None:
        if (current is None) != (after is None) or (
            after is not None and current is not None and dict(current) != dict(after)
        ):
            problems.append(f"{what} changed since")
        return
    if current is None:
        problems.append(f"{what} no longer exists")
        return
    for key in changed_keys(before, after):
        if current.get(key, _MISSING) != after.get(key, _MISSING):
            problems.append(f"{what}: {key!r} changed since")


def _revert(cs: ChangeSet, delta: GraphPatch) -> list[str]:
    """Apply the inverse of ``delta`` to the working graph; the problems found instead."""
    problems: list[str] = []
    for n in delta.nodes:
        current = cs.node(n.id)
        _expect(problems, f"node {n.id}", current, n.before, n.after)
        if problems:
            continue
        if n.before is None:
            cs.delete_node(n.id)
        elif n.after is None or current is None:
            cs.put_node(n.id, n.before)
        else:
            cs.put_node(n.id, updated_props(current, n.after, n.before))
    cs.load_rels({e for r in delta.rels for e in (r.source_id, r.target_id)})
    for r in delta.rels:
        state = cs.rel(r.id)
        current_props = state.props if state is not None else None
        _expect(problems, f"relationship {r.id}", current_props, r.before, r.after)
        if problems:
            continue
        if r.before is None:
            cs.delete_rel(r.id)
        elif r.after is None or current_props is None:
            cs.put_rel(r.id, r.type, r.source_id, r.target_id, r.before)
        else:
            props = updated_props(current_props, r.after, r.before)
            cs.put_rel(r.id, r.type, r.source_id, r.target_id, props)
    return problems


def undo(
    store: GraphStore, decider: Decider, key: str, actor: Actor, reason: str | None
) -> BulkResult:
    """Undo a decision or a batch (newest decision first), in one transaction."""
    targets = _to_undo(store, key)
    specs: list[StepSpec] = []
    for node in targets:
        props = dict(node.props)
        delta = decision_patch(props)
        assert delta is not None  # checked by _to_undo

        def step(
            cs: ChangeSet, props: dict[str, Any] = props, delta: GraphPatch = delta
        ) -> Outcome:
            problems = _revert(cs, delta)
            if problems:
                raise Conflict(
                    f"cannot undo {props['id']} ({props.get('action')} of "
                    f"{props.get('target_id')}): {'; '.join(problems[:5])}. Later decisions or "
                    "ingestion changed it: undo those first, or decide anew"
                )
            cs.update_node(str(props["id"]), undone=True)
            view = decision_view(props)
            return Outcome(view.target_id, UNDO, view.after, view.before)

        specs.append(StepSpec(step, actor, label=node.id, reason=reason, undoes=node.id))
    batch = new_id("batch")
    planned = decider.plan(specs, batch_id=batch)
    return BulkResult(batch_id=batch, decisions=tuple(decider.commit(planned)))
