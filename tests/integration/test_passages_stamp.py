"""Neo4j's passages stamp: the graph's revision plus count-store counts, read before every hybrid
passage search, so it must not grow with the graph, and it must move with every write that can
change the passages and not with answers or feedback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import GraphDatabase

from graph_schema import Label, Status, stable_id
from graph_schema.properties import FeedbackRecord, MentionRecord
from kag.store import GraphStore, WriteBatch, open_store
from kag.store.neo4j.queries.catalogue import PASSAGES_STAMP
from kag.testing.neo4j_server import Neo4jEndpoint
from tests.conftest import clear_neo4j, neo4j_settings
from tests.contract.test_feedback import ACME, ANSWER
from tests.support.builders import document, entity

pytestmark = pytest.mark.neo4j

T0 = "2026-01-01T00:00:00.000000Z"


@pytest.fixture
def neo4j_store(neo4j_endpoint: Neo4jEndpoint) -> Iterator[GraphStore]:
    clear_neo4j(neo4j_endpoint)
    store = open_store(neo4j_settings(neo4j_endpoint))
    try:
        yield store
    finally:
        store.close()


def _revision(endpoint: Neo4jEndpoint) -> Any:
    with GraphDatabase.driver(endpoint.uri, auth=endpoint.auth) as driver:
        records = driver.execute_query(
            "MATCH (m:SchemaMeta {id: 'revision'}) RETURN m.revision AS revision"
        ).records
    return records[0]["revision"] if records else None


def _db_hits(endpoint: Neo4jEndpoint) -> int:
    with GraphDatabase.driver(endpoint.uri, auth=endpoint.auth) as driver:
        profile = driver.execute_query("PROFILE " + PASSAGES_STAMP).summary.profile
    assert profile is not None

    def hits(plan: dict[str, Any]) -> int:
        return int(plan.get("dbHits", 0)) + sum(hits(c) for c in plan.get("children", []))

    return hits(profile)


def _mentioning(source: str, *entities: Any) -> WriteBatch:
    doc, chunk = document(source, "Acme Corp and friends compete.")
    return WriteBatch(
        documents=(doc,),
        chunks=(chunk,),
        entities=entities,
        mentions=tuple(MentionRecord(chunk_id=chunk.id, entity_id=e.id) for e in entities),
    )


def test_the_stamp_reads_as_much_on_a_large_graph_as_on_a_small_one(
    neo4j_store: GraphStore, neo4j_endpoint: Neo4jEndpoint
) -> None:
    neo4j_store.write(_mentioning("docs/one.txt", ACME))
    small = _db_hits(neo4j_endpoint)
    many = tuple(entity(f"Vendor {n:04d}") for n in range(2000))
    neo4j_store.write(WriteBatch(entities=many))
    neo4j_store.write(_mentioning("docs/two.txt", *many[:50]))
    neo4j_store.set_status([e.id for e in many[:500]], Status.REJECTED)
    assert _db_hits(neo4j_endpoint) == small


def test_answers_and_feedback_leave_the_stamp_and_passage_writes_move_it(
    neo4j_store: GraphStore, neo4j_endpoint: Neo4jEndpoint
) -> None:
    assert _revision(neo4j_endpoint) is None
    neo4j_store.write(_mentioning("docs/one.txt", ACME))
    assert _revision(neo4j_endpoint) == 1
    stamp = neo4j_store.passages_stamp()
    answer = ANSWER
    neo4j_store.save_answer(answer, [ACME.id])
    neo4j_store.record_feedback(
        FeedbackRecord(
            id=f"fbk_{1:020x}",
            answer_id=answer.id,
            verdict="helpful",
            actor="ana",
            role="analyst",
            created_at=T0,
        )
    )
    assert neo4j_store.passages_stamp() == stamp
    assert _revision(neo4j_endpoint) == 1
    # A status change reads no differently in the counts: the revision is what moves.
    neo4j_store.set_status([ACME.id], Status.REJECTED)
    assert _revision(neo4j_endpoint) == 2
    assert neo4j_store.passages_stamp() != stamp
    # A write refused inside its transaction leaves the revision where it was.
    with pytest.raises(Exception, match="not stored"):
        neo4j_store.save_answer(
            answer.model_copy(update={"id": "ans_1123456789abcdef0123"}),
            [stable_id(Label.ENTITY, "nobody")],
        )
    assert _revision(neo4j_endpoint) == 2


def test_concurrent_writers_each_bump_the_revision_once(
    neo4j_store: GraphStore, neo4j_endpoint: Neo4jEndpoint
) -> None:
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for k in range(5):
                neo4j_store.write(_mentioning(f"docs/{n}-{k}.txt", ACME, entity(f"Rival {n}")))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert _revision(neo4j_endpoint) == 20
    assert len(neo4j_store.list_passages()) == 20
