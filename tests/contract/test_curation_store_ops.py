"""The curation store operations on every backend (Neo4j is a real Neo4j 5.26): exact patches
with optimistic checks and their inverse, decisions stored with them, and the review reads."""

from __future__ import annotations

import pytest

from graph_schema import Label, RelType, Status, rel_id, stable_id
from graph_schema.properties import AnswerRecord, DecisionRecord
from kag.errors import Conflict, InvalidInput, NotFound
from kag.store import GraphStore
from kag.store.patch import GraphPatch, NodeChange, RelChange
from tests.support import engine_graph as g
from tests.support.builders import T0, entity

NEW = entity("Newco Ltd", status=Status.PROPOSED)


@pytest.fixture
def graph(store: GraphStore) -> GraphStore:
    g.write_engine_graph(store)
    return store


def decision(target_id: str, name: str = "d1", action: str = "approve") -> DecisionRecord:
    return DecisionRecord(
        id=stable_id(Label.DECISION, name),
        target_id=target_id,
        action=action,
        actor="ada@example.com",
        role="expert",
        reason="checked the filing",
        before='{"status": "proposed"}',
        after='{"status": "approved"}',
        created_at=T0,
        batch_id="bat_1",
    )


def state(store: GraphStore, ids: list[str]) -> tuple[list[object], list[object]]:
    """Every property of these nodes and of their relationships (decisions aside)."""
    return [n.props for n in store.get_nodes(ids)], [
        (r.id, r.type, r.source_id, r.target_id, r.props)
        for r in store.relationships_of(ids)
        if r.type != "DECIDED"
    ]


def approve_partner_patch(store: GraphStore) -> GraphPatch:
    """Approve the proposed partnership (node and typed relationship), add an entity and an
    ABOUT link to it, and drop the partnership's evidence link."""
    [node] = store.get_nodes([g.PARTNER_PROPOSED.id])
    rels = {r.id: r for r in store.relationships_of([g.PARTNER_PROPOSED.id])}
    [typed] = store.relationships_of([g.HOOLI.id], rel_types=["PARTNERS_WITH"])
    [evidence] = [r for r in rels.values() if r.type == RelType.EVIDENCED_BY.value]
    about = rel_id(RelType.ABOUT.value, g.PARTNER_PROPOSED.id, NEW.id)
    return GraphPatch(
        nodes=(
            NodeChange(
                id=g.PARTNER_PROPOSED.id,
                before=node.props,
                after={**node.props, "status": "approved", "reviewed": True},
            ),
            NodeChange(id=NEW.id, after=NEW.props()),
        ),
        rels=(
            RelChange(
                id=typed.id,
                type=typed.type,
                source_id=typed.source_id,
                target_id=typed.target_id,
                before=typed.props,
                after={**typed.props, "status": "approved"},
            ),
            RelChange(
                id=about,
                type="ABOUT",
                source_id=g.PARTNER_PROPOSED.id,
                target_id=NEW.id,
                after={"id": about, "role": "mention"},
            ),
            RelChange(
                id=evidence.id,
                type=evidence.type,
                source_id=evidence.source_id,
                target_id=evidence.target_id,
                before=evidence.props,
            ),
        ),
    )


def test_relationships_of_lists_every_touching_relationship_exactly(graph: GraphStore) -> None:
    rels = graph.relationships_of([g.PARTNER_PROPOSED.id])
    assert sorted(r.type for r in rels) == ["ABOUT", "ABOUT", "EVIDENCED_BY"]
    assert [r.id for r in rels] == sorted(r.id for r in rels)
    [typed] = graph.relationships_of([g.HOOLI.id], rel_types=["PARTNERS_WITH"])
    assert typed.id == g.PARTNER_PROPOSED.id
    assert (typed.source_id, typed.target_id) == (g.HOOLI.id, g.ACME.id)
    assert typed.props["status"] == "proposed"
    only = graph.relationships_of([g.ACME.id, g.HOOLI.id], rel_types=["PARTNERS_WITH"])
    assert sorted(r.id for r in only) == sorted([g.PARTNER_PROPOSED.id, g.OLD_PARTNER.id])


