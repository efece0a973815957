"""Chunking a normalised document into pieces with stable ids and exact character offsets.

Chunks hold whole paragraphs up to ``max_chars``; a longer paragraph is cut at sentence ends,
and a sentence longer than that at a space. A chunk's id depends only on its document, the
document version and its position, so re-chunking the same version gives the same ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graph_schema import Label, stable_id
from ingestion.models import Chunk

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[])")


def chunk_id(document_id: str, version: int, position: int) -> str:
    """The id of chunk ``position`` of ``document_id`` at ``version``."""
    return stable_id(Label.CHUNK, document_id, str(version), str(position))


def _pieces(text: str, start: int, end: int, pattern: re.Pattern[str]) -> Iterator[int]:
    """Cut points (offsets where a new piece starts) within ``text[start:end]``."""
    for match in pattern.finditer(text, start, end):
        yield match.end()


def _spans(text: str, max_chars: int) -> Iterator[tuple[int, int]]:
    """Spans of at most ``max_chars`` that never cut inside a word unless a word is longer."""
    cuts = sorted({*_pieces(text, 0, len(text), _PARAGRAPH_BREAK), len(text)})
    start = 0
    for cut in cuts:
        yield from _fit(text, start, cut, max_chars)
        start = cut


def _fit(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Sentence groups of at most ``max_chars`` covering ``text[start:end]``."""
    if end - start <= max_chars:
        yield start, end
        return
    bounds = [c for c in _pieces(text, start, end, _SENTENCE_END) if start < c < end]
    begin = previous = start
    for bound in [*bounds, end]:
        if bound - begin > max_chars:
            if previous > begin:
                yield begin, previous
                begin = previous
            if bound - begin > max_chars:  # one sentence longer than a chunk
                yield from _hard_split(text, begin, bound, max_chars)
                begin = bound
        previous = bound
    if begin < end:
        yield begin, end


def _hard_split(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Cut an over-long sentence at spaces (inside a word only when a word is that long)."""
    while end - start > max_chars:
        space = text.rfind(" ", start + 1, start + max_chars)
        cut = space + 1 if space > start else start + max_chars
        yield start, cut
        start = cut
    if start < end:
        yield start, end


def chunk_text(
    document_id: str, version: int, text: str, *, max_chars: int, overlap: int = 0
) -> list[Chunk]:
    """Chunks of a normalised document text.

    Small pieces (paragraphs, sentences) are packed together up to ``max_chars``; with
    ``overlap`` > 0 each chunk also repeats up to that many characters of the one before.
    """
    packed: list[tuple[int, int]] = []
    for start, end in _spans(text, max_chars):
        if packed and end - packed[-1][0] <= max_chars:
            packed[-1] = (packed[-1][0], end)
        else:
            packed.append((start, end))
    chunks: list[Chunk] = []
    for position, (start, end) in enumerate(packed):
        if overlap and position:
            back = text.find(" ", max(packed[position - 1][0], start - overlap), start)
            start = back + 1 if 0 <= back < start else start
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            chunks.append(
                Chunk(
                    id=chunk_id(document_id, version, len(chunks)),
                    document_id=document_id,
                    version=version,
                    position=len(chunks),
                    start=start,
                    end=end,
                    text=text[start:end],
                )
            )
    return chunks
