"""Insight proposals: when several feedback episodes point the same way about one fact.

A fact cited by at least ``insight_min_support`` answers that were judged wrong gets a proposed
Insight ("answers resting on this fact were judged wrong N times"), ``DERIVED_FROM`` each of
those episodes and the fact: its supporting paths. It is ``proposed``: an expert approves or
rejects it in the curation queue like any other proposal; the engine never answers from it
before that.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph_schema import (
    LAYER_LABELS,
    AssertionKind,
    Label,
    Layer,
    RelType,
    Status,
    label_of,
    rel_id,
    stable_id,
)
from graph_schema.fingerprints import statement_fingerprint
from graph_schema.properties import AssertionRecord
from kag.curation.changes import ChangeSet
from kag.curation.decider import Decider, Outcome, Step, StepSpec, new_id
from kag.curation.models import PROPOSE_INSIGHT, Actor
from kag.feedback.models import InsightProposal
from kag.settings import FeedbackSettings
from kag.store import GraphStore, NodeView

_SOURCE = "feedback"


def insight_id(fact_id: str) -> str:
    """The id of the insight proposed about a fact."""
    return stable_id(Label.INSIGHT, "feedback", fact_id)


def _support(experiences: Sequence[NodeView]) -> dict[str, list[str]]:
    """Fact id -> wrong-judged episodes citing it."""
    by_fact: dict[str, list[str]] = {}
    for node in experiences:
        if node.props.get("verdict") != "wrong":
            continue
        for fact in node.props.get("cited_ids") or []:
            if label_of(str(fact)) in LAYER_LABELS:
                by_fact.setdefault(str(fact), []).append(node.id)
    return by_fact


def _step(fact: str, episodes: list[str], proposals: list[InsightProposal]) -> Step:
    def step(cs: ChangeSet) -> Outcome:
        fact_props = cs.require(fact)
        iid = insight_id(fact)
        title = str(fact_props.get("text") or fact)
        text = (
            f"Answers resting on {title!r} were judged wrong {len(episodes)} times; "
            "check the fact and its sources."
        )
        record = AssertionRecord(
            id=iid,
            layer=Layer.INSIGHT,
            kind=AssertionKind.STATEMENT,
            text=text,
            fingerprint=statement_fingerprint(text),
            status=Status.PROPOSED,
            extractors=(_SOURCE,),
        )
        cs.put_node(iid, {**record.props(), "source": _SOURCE, "fact_id": fact})
        cs.load_rels([iid])
        for target in [*episodes, fact]:
            rid = rel_id(RelType.DERIVED_FROM.value, iid, target)
            props = {"id": rid, "status": Status.PROPOSED.value, "confidence": 0.5}
            cs.put_rel(rid, RelType.DERIVED_FROM.value, iid, target, props)
        proposals.append(
            InsightProposal(insight_id=iid, text=text, fact_id=fact, experience_ids=tuple(episodes))
        )
        return Outcome(fact, PROPOSE_INSIGHT, {}, {"insight_id": iid, "support": len(episodes)})

    return step


def propose(
    store: GraphStore,
    decider: Decider,
    experiences: Sequence[NodeView],
    actor: Actor,
    settings: FeedbackSettings,
) -> list[InsightProposal]:
    """Write proposed insights for facts with enough wrong-judged episodes (new ones only)."""
    support = _support(experiences)
    wanted = {
        f: sorted(e) for f, e in support.items() if len(set(e)) >= settings.insight_min_support
    }
    existing = {n.id for n in store.get_nodes([insight_id(f) for f in wanted])}
    live = {
        n.id
        for n in store.get_nodes(sorted(wanted))
        if n.props.get("status") in (Status.APPROVED.value, Status.PROPOSED.value)
    }
    proposals: list[InsightProposal] = []
    steps = [
        StepSpec(_step(f, e, proposals), actor, reason="episodes point the same way")
        for f, e in sorted(wanted.items())
        if insight_id(f) not in existing and f in live
    ]
    if not steps:
        return []
    batch = new_id("batch")
    decider.commit(decider.plan(steps, batch_id=batch))
    return [p.model_copy(update={"batch_id": batch}) for p in proposals]


def pending(store: GraphStore) -> list[InsightProposal]:
    """Insights proposed from feedback that no expert has decided yet."""
    out = []
    for node in store.list_statements([Label.INSIGHT], [Status.PROPOSED]):
        if node.props.get("source") != _SOURCE:
            continue
        derived = store.relationships_of([node.id], [RelType.DERIVED_FROM.value])
        episodes = tuple(r.target_id for r in derived if label_of(r.target_id) is Label.EXPERIENCE)
        out.append(
            InsightProposal(
                insight_id=node.id,
                text=str(node.props.get("text", "")),
                fact_id=str(node.props.get("fact_id", "")),
                experience_ids=episodes,
            )
        )
    return out
