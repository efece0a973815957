"""Contract of the ingestion-support operations: catalogues, fingerprints, decisions and
``replace_document`` (versioning, supersede, revive, deletion), on both backends."""

from __future__ import annotations

import pytest

from graph_schema import Label, Layer, Status, stable_id
from graph_schema.properties import AssertionRecord, ChunkRecord, DecisionRecord, DocumentRecord
from kag.errors import InvalidInput
from kag.store import GraphStore, WriteBatch
from tests.support.builders import T0, entity, evidence, relation, statement

ACME = entity("Acme Corp", aliases=("Acme",))
GLOBEX = entity("Globex")
INITECH = entity("Initech")
COMPETES = relation(ACME, "COMPETES_WITH", GLOBEX, status=Status.PROPOSED)
SUPPLIED = relation(GLOBEX, "SUPPLIED_BY", INITECH, status=Status.APPROVED)
ACQUIRED = relation(INITECH, "ACQUIRED", ACME, status=Status.PROPOSED)
SOURCE = "notes/market.txt"
DOC_ID = stable_id(Label.DOCUMENT, SOURCE)


def _doc(version: int, text: str, source: str = SOURCE) -> tuple[DocumentRecord, ChunkRecord]:
    doc_id = stable_id(Label.DOCUMENT, source)
    doc = DocumentRecord(
        id=doc_id,
        source=source,
        title="market",
        media_type="text/plain",
        content_hash=f"h{version}-{len(text)}",
        version=version,
        char_count=len(text),
        created_at=T0,
        updated_at=T0,
    )
    chunk = ChunkRecord(
        id=stable_id(Label.CHUNK, doc_id, str(version), "0"),
        document_id=doc_id,
        version=version,
        position=0,
        start=0,
        end=len(text),
        text=text,
    )
    return doc, chunk


V1 = "Acme Corp competes with Globex. Globex is supplied by Initech."
V2 = "Globex is supplied by Initech. Initech acquired Acme Corp."


def _batch(version: int, text: str, *stated: tuple[AssertionRecord, str]) -> WriteBatch:
    """A one-chunk document version stating each (assertion, quote)."""
    doc, chunk = _doc(version, text)
    return WriteBatch(
        documents=(doc,),
        chunks=(chunk,),
        entities=(ACME, GLOBEX, INITECH),
        assertions=tuple(a for a, _ in stated),
        evidence=tuple(evidence(a, chunk, q) for a, q in stated),
    )


def _status(store: GraphStore, node_id: str) -> Status | None:
    [node] = store.get_nodes([node_id])
    return node.status


def test_new_version_supersedes_facts_whose_only_evidence_went(store: GraphStore) -> None:
    first = store.replace_document(
        _batch(
            1,
            V1,
            (COMPETES, "Acme Corp competes with Globex"),
            (SUPPLIED, "Globex is supplied by Initech"),
        ),
        DOC_ID,
        1,
    )
    assert first.superseded == ()
    assert first.written.nodes == 1 + 1 + 3 + 2
    second = store.replace_document(
        _batch(
            2,
            V2,
            (SUPPLIED, "Globex is supplied by Initech"),
            (ACQUIRED, "Initech acquired Acme Corp"),
        ),
        DOC_ID,
        2,
    )
    assert second.superseded == (COMPETES.id,)
    assert second.evidence_removed == 1  # SUPPLIED's link into version 1
    assert second.chunks_removed == 0  # version 1's chunk still backs the superseded fact
    assert _status(store, COMPETES.id) is Status.SUPERSEDED
    assert _status(store, SUPPLIED.id) is Status.APPROVED
    # the typed relationship is superseded too: it is no longer traversed as usable
    assert (
        store.paths_between(
            ACME.id, GLOBEX.id, max_hops=1, statuses=(Status.APPROVED, Status.PROPOSED)
        )
        == []
    )
    spans = store.evidence([COMPETES.id, SUPPLIED.id])
    assert [s.version for s in spans[COMPETES.id]] == [1]  # kept for audit
    assert [s.version for s in spans[SUPPLIED.id]] == [2]  # only the live span


def test_fact_back_in_a_later_version_is_revived_and_old_chunks_pruned(store: GraphStore) -> None:
    store.replace_document(_batch(1, V1, (COMPETES, "Acme Corp competes with Globex")), DOC_ID, 1)
    store.replace_document(_batch(2, V2, (SUPPLIED, "Globex is supplied by Initech")), DOC_ID, 2)
    assert _status(store, COMPETES.id) is Status.SUPERSEDED
    third = store.replace_document(
        _batch(3, V1, (COMPETES, "Acme Corp competes with Globex")), DOC_ID, 3
    )
    assert third.revived == (COMPETES.id,)
    assert third.superseded == (SUPPLIED.id,)
    assert _status(store, COMPETES.id) is Status.PROPOSED
    assert [s.version for s in store.evidence([COMPETES.id])[COMPETES.id]] == [3]
    assert third.chunks_removed == 1  # version 1's chunk lost its last evidence
    counts = store.counts()
    assert counts.nodes["Chunk"] == 2  # version 2 (backs the superseded SUPPLIED) and 3


