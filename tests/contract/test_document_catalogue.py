"""Contract of ``list_documents`` (the API's document catalogue) on both backends."""

from __future__ import annotations

from graph_schema import Label, Status, stable_id
from kag.store import GraphStore, WriteBatch
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
