"""Text normalisation: the one place that decides what "the document text" is.

Every character offset the engine stores (chunks, evidence spans) points into the text this module
returns, so it must be deterministic: Unicode NFC, ``\\n`` line endings, no control characters,
single spaces inside lines, at most one blank line between paragraphs, no leading or trailing
whitespace.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_LINE_ENDINGS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
# Control characters other than newline and tab; tab becomes a space below.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """The normalised form of ``text`` that all offsets point into."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_ENDINGS.sub("\n", text)
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def content_hash(text: str) -> str:
    """The identity of a document's content: SHA-256 of its normalised text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
