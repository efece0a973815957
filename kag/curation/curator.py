"""``Curator``: the Python API of expert curation (notebooks use it; the REST API wraps it).

Every decision method takes the :class:`~kag.curation.models.Actor` deciding, is written in one
transaction with the ``Decision`` node(s) recording it (who, role, when, before, after, reason,
and the exact changes), and returns a :class:`~kag.curation.models.BulkResult` (one expert
action = one batch, undoable with :meth:`Curator.undo`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx

from graph_schema import LAYER_LABELS, Label, RelType, Status
from kag.curation import audit, bulk, merging, operations
from kag.curation.changes import ChangeSet, node_label
from kag.curation.contradictions import contradictions
from kag.curation.decider import Decider, Outcome, Step, StepSpec, new_id
from kag.curation.facts import LIVE, restate
from kag.curation.models import (
    APPROVE,
    DISMISS,
    EDIT,
    KEEP_APART,
    MERGE,
    REJECT,
    SPLIT,
    Actor,
    AssertionEdit,
    BulkPreview,
    BulkRequest,
    BulkResult,
    DecisionPage,
    DecisionView,
    HistoryFilter,
    PageRequest,
    QueueFilter,
    ReviewItem,
    ReviewPage,
    SplitRequest,
)
from kag.curation.queue import QueueBuilder
from kag.curation.rules import Proposal, RuleContext, near_duplicates
from kag.errors import Conflict, InvalidInput, NotFound
from kag.settings import CurationSettings
from kag.store import EvidenceSpan, GraphStore, Subgraph

_REVIEW_RELS = (RelType.ABOUT.value, *sorted(operations.LINK_TYPES))


def _check_reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        raise InvalidInput("a rejection needs a reason: say what is wrong with it")
    return reason.strip()


def _node_step(action: str, node_id: str, props: dict[str, Any], status: Status) -> Step:
    def step(cs: ChangeSet) -> Outcome:
        taken = operations.reject(cs, node_id) if status is Status.REJECTED else []
        if status is Status.APPROVED:
            operations.approve(cs, node_id)
        after: dict[str, Any] = {"status": status.value}
        if taken:
            after["rejected_with_it"] = taken
        return Outcome(node_id, action, {"status": props.get("status")}, after)

    return step


class Curator:
    """Review queue, decisions, undo and history on a graph store.

    Args:
        store: the graph store (either backend).
        settings: pruning-rule settings (``KAG_CURATION__*``); defaults when ``None``.
    """

    def __init__(self, store: GraphStore, settings: CurationSettings | None = None) -> None:
        self.store = store
        self.settings = settings or CurationSettings()
        self._decider = Decider(store)

    # -- the queue ---------------------------------------------------------------------------
    def context(self) -> RuleContext:
        """One read of the live graph and the standing decisions."""
        return RuleContext.read(self.store, self.settings)

    def queue(
        self, filter: QueueFilter | None = None, page: PageRequest | None = None
    ) -> ReviewPage:
        """Items waiting for review, by impact (see :mod:`kag.curation.queue`)."""
        wanted, page = filter or QueueFilter(), page or PageRequest()
        items = QueueBuilder(self.store, self.context(), wanted.statuses).items(wanted)
        return ReviewPage(
            items=tuple(items[page.offset : page.offset + page.limit]),
            total=len(items),
            offset=page.offset,
            limit=page.limit,
        )

    def item(self, item_id: str) -> ReviewItem:
        """One item by id, whatever its status.

        Raises:
            NotFound: no such node, or no such merge candidate or contradiction any more.
        """
        builder = QueueBuilder(self.store, self.context(), list(Status))
        if item_id.startswith(("mc_", "ct_")):
            return builder.candidate_item(self._proposal(item_id))
        label = node_label(item_id)
        summaries: Sequence[Any]
        if label is Label.ENTITY:
            summaries = self.store.entity_summaries(list(Status))
            found = [builder.entity_item(e) for e in summaries if e.node.id == item_id]
        elif label in LAYER_LABELS and label is not None:
            summaries = self.store.assertion_summaries(list(Status), [label])
            found = [builder.assertion_item(s) for s in summaries if s.node.id == item_id]
        else:
            found = []
        if not found:
            raise NotFound(f"no review item {item_id!r}; list the queue for item ids")
        return found[0]

    def _proposal(self, item_id: str) -> Proposal:
        ctx = self.context()
        proposals = near_duplicates(ctx) if item_id.startswith("mc_") else contradictions(ctx)
        for proposal in proposals:
            if proposal.id == item_id:
                return proposal
        raise NotFound(
            f"{item_id} is no longer proposed (decided, dismissed, or the graph changed); "
            "list the queue again"
        )

    def evidence(self, item_id: str) -> list[EvidenceSpan]:
        """Where an item was read: its evidence spans (an entity's: those of its live facts;
        a candidate's: those of its members)."""
        ids = self._fact_ids(item_id)
        spans = self.store.evidence(ids)
        return [span for i in ids for span in spans.get(i, [])]

    def _fact_ids(self, item_id: str) -> list[str]:
        if item_id.startswith(("mc_", "ct_")):
            members = self._proposal(item_id).involved
            return [i for m in members for i in self._fact_ids(m)]
        if node_label(item_id) is Label.ENTITY:
            cs = ChangeSet(self.store)
            return [
                str(fact["id"])
                for _, fact in operations.live_facts_about(cs, item_id)
                if fact.get("status") in LIVE
            ]
        return [item_id]

    def neighbourhood(self, item_id: str, hops: int = 1) -> Subgraph:
        """The item's entities and statements around it, proposed ones included."""
        seeds = self._seeds(item_id)
        types = [*self.store.schema.relation_types, *_REVIEW_RELS]
        statuses = (Status.APPROVED, Status.PROPOSED)
        return self.store.neighbourhood(
            seeds, hops=hops, rel_types=types, statuses=statuses, entity_statuses=statuses
        )

    def _seeds(self, item_id: str) -> list[str]:
        if item_id.startswith(("mc_", "ct_")):
            return [s for m in self._proposal(item_id).involved for s in self._seeds(m)]
        nodes = self.store.get_nodes([item_id])
        if not nodes:
            raise NotFound(f"no node {item_id!r}")
        props = nodes[0].props
        return [item_id, *(str(props[k]) for k in ("subject_id", "object_id") if props.get(k))]

    def neighbourhood_graph(self, item_id: str, hops: int = 1) -> nx.MultiDiGraph[str]:
        """:meth:`neighbourhood` as a networkx graph (node attributes ``label``, ``name``,
        ``status``; edge attributes ``type``, ``status``), e.g. to draw it."""
        from kag.curation.analytics import to_networkx

        return to_networkx(self.neighbourhood(item_id, hops))

    # -- decisions ---------------------------------------------------------------------------
    def _commit(self, steps: Sequence[Step], actor: Actor, reason: str | None = None) -> BulkResult:
        batch = new_id("batch")
        specs = [StepSpec(step, actor, reason=reason) for step in steps]
        planned = self._decider.plan(specs, batch_id=batch)
        return BulkResult(batch_id=batch, decisions=tuple(self._decider.commit(planned)))

    def _live_node(self, item_id: str, *, refuse: Status | None = None) -> dict[str, Any]:
        nodes = self.store.get_nodes([item_id])
        if not nodes or (nodes[0].label is not Label.ENTITY and nodes[0].label not in LAYER_LABELS):
            raise NotFound(f"no entity or assertion {item_id!r}; list the queue for item ids")
        props = nodes[0].props
        status = props.get("status")
        if status == Status.SUPERSEDED.value:
            newer = props.get("replaced_by") or props.get("merged_into")
            hint = f"; decide on {newer}, which replaced it" if newer else ""
            raise Conflict(f"{item_id} is superseded{hint}")
        if refuse is not None and status == refuse.value:
            raise Conflict(f"{item_id} is already {status}")
        return dict(props)

    def approve(self, item_id: str, actor: Actor, reason: str | None = None) -> BulkResult:
        """Approve an assertion or entity; merge a merge candidate; resolve a contradiction as
        its rule proposes (reject the weaker side)."""
        return self._commit(self.steps(item_id, "approve"), actor, reason)

    def reject(self, item_id: str, actor: Actor, reason: str) -> BulkResult:
        """Reject an assertion or entity (never proposed again); keep a merge candidate's
        entities apart; dismiss a contradiction. A reason is required."""
        return self._commit(self.steps(item_id, "reject"), actor, _check_reason(reason))

    def steps(self, item_id: str, verdict: str) -> list[Step]:
        """The decision steps of a verdict on an item (what :meth:`approve` and
        :meth:`reject` commit; bulk decisions plan many of them together)."""
        if item_id.startswith("mc_"):
            proposal = self._proposal(item_id)
            loser, keeper = proposal.target_ids
            if verdict == "approve":
                return [self._merge_step(loser, keeper)]
            return [_record_only(loser, KEEP_APART, {"others": [keeper]})]
        if item_id.startswith("ct_"):
            proposal = self._proposal(item_id)
            if verdict == "reject":
                return [
                    _record_only(
                        proposal.involved[0], DISMISS, {"members": list(proposal.involved)}
                    )
                ]
            if proposal.action != "reject":
                raise Conflict(
                    f"{item_id}: no side is clearly better supported; approve or reject its "
                    f"facts one by one ({', '.join(proposal.involved)})"
                )
            return [
                _node_step(REJECT, t, self._live_node(t), Status.REJECTED)
                for t in proposal.target_ids
            ]
        status = Status.APPROVED if verdict == "approve" else Status.REJECTED
        props = self._live_node(item_id, refuse=status)
        return [_node_step(APPROVE if verdict == "approve" else REJECT, item_id, props, status)]

    def edit(
        self, item_id: str, edit: AssertionEdit, actor: Actor, reason: str | None = None
    ) -> BulkResult:
        """Correct an assertion: the expert's version is approved and replaces it (which
        stays, superseded, for audit); re-ingestion keeps the expert's version."""
        props = self._live_node(item_id)
        if node_label(item_id) is Label.ENTITY:
            raise InvalidInput(f"{item_id} is an entity; merge or split entities instead")
        changes = edit.model_dump(exclude_none=True)
        schema = self.store.schema

        def step(cs: ChangeSet) -> Outcome:
            new_id_, new_props = restate(schema, cs, props, changes)
            if new_id_ == item_id:
                raise InvalidInput(f"the edit does not change {item_id}: it states the same")
            extractors = sorted({*(props.get("extractors") or []), "expert"})
            new_props.update(confidence=1.0, extractors=extractors)
            operations.Transfer(schema, cs).run(
                item_id, new_id_, new_props, status=Status.APPROVED.value
            )
            keys = sorted(k for k in (*changes, "text") if props.get(k) != new_props.get(k))
            before = {k: props.get(k) for k in keys}
            after = {**{k: new_props.get(k) for k in keys}, "replaced_by": new_id_}
            if "layer" in changes:
                before["layer"] = str(node_label(item_id))
                after["layer"] = str(changes["layer"])
            return Outcome(item_id, EDIT, before, after)

        return self._commit([step], actor, reason)

    def _merge_step(self, loser: str, keeper: str) -> Step:
        schema = self.store.schema

        def step(cs: ChangeSet) -> Outcome:
            lost = merging.require_entity(cs, loser)
            before = {"status": lost.get("status"), "name": lost.get("name")}
            return Outcome(loser, MERGE, before, merging.merge(schema, cs, loser, keeper))

        return step

    def merge(
        self, entity_id: str, into: str, actor: Actor, reason: str | None = None
    ) -> BulkResult:
        """Merge ``entity_id`` into ``into``: aliases kept, facts restated, mentions moved,
        provenance kept; new documents naming either resolve to ``into``."""
        return self._commit([self._merge_step(entity_id, into)], actor, reason)

    def split(
        self, entity_id: str, request: SplitRequest, actor: Actor, reason: str | None = None
    ) -> BulkResult:
        """Split names (and the facts read under them) off a wrongly merged entity."""
        schema = self.store.schema
        merges = [n.props for n in self.store.list_decisions([MERGE])]

        def step(cs: ChangeSet) -> Outcome:
            props = merging.require_entity(cs, entity_id)
            target = request.into or merging.split_target(props, request.names, request.type)
            after = merging.split(
                schema,
                cs,
                entity_id,
                request.names,
                into=request.into,
                entity_type=request.type,
                assertion_ids=request.assertion_ids,
                merged_facts=merging.merged_away_facts(merges, target, entity_id),
            )
            return Outcome(entity_id, SPLIT, {"aliases": props.get("aliases") or []}, after)

        return self._commit([step], actor, reason)

    # -- bulk, undo, history ---------------------------------------------------------------
    def preview_bulk(self, request: BulkRequest) -> BulkPreview:
        """Exactly what a bulk decision would touch (nothing is written)."""
        return bulk.preview(self, request)

    def apply_bulk(self, request: BulkRequest, actor: Actor, token: str) -> BulkResult:
        """Apply a previewed bulk decision; refused when the graph changed since the preview.

        Raises:
            Conflict: the same request would now touch something else: preview it again.
        """
        return bulk.apply(self, request, actor, token)

    def undo(self, decision_id: str, actor: Actor, reason: str | None = None) -> BulkResult:
        """Undo a decision, or every decision of a batch (``bat_...``), restoring exactly what
        they changed; refused when later changes touched the same things."""
        return audit.undo(self.store, self._decider, decision_id, actor, reason)

    def history(
        self, filter: HistoryFilter | None = None, page: PageRequest | None = None
    ) -> DecisionPage:
        """Decisions, newest first."""
        return audit.history(self.store, filter or HistoryFilter(), page or PageRequest())

    def decision(self, decision_id: str) -> DecisionView:
        """One decision by id.

        Raises:
            NotFound: no such decision.
        """
        return audit.decision(self.store, decision_id)


def _record_only(target: str, action: str, after: dict[str, Any]) -> Step:
    def step(cs: ChangeSet) -> Outcome:
        del cs  # a verdict about a proposal: recorded, the graph itself does not change
        return Outcome(target, action, {}, after)

    return step