def test_rejected_fact_stays_rejected_when_its_evidence_goes(store: GraphStore) -> None:
    store.replace_document(_batch(1, V1, (COMPETES, "Acme Corp competes with Globex")), DOC_ID, 1)
    store.set_status([COMPETES.id], Status.REJECTED)
    summary = store.replace_document(_batch(2, V2), DOC_ID, 2)
    assert summary.superseded == ()
    assert _status(store, COMPETES.id) is Status.REJECTED


def test_fact_evidenced_by_another_document_is_not_superseded(store: GraphStore) -> None:
    store.replace_document(_batch(1, V1, (COMPETES, "Acme Corp competes with Globex")), DOC_ID, 1)
    other_doc, other_chunk = _doc(1, "Acme Corp competes with Globex daily.", source="other.txt")
    store.replace_document(
        WriteBatch(
            documents=(other_doc,),
            chunks=(other_chunk,),
            evidence=(evidence(COMPETES, other_chunk, "Acme Corp competes with Globex"),),
        ),
        other_doc.id,
        1,
    )
    summary = store.replace_document(_batch(2, V2), DOC_ID, 2)
    assert summary.superseded == ()
    assert summary.evidence_removed == 1
    assert summary.chunks_removed == 1
    assert [s.document_source for s in store.evidence([COMPETES.id])[COMPETES.id]] == ["other.txt"]


def test_deleting_a_document_is_a_version_without_chunks(store: GraphStore) -> None:
    store.replace_document(
        _batch(
            1,
            V1,
            (COMPETES, "Acme Corp competes with Globex"),
            (SUPPLIED, "Globex is supplied by Initech"),
        ),
        DOC_ID,
        1,
    )
    doc, _ = _doc(2, "")
    deleted = doc.model_copy(update={"content_hash": "deleted", "char_count": 0})
    summary = store.replace_document(WriteBatch(documents=(deleted,)), DOC_ID, 2)
    assert summary.superseded == tuple(sorted([COMPETES.id, SUPPLIED.id]))
    [node] = store.get_nodes([DOC_ID])
    assert node.props["version"] == 2
    assert store.counts().statuses == {"superseded": 2}


def test_failed_replace_writes_nothing(store: GraphStore) -> None:
    store.replace_document(_batch(1, V1, (COMPETES, "Acme Corp competes with Globex")), DOC_ID, 1)
    before = store.counts()
    bad = relation(ACME, "COMPETES_WITH", GLOBEX).model_copy(update={"predicate": "LOVES"})
    with pytest.raises(InvalidInput, match="LOVES"):
        store.replace_document(_batch(2, V2, (bad, "Initech acquired Acme Corp")), DOC_ID, 2)
    assert store.counts() == before
    assert _status(store, COMPETES.id) is Status.PROPOSED


def test_catalogues_fingerprints_and_decisions(store: GraphStore) -> None:
    wisdom = statement(Layer.WISDOM, "Compete on integration, not price.")
    store.write(WriteBatch(entities=(GLOBEX, ACME, INITECH), assertions=(COMPETES, wisdom)))
    assert [e.id for e in store.list_entities()] == sorted([ACME.id, GLOBEX.id, INITECH.id])
    found = store.assertions_by_fingerprint([COMPETES.fingerprint, wisdom.fingerprint, "nope"])
    assert [n.id for n in found] == sorted([COMPETES.id, wisdom.id])
    assert store.assertions_by_fingerprint([]) == []
    merge = DecisionRecord(
        id=stable_id(Label.DECISION, "m1"),
        target_id=INITECH.id,
        action="merge",
        actor="expert",
        role="expert",
        after='{"into": "' + ACME.id + '"}',
        created_at="2026-01-02T00:00:00.000000Z",
    )
    reject = merge.model_copy(
        update={"id": stable_id(Label.DECISION, "r1"), "action": "reject", "created_at": T0}
    )
    store.record_decision(reject, {})
    store.record_decision(merge, {INITECH.id: Status.SUPERSEDED})
    assert [d.id for d in store.list_decisions(["merge", "split"])] == [merge.id]
    assert [d.id for d in store.list_decisions(["merge", "reject"])] == [reject.id, merge.id]
    assert store.list_decisions(["split"]) == []


def test_list_statements_by_layer_and_status(store: GraphStore) -> None:
    wisdom = statement(Layer.WISDOM, "Compete on integration, not price.")
    situation = statement(Layer.SITUATION, "A competitor undercuts our price.")
    proposed = statement(Layer.SITUATION, "A funded entrant cuts prices.").model_copy(
        update={"status": Status.PROPOSED}
    )
    rejected = statement(Layer.WISDOM, "Always match discounts.").model_copy(
        update={"status": Status.REJECTED}
    )
    store.write(
        WriteBatch(
            entities=(ACME, GLOBEX), assertions=(COMPETES, wisdom, situation, proposed, rejected)
        )
    )
    found = store.list_statements([Label.SITUATION, Label.WISDOM])
    assert [n.id for n in found] == sorted([wisdom.id, situation.id, proposed.id])
    assert [n.id for n in store.list_statements([Label.SITUATION], [Status.APPROVED])] == [
        situation.id
    ]
    assert store.list_statements([Label.KNOWLEDGE]) == []  # relations are not statements
    assert store.list_statements([]) == []