def test_a_patch_applies_with_its_decision_and_its_inverse_restores_exactly(
    graph: GraphStore,
) -> None:
    ids = [g.PARTNER_PROPOSED.id, NEW.id, g.HOOLI.id, g.ACME.id]
    before = state(graph, ids)
    counts_before = graph.counts()
    patch = approve_partner_patch(graph)
    summary = graph.apply_patch(patch, [decision(g.PARTNER_PROPOSED.id)])
    assert (summary.nodes_created, summary.nodes_updated, summary.rels_created) == (1, 1, 1)
    assert (summary.rels_updated, summary.rels_deleted, summary.decisions) == (1, 1, 1)
    [node] = graph.get_nodes([g.PARTNER_PROPOSED.id])
    assert node.status is Status.APPROVED
    assert node.props["reviewed"] is True
    assert graph.evidence([node.id])[node.id] == []
    [stored] = graph.list_decisions(["approve"])
    assert stored.props["batch_id"] == "bat_1"
    assert stored.props["actor"] == "ada@example.com"
    decided = graph.relationships_of([stored.id])
    assert [(r.type, r.target_id) for r in decided] == [("DECIDED", g.PARTNER_PROPOSED.id)]

    graph.apply_patch(patch.inverse())
    assert state(graph, ids) == before
    after = graph.counts()
    assert after.nodes == {**counts_before.nodes, "Decision": 1}


def test_a_stale_patch_is_refused_and_nothing_is_written(graph: GraphStore) -> None:
    patch = approve_partner_patch(graph)
    graph.set_status([g.PARTNER_PROPOSED.id], Status.REJECTED)  # someone decided meanwhile
    snapshot = state(graph, [g.PARTNER_PROPOSED.id, NEW.id])
    with pytest.raises(Conflict, match=r"property 'status' has changed since") as err:
        graph.apply_patch(patch, [decision(g.PARTNER_PROPOSED.id)])
    assert g.PARTNER_PROPOSED.id in err.value.message
    assert state(graph, [g.PARTNER_PROPOSED.id, NEW.id]) == snapshot
    assert graph.list_decisions(["approve"]) == []


def test_unrelated_property_changes_do_not_block_a_patch(graph: GraphStore) -> None:
    patch = approve_partner_patch(graph)
    graph.apply_patch(patch)
    [node] = graph.get_nodes([g.PARTNER_PROPOSED.id])
    # later ingestion raised the confidence: undoing the approval still works
    graph.apply_patch(
        GraphPatch(
            nodes=(
                NodeChange(id=node.id, before=node.props, after={**node.props, "confidence": 0.9}),
            )
        )
    )
    graph.apply_patch(patch.inverse())
    [back] = graph.get_nodes([g.PARTNER_PROPOSED.id])
    assert back.status is Status.PROPOSED
    assert back.props["confidence"] == 0.9
    assert "reviewed" not in back.props


def test_deleting_a_node_that_gained_relationships_is_refused(graph: GraphStore) -> None:
    patch = approve_partner_patch(graph)
    graph.apply_patch(patch)
    graph.save_answer(
        AnswerRecord(
            id="ans_00000000000000000001",
            question="Who is Newco?",
            text="Newco Ltd [c1].",
            outcome="answered",
            confidence=0.5,
            payload="{}",
            created_at=T0,
        ),
        [NEW.id],
    )
    with pytest.raises(Conflict, match=f"node {NEW.id} has relationships"):
        graph.apply_patch(patch.inverse())
    assert graph.get_nodes([NEW.id])


