"""Chunking: exact offsets, stable ids, size limits, overlap."""

from __future__ import annotations

import itertools

from graph_schema import Label, stable_id
from ingestion.chunking import chunk_id, chunk_text

DOC = stable_id(Label.DOCUMENT, "notes/x.md")


def test_chunks_point_into_the_text_and_respect_the_limit() -> None:
    text = ("Acme competes with Globex. " * 30).strip() + "\n\nShort paragraph.\n\n" + "y" * 450
    chunks = chunk_text(DOC, 1, text, max_chars=200)
    assert len(chunks) > 4
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 200
        assert chunk.text == chunk.text.strip()
    assert [c.position for c in chunks] == list(range(len(chunks)))
    covered = "".join(c.text for c in chunks).replace(" ", "").replace("\n", "")
    assert covered == text.replace(" ", "").replace("\n", "")  # nothing lost


def test_small_paragraphs_are_packed_and_sentences_kept_whole() -> None:
    text = "First paragraph.\n\nSecond paragraph.\n\n" + "A long sentence here. " * 10
    chunks = chunk_text(DOC, 1, text.strip(), max_chars=120)
    assert chunks[0].text.startswith("First paragraph.\n\nSecond paragraph.")
    assert all(c.text.endswith(".") for c in chunks)


def test_ids_depend_on_document_version_and_position_only() -> None:
    a = chunk_text(DOC, 1, "Alpha.\n\nBeta.", max_chars=200)
    b = chunk_text(DOC, 1, "Gamma.\n\nDelta.", max_chars=200)
    assert [c.id for c in a] == [c.id for c in b] == [chunk_id(DOC, 1, 0)]
    assert chunk_text(DOC, 2, "Alpha.", max_chars=200)[0].id != a[0].id
    assert a[0].id == stable_id(Label.CHUNK, DOC, "1", "0")


def test_overlap_repeats_the_end_of_the_previous_chunk() -> None:
    text = " ".join(f"word{i}." for i in range(200))
    chunks = chunk_text(DOC, 1, text, max_chars=200, overlap=40)
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end <= after.start + 40 + 1
        assert text[after.start : after.end] == after.text
