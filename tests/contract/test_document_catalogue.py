"""Contract of ``list_documents`` (the API's document catalogue) on both backends."""

from __future__ import annotations

from graph_schema import Label, Status, stable_id
from graph_schema.properties import EntityRecord, MentionRecord
from kag.store import GraphStore, WriteBatch
from tests.contract.test_curation_store_ops import decision
from tests.contract.test_document_versions import (
    ACME,
    ACQUIRED,
    COMPETES,
    DOC_ID,
    SUPPLIED,
    V1,
    V2,
    _batch,
)
from tests.support.builders import document, entity, evidence, relation

HOOLI = entity("Hooli")
PARTNERS = relation(HOOLI, "PARTNERS_WITH", ACME, status=Status.APPROVED)
OTHER_TEXT = "Hooli partners with Acme Corp."


def _other() -> WriteBatch:
    doc, chunk = document("archive/a-first.txt", OTHER_TEXT)
    return WriteBatch(
        documents=(doc,),
        chunks=(chunk,),
        entities=(HOOLI, ACME),
        assertions=(PARTNERS,),
        evidence=(evidence(PARTNERS, chunk, "Hooli partners with Acme Corp"),),
    )


def test_documents_in_source_order_with_live_counts(store: GraphStore) -> None:
    store.write(_other())
    v1 = _batch(1, V1, (COMPETES, "Acme Corp competes with Globex"), (SUPPLIED, "Globex is"))
    store.replace_document(v1, DOC_ID, 1)
    page = store.list_documents()
    assert page.total == 2
    assert [d.document.props["source"] for d in page.items] == [
        "archive/a-first.txt",
        "notes/market.txt",
    ]
    other, market = page.items
    assert (other.chunks, other.assertions, other.statuses) == (1, 1, {"approved": 1})
    assert market.document.label is Label.DOCUMENT
    assert market.document.props["version"] == 1
    assert (market.chunks, market.assertions) == (1, 2)
    assert market.statuses == {"approved": 1, "proposed": 1}

    # A new version: the counts follow the live chunks only.
    v2 = _batch(2, V2, (SUPPLIED, "Globex is supplied"), (ACQUIRED, "Initech acquired"))
    store.replace_document(v2, DOC_ID, 2)
    [market] = store.list_documents(ids=[DOC_ID]).items
    assert market.document.props["version"] == 2
    assert (market.chunks, market.assertions) == (1, 2)
    assert market.statuses == {"approved": 1, "proposed": 1}


def test_paging_and_ids(store: GraphStore) -> None:
    store.write(_other())
    store.replace_document(_batch(1, V1, (COMPETES, "Acme Corp competes")), DOC_ID, 1)
    first = store.list_documents(limit=1)
    second = store.list_documents(offset=1, limit=1)
    beyond = store.list_documents(offset=5, limit=10)
    assert (first.total, second.total, beyond.total) == (2, 2, 2)
    assert [d.document.id for d in first.items] == [
        stable_id(Label.DOCUMENT, "archive/a-first.txt")
    ]
    assert [d.document.id for d in second.items] == [DOC_ID]
    assert beyond.items == ()
    missing = store.list_documents(ids=["doc_00000000000000000000"])
    assert (missing.total, missing.items) == (0, ())
    assert store.list_documents(limit=0).items == ()


def test_a_document_without_chunks_counts_zero(store: GraphStore) -> None:
    doc, _ = document("empty.txt", "x")
    store.write(WriteBatch(documents=(doc,)))
    [summary] = store.list_documents().items
    assert (summary.chunks, summary.assertions, summary.statuses) == (0, 0, {})


def _mentioned(text: str, source: str, *entities: EntityRecord) -> WriteBatch:
    doc, chunk = document(source, text)
    return WriteBatch(
        documents=(doc,),
        chunks=(chunk,),
        entities=entities,
        mentions=tuple(MentionRecord(chunk_id=chunk.id, entity_id=e.id) for e in entities),
    )


def test_passages_are_live_chunks_with_their_mentions(store: GraphStore) -> None:
    rejected = entity("Vandelay", status=Status.REJECTED)
    store.write(_mentioned(OTHER_TEXT, "archive/a-first.txt", HOOLI, ACME, rejected))
    store.replace_document(_batch(1, V1, (COMPETES, "Acme Corp competes")), DOC_ID, 1)
    store.replace_document(_batch(2, V2, (SUPPLIED, "Globex is supplied")), DOC_ID, 2)

    passages = store.list_passages()
    assert [p.chunk_id for p in passages] == sorted(p.chunk_id for p in passages)
    by_source = {p.document_source: p for p in passages}
    # The retired v1 chunk of notes/market.txt is not a passage; its v2 chunk is.
    assert sorted(by_source) == ["archive/a-first.txt", "notes/market.txt"]
    market = by_source["notes/market.txt"]
    assert (market.version, market.text, market.document_id) == (2, V2, DOC_ID)
    assert market.end - market.start == len(market.text)
    first = by_source["archive/a-first.txt"]
    assert first.text == OTHER_TEXT
    # Mentions of usable entities only (a rejected entity is not a way into the text), sorted.
    assert first.entity_ids == tuple(sorted((HOOLI.id, ACME.id)))
    assert market.entity_ids == ()


def test_passages_page_by_chunk_id(store: GraphStore) -> None:
    for i in range(5):
        store.write(_mentioned(f"Text number {i}.", f"docs/{i}.txt", HOOLI))
    everything = [p.chunk_id for p in store.list_passages()]
    assert len(everything) == 5
    first = store.list_passages(limit=2)
    rest = store.list_passages(after=first[-1].chunk_id, limit=10)
    assert [p.chunk_id for p in first + rest] == everything
    assert store.list_passages(after=everything[-1]) == []
    assert store.list_passages(limit=0) == []


def test_passages_stamp_changes_with_the_passages(store: GraphStore) -> None:
    empty = store.passages_stamp()
    assert store.passages_stamp() == empty  # reading changes nothing
    store.write(_mentioned(OTHER_TEXT, "archive/a-first.txt", HOOLI, ACME))
    written = store.passages_stamp()
    assert written != empty
    # A new version of a document retires its chunks: other passages.
    store.replace_document(_batch(1, V1, (COMPETES, "Acme Corp competes")), DOC_ID, 1)
    first = store.passages_stamp()
    store.replace_document(WriteBatch(documents=(_batch(2, V2).documents[0],)), DOC_ID, 2)
    assert [p.document_source for p in store.list_passages()] == ["archive/a-first.txt"]
    retired = store.passages_stamp()
    assert len({empty, written, first, retired}) == 4
    # A rejected entity is no longer a way into the text.
    store.set_status([HOOLI.id], Status.REJECTED)
    assert store.list_passages()[0].entity_ids == (ACME.id,)
    rejected = store.passages_stamp()
    assert rejected not in {empty, written, first, retired}
    # So is an expert's decision that brings it back.
    store.record_decision(decision(HOOLI.id, "restore hooli"), {HOOLI.id: Status.APPROVED})
    assert store.list_passages()[0].entity_ids == tuple(sorted((ACME.id, HOOLI.id)))
    assert store.passages_stamp() != rejected
