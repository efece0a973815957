"""Contract of ``record_feedback`` / ``list_feedback`` on every backend."""

from __future__ import annotations

import pytest

from graph_schema import Label
from graph_schema.properties import AnswerRecord, CitationFlag, FeedbackRecord
from kag.errors import Conflict, NotFound
from kag.store import GraphStore, WriteBatch
from tests.support.builders import entity

ACME = entity("Acme Corp")
ANSWER = AnswerRecord(
    id="ans_0123456789abcdef0123",
    question="Who is Acme?",
    text="Acme Corp [c1].",
    outcome="answered",
    confidence=0.8,
    payload="{}",
    created_at="2026-01-01T00:00:00.000000Z",
)


def feedback(n: int, **changes: object) -> FeedbackRecord:
    base = FeedbackRecord(
        id=f"fbk_{n:020x}",
        answer_id=ANSWER.id,
        verdict="wrong",
        correction="Acme is a supplier, not a competitor.",
        citation_flags=(
            CitationFlag(citation_id="c1", flag="wrong_path", note="no such relation"),
            CitationFlag(citation_id="c2", flag="outdated"),
        ),
        actor="ana",
        actor_id="0123456789ab",
        role="analyst",
        created_at=f"2026-01-0{n}T00:00:00.000000Z",
    )
    return base.model_copy(update=changes)


@pytest.fixture
def answered(store: GraphStore) -> GraphStore:
    store.write(WriteBatch(entities=(ACME,)))
    store.save_answer(ANSWER, [ACME.id])
    return store


def test_feedback_is_stored_on_its_answer_and_read_back(answered: GraphStore) -> None:
    second = feedback(2, verdict="helpful", correction=None, citation_flags=(), role="expert")
    answered.record_feedback(second)
    answered.record_feedback(feedback(1))
    assert answered.list_feedback(ANSWER.id) == [feedback(1), second]
    [node] = answered.get_nodes([feedback(1).id])
    assert node.label is Label.FEEDBACK
    assert node.name == "wrong"
    assert node.props["citation_flags"] == (
        '[{"citation_id": "c1", "flag": "wrong_path", "note": "no such relation"}, '
        '{"citation_id": "c2", "flag": "outdated"}]'
    )
    counts = answered.counts()
    assert counts.nodes["Feedback"] == 2
    assert counts.relationships["FEEDBACK_ON"] == 2


def test_feedback_on_a_missing_answer_writes_nothing(answered: GraphStore) -> None:
    lost = feedback(1, answer_id="ans_ffffffffffffffffffff")
    with pytest.raises(NotFound, match="ans_ffffffffffffffffffff"):
        answered.record_feedback(lost)
    assert "Feedback" not in answered.counts().nodes
    assert answered.list_feedback("ans_ffffffffffffffffffff") == []


def test_feedback_is_never_overwritten(answered: GraphStore) -> None:
    answered.record_feedback(feedback(1))
    with pytest.raises(Conflict):
        answered.record_feedback(feedback(1, verdict="helpful"))
    assert [f.verdict for f in answered.list_feedback(ANSWER.id)] == ["wrong"]
    assert answered.counts().relationships["FEEDBACK_ON"] == 1


def test_all_feedback_is_listed_across_answers_oldest_first(answered: GraphStore) -> None:
    other = ANSWER.model_copy(update={"id": "ans_0123456789abcdef0124", "question": "Who?"})
    answered.save_answer(other, [ACME.id])
    later = feedback(3, answer_id=other.id, verdict="helpful", citation_flags=())
    answered.record_feedback(later)
    answered.record_feedback(feedback(1))
    assert answered.list_all_feedback() == [feedback(1), later]
    assert answered.list_feedback(other.id) == [later]
