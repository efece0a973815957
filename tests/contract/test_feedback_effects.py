"""Learning from feedback on every backend: beliefs, review items, the poisoning guard, episodes,
precedents, validity, ranking, insights and undo as a unit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from graph_schema import LAYER_LABELS, Label, Layer, Status
from graph_schema.properties import CitationFlag
from kag.curation import Curator
from kag.curation.models import Actor
from kag.engine import Answer, Engine
from kag.engine.nlp import load_question_nlp
from kag.errors import Conflict, InvalidInput
from kag.feedback import FeedbackInput, FeedbackService
from kag.settings import FeedbackSettings, Settings
from kag.store import GraphStore, Subgraph, WriteBatch
from tests.support.builders import document, entity, evidence, relation, statement
from tests.support.engine_graph import BERLIN, HOOLI, HQ, INITECH, SUPPLIED, write_engine_graph

CHAIN = "Where is the supplier of the company Globex acquired headquartered?"
ANA = Actor(name="ana", role="analyst")
EVE = Actor(name="eve", role="expert")
PARIS = entity("Paris", "place")
WRONG_SUPPLY = relation(INITECH, "SUPPLIED_BY", HOOLI)
HOOLI_HQ = relation(HOOLI, "HEADQUARTERED_IN", PARIS)


@pytest.fixture(scope="module")
def nlp() -> Any:
    return load_question_nlp(None, "fast")


@pytest.fixture
def engine(store: GraphStore, store_settings: Settings, nlp: Any) -> Engine:
    write_engine_graph(store)
    return Engine(store, store_settings, nlp=nlp)


@pytest.fixture
def service(store: GraphStore) -> FeedbackService:
    return FeedbackService(store, FeedbackSettings())


def _snapshot(store: GraphStore) -> Subgraph:
    labels = sorted({*LAYER_LABELS, Label.ENTITY})
    types = [*store.schema.relation_types, "ABOUT", "CONTRADICTS", "DERIVED_FROM", "SUPPORTS"]
    every = list(Status)
    return store.export_subgraph(labels, types, statuses=every, entity_statuses=every)


def _approved(store: GraphStore) -> dict[str, tuple[Any, ...]]:
    """Approved facts with what makes them true for the engine (status, validity)."""
    return {
        n.id: (n.status, n.props.get("valid_to"), n.props.get("text"))
        for n in _snapshot(store).nodes
        if n.label in LAYER_LABELS and n.status is Status.APPROVED
    }


def _props(store: GraphStore, node_id: str) -> dict[str, Any]:
    return dict(store.get_nodes([node_id])[0].props)


def _typed(store: GraphStore, fact_id: str, subject_id: str) -> dict[str, Any]:
    [rel] = [r for r in store.relationships_of([subject_id]) if r.id == fact_id]
    return dict(rel.props)


def _flag(answer: Answer, flag: str = "wrong_path", note: str | None = None) -> CitationFlag:
    return CitationFlag(citation_id=answer.citations[0].id, flag=flag, note=note)  # type: ignore[arg-type]


def test_helpful_feedback_raises_belief_experts_weigh_more_and_one_user_is_capped(
    engine: Engine, service: FeedbackService
) -> None:
    answer = engine.ask(CHAIN, save=True)
    assert SUPPLIED.id in answer.cited_ids
    analyst = service.submit(FeedbackInput(answer_id=answer.id, verdict="helpful", actor=ANA))
    change = next(b for b in analyst.beliefs if b.fact_id == SUPPLIED.id)
    assert (change.alpha_after, change.beta_after) == (2.0, 1.0)
    expert = service.submit(FeedbackInput(answer_id=answer.id, verdict="helpful", actor=EVE))
    assert next(b for b in expert.beliefs if b.fact_id == SUPPLIED.id).weight == 3.0
    # the typed relationship carries the same belief as its assertion
    assert _typed(engine.store, SUPPLIED.id, INITECH.id)["alpha"] == 5.0
    assert _props(engine.store, SUPPLIED.id)["alpha"] == 5.0
    for _ in range(3):  # ana's cap on a fact is 3.0: two more count, then nothing
        service.submit(FeedbackInput(answer_id=answer.id, verdict="helpful", actor=ANA))
    assert _props(engine.store, SUPPLIED.id)["alpha"] == 7.0


def test_wrong_flag_lowers_belief_and_becomes_review_items_never_a_verdict(
    engine: Engine, service: FeedbackService
) -> None:
    answer = engine.ask(CHAIN, save=True)
    before = _approved(engine.store)
    result = service.submit(
        FeedbackInput(
            answer_id=answer.id,
            verdict="wrong",
            correction="Umbrella Group is headquartered in Munich",
            citation_flags=(_flag(answer, note="Umbrella moved"),),
            actor=ANA,
        )
    )
    assert {b.fact_id for b in result.beliefs} >= {SUPPLIED.id, HQ.id}
    assert all(b.beta_after == b.beta_before + 1.0 for b in result.beliefs)
    kinds = sorted(i.kind for i in service.review_items())
    assert kinds == ["correction", "wrong_path"]
    assert _approved(engine.store) == before  # nothing approved, rejected or asserted


def test_an_analyst_can_never_assert_or_decide_a_fact_by_feedback(
    engine: Engine, service: FeedbackService
) -> None:
    answer = engine.ask(CHAIN, save=True)
    before = _approved(engine.store)
    facts_before = {n.id for n in _snapshot(engine.store).nodes if n.label is Label.KNOWLEDGE}
    for _ in range(5):  # a hostile analyst insisting on a false fact
        service.submit(
            FeedbackInput(
                answer_id=answer.id,
                verdict="wrong",
                correction="Initech is supplied by Hooli, headquartered in Paris",
                citation_flags=(_flag(answer, "untrustworthy_source"),),
                actor=ANA,
            )
        )
    items = service.review_items()
    for item in items:
        with pytest.raises(InvalidInput, match="only an expert"):
            service.review(item.id, "accept", ANA)
    with pytest.raises(InvalidInput, match="only an expert"):
        service.propose_insights(ANA)
    assert _approved(engine.store) == before
    facts_after = {n.id for n in _snapshot(engine.store).nodes if n.label is Label.KNOWLEDGE}
    assert facts_after == facts_before  # no new fact from corrections
    episodes = service.experiences()
    assert len(episodes) == 5
    assert {e.status for e in episodes} == {Status.PROPOSED}
    # the engine answers exactly as before: proposed episodes are never answered from
    again = engine.ask(CHAIN, save=False)
    assert again.citations[0].chain() == answer.citations[0].chain()


def test_expert_accepting_a_wrong_path_rejects_the_fact_and_the_engine_drops_it(
    engine: Engine, service: FeedbackService
) -> None:
    answer = engine.ask(CHAIN, save=True)
    service.submit(
        FeedbackInput(
            answer_id=answer.id,
            verdict="wrong",
            citation_flags=(_flag(answer),),
            actor=ANA,
        )
    )
    [item] = service.review_items()
    with pytest.raises(InvalidInput, match="not on the flagged path"):
        service.review(item.id, "accept", EVE, fact_ids=["kno_00000000000000000000"])
    outcome = service.review(item.id, "accept", EVE, fact_ids=[HQ.id], reason="moved")
    assert _props(engine.store, HQ.id)["status"] == "rejected"
    assert _typed(engine.store, HQ.id, HQ.subject_id or "")["status"] == "rejected"
    assert service.review_items() == []
    with pytest.raises(Conflict, match="decided already"):
        service.review(item.id, "dismiss", EVE)
    assert "Berlin" not in engine.ask(CHAIN, save=False).text
    Curator(engine.store).undo(outcome.batch_id, EVE)  # the expert's verdict is undoable too
    assert _props(engine.store, HQ.id)["status"] == "approved"
    assert [i.id for i in service.review_items()] == [item.id]


def test_outdated_needs_expert_confirmation_then_the_engine_says_it_used_an_old_fact(
    engine: Engine, service: FeedbackService
) -> None:
    answer = engine.ask(CHAIN, save=True)
    service.submit(
        FeedbackInput(
            answer_id=answer.id,
            verdict="wrong",
            citation_flags=(_flag(answer, "outdated"),),
            actor=ANA,
        )
    )
    assert "valid_to" not in _props(engine.store, HQ.id)  # the analyst's flag alone: nothing
    [item] = service.review_items()
    service.review(item.id, "accept", EVE, fact_ids=[HQ.id], valid_to="2025-01-31")
    assert _props(engine.store, HQ.id)["valid_to"] == "2025-01-31"
    later = engine.ask(CHAIN, save=False)
    assert any("no longer valid" in f and "2025-01-31" in f for f in later.flags)


def test_episode_links_entities_and_answer_and_a_similar_question_recalls_it(
    engine: Engine, service: FeedbackService
) -> None:
    answer = engine.ask(CHAIN, save=True)
    result = service.submit(
        FeedbackInput(
            answer_id=answer.id,
            verdict="wrong",
            correction="Umbrella Group is headquartered in Munich",
            actor=ANA,
        )
    )
    about = engine.store.relationships_of([result.experience_id], ["ABOUT"])
    targets = {r.target_id for r in about}
    assert answer.id in targets
    assert any(t.startswith("ent_") for t in targets)
    episode = _props(engine.store, result.experience_id)
    assert set(episode["cited_ids"]) >= {SUPPLIED.id, HQ.id}
    later = engine.ask("Where is the supplier of the company Globex acquired located?", save=False)
    notes = [f for f in later.flags if f.startswith("asked before")]
    assert notes
    assert "judged wrong because Umbrella Group is headquartered in Munich" in notes[0]
    unrelated = engine.ask("What do we know about Acme Corp?", save=False)
    assert not [f for f in unrelated.flags if f.startswith("asked before")]


def test_precedents_are_searched_among_feedback_episodes_only(
    engine: Engine, service: FeedbackService
) -> None:
    question = "Where is the supplier of the company Globex acquired located?"
    look_alikes = tuple(
        statement(Layer.EXPERIENCE, f"The supplier of the company Globex acquired was located {n}")
        for n in range(40)
    )
    engine.store.write(WriteBatch(assertions=look_alikes))
    answer = engine.ask(CHAIN, save=True)
    result = service.submit(FeedbackInput(answer_id=answer.id, verdict="wrong", actor=ANA))
    both = (Status.APPROVED, Status.PROPOSED)  # episodes are proposed
    everything = engine.store.search_statements(
        question, labels=[Label.EXPERIENCE], statuses=both, limit=100
    )
    assert len(everything) == 41
    episodes = engine.store.search_statements(
        question, labels=[Label.EXPERIENCE], statuses=both, min_score=0, source="feedback"
    )
    assert [m.node.id for m in episodes] == [result.experience_id]
    assert engine.store.search_statements(question, source="no such source") == []
    later = engine.ask(question, save=False)
    assert [f for f in later.flags if f.startswith("asked before")]


def test_the_engine_ranks_equally_short_paths_by_belief(
    engine: Engine, service: FeedbackService
) -> None:
    doc, chunk = document("notes/rumour.txt", "Initech buys from Hooli, based in Paris.")
    engine.store.write(
        WriteBatch(
            entities=(PARIS,),
            documents=(doc,),
            chunks=(chunk,),
            assertions=(WRONG_SUPPLY, HOOLI_HQ),
            evidence=(
                evidence(WRONG_SUPPLY, chunk, "Initech buys from Hooli"),
                evidence(HOOLI_HQ, chunk, "Hooli, based in Paris"),
            ),
        )
    )
    answer = engine.ask(CHAIN, save=True)
    ends = [c.nodes[-1].name for c in answer.citations if c.role == "answer"]
    assert sorted(ends) == ["Berlin", "Paris"]
    first = answer.citations[0]
    service.submit(
        FeedbackInput(
            answer_id=answer.id, verdict="wrong", citation_flags=(_flag(answer),), actor=EVE
        )
    )
    again = engine.ask(CHAIN, save=False)
    assert again.citations[0].nodes[-1].name != first.nodes[-1].name
    assert {BERLIN.name, PARIS.name} == {c.nodes[-1].name for c in again.citations}


def test_undo_restores_every_effect_of_a_feedback_exactly(
    engine: Engine, service: FeedbackService
) -> None:
    answer = engine.ask(CHAIN, save=True)
    before = _snapshot(engine.store)
    result = service.submit(
        FeedbackInput(
            answer_id=answer.id,
            verdict="wrong",
            correction="wrong city",
            citation_flags=(_flag(answer, "untrustworthy_source"),),
            actor=ANA,
        )
    )
    assert _snapshot(engine.store) != before
    assert len(service.decisions(result.feedback_id)) == len(result.decisions)
    with pytest.raises(InvalidInput, match="only an expert"):
        service.undo(result.feedback_id, Actor(name="bob", role="analyst"))
    service.undo(result.feedback_id, ANA, reason="clicked the wrong answer")
    assert _snapshot(engine.store) == before
    assert service.feedback(result.feedback_id).applied is False
    assert service.review_items() == []
    assert service.experiences() == []
    reapplied = service.apply(result.feedback_id)  # the stored feedback can be applied again
    assert reapplied.beliefs == result.beliefs


def test_insights_are_proposed_when_several_episodes_point_the_same_way(
    engine: Engine, service: FeedbackService
) -> None:
    answer = engine.ask(CHAIN, save=True)
    for name in ("ana", "bob", "cy"):
        service.submit(
            FeedbackInput(
                answer_id=answer.id,
                verdict="wrong",
                citation_flags=(_flag(answer),),
                actor=Actor(name=name, role="analyst"),
            )
        )
    proposals = service.propose_insights(EVE)
    assert HQ.id in {p.fact_id for p in proposals}
    assert all(len(p.experience_ids) == 3 for p in proposals)
    pending = service.insight_proposals()
    assert {p.insight_id for p in pending} == {p.insight_id for p in proposals}
    [node] = engine.store.get_nodes([proposals[0].insight_id])
    assert node.status is Status.PROPOSED
    assert service.propose_insights(EVE) == []  # not proposed twice


def test_concurrent_feedback_on_the_same_facts_all_counts(
    engine: Engine, service: FeedbackService
) -> None:
    answer = engine.ask(CHAIN, save=True)
    names = [f"analyst-{i}" for i in range(4)]

    def give(name: str) -> None:
        FeedbackService(engine.store).submit(
            FeedbackInput(
                answer_id=answer.id, verdict="helpful", actor=Actor(name=name, role="analyst")
            )
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(give, names))
    assert _props(engine.store, SUPPLIED.id)["alpha"] == 1.0 + len(names)
    assert _typed(engine.store, SUPPLIED.id, INITECH.id)["alpha"] == 1.0 + len(names)
    assert len(service.experiences()) == len(names)