def test_decisions_need_their_target_and_patches_stay_in_the_schema(graph: GraphStore) -> None:
    with pytest.raises(NotFound, match="ent_"):
        graph.apply_patch(GraphPatch(), [decision(stable_id(Label.ENTITY, "nobody"))])
    bad = GraphPatch(
        rels=(
            RelChange(
                id="rel_bad",
                type="APPLIES_IN",
                source_id=g.ACME.id,
                target_id=g.GLOBEX.id,
                after={"id": "rel_bad"},
            ),
        )
    )
    with pytest.raises(InvalidInput, match="not an allowed pattern"):
        graph.apply_patch(bad)
    assert graph.relationships_of([g.ACME.id], rel_types=["APPLIES_IN"]) == []
    assert graph.list_decisions(["approve"]) == []


def test_assertion_summaries_count_evidence_links_entities_and_citations(
    graph: GraphStore,
) -> None:
    graph.save_answer(
        AnswerRecord(
            id="ans_00000000000000000002",
            question="q",
            text="t",
            outcome="answered",
            confidence=0.5,
            payload="{}",
            created_at=T0,
        ),
        [g.WISDOM.id, g.COMPETES.id],
    )
    proposed = graph.assertion_summaries([Status.PROPOSED])
    assert [s.node.id for s in proposed] == sorted(
        [g.PARTNER_PROPOSED.id, g.REV_PROPOSED.id, g.WISDOM_PROPOSED.id]
    )
    everything = {s.node.id: s for s in graph.assertion_summaries(list(Status))}
    wisdom = everything[g.WISDOM.id]
    assert (wisdom.evidence, wisdom.cited_by, wisdom.links) == (1, 1, 3)
    assert wisdom.extractors == ("test",)
    assert wisdom.entity_ids == ()
    loss = everything[g.EXPERIENCE_LOSS.id]
    assert loss.entity_ids == tuple(sorted([g.GLOBEX.id, g.HOOLI.id]))
    partner = everything[g.PARTNER_PROPOSED.id]
    assert partner.entity_ids == tuple(sorted([g.HOOLI.id, g.ACME.id]))
    assert partner.documents == (stable_id(Label.DOCUMENT, "profiles/relations.txt"),)
    only_wisdom = graph.assertion_summaries([Status.APPROVED], labels=[Label.WISDOM])
    assert [s.node.id for s in only_wisdom] == [g.WISDOM.id]


def test_entity_summaries_count_live_relations_and_neighbours(graph: GraphStore) -> None:
    summaries = {s.node.id: s for s in graph.entity_summaries([Status.APPROVED, Status.PROPOSED])}
    assert g.ROGUE.id not in summaries
    acme = summaries[g.ACME.id]
    # competes (approved), offers, partner (proposed), old partner; the rejected one is not live
    assert acme.relations == 4
    assert acme.neighbours == tuple(sorted([g.GLOBEX.id, g.ROUTEMAX.id, g.HOOLI.id, g.INITECH.id]))
    assert acme.assertions == 9  # 4 live relations, 3 USD and 1 EUR revenues, 1 market share
    assert (acme.mentions, acme.cited_by, acme.documents) == (0, 0, ())
    hooli = summaries[g.HOOLI.id]
    assert hooli.neighbours == tuple(sorted([g.ACME.id, g.GLOBEX.id]))
    rejected = graph.entity_summaries([Status.REJECTED])
    assert [s.node.id for s in rejected] == [g.ROGUE.id]


def test_export_subgraph_keeps_nodes_and_relationships_that_pass(graph: GraphStore) -> None:
    sub = graph.export_subgraph(
        [Label.ENTITY, Label.WISDOM, Label.SITUATION],
        ["COMPETES_WITH", "PARTNERS_WITH", "APPLIES_IN"],
        statuses=(Status.APPROVED,),
        entity_statuses=(Status.APPROVED,),
    )
    ids = {n.id for n in sub.nodes}
    assert g.WISDOM.id in ids
    assert g.WISDOM_PROPOSED.id not in ids
    assert g.ROGUE.id not in ids
    assert [n.id for n in sub.nodes] == sorted(ids)
    assert sorted(r.id for r in sub.relationships) == sorted(
        [
            g.COMPETES.id,
            g.OLD_PARTNER.id,
            rel_id("APPLIES_IN", g.WISDOM.id, g.SITUATION.id),
        ]
    )
