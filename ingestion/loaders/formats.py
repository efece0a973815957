"""Readers per file format: bytes in, plain text and a title out (before normalisation).

Each reader raises :class:`UnreadableFile` with a reason a person can act on; the loader turns it
into a skipped-file entry and goes on with the next file.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Final

from bs4 import BeautifulSoup

MEDIA_TYPES: Final[dict[str, str]] = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
}

_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "head", "svg", "iframe", "button")
_BLOCK_TAGS = (
    "p", "div", "section", "article", "header", "footer", "li", "ul", "ol", "table", "tr",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "br", "hr", "dd", "dt", "main",
)  # fmt: skip
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.MULTILINE)
_MD_FENCE = re.compile(r"^[ \t]*(```|~~~).*$", re.MULTILINE)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_REF_DEF = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]+\S+.*$", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(?<!\w)(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_MD_BULLET = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.MULTILINE)
_MD_QUOTE = re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE)
_MD_RULE = re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$", re.MULTILINE)
_MD_TABLE_RULE = re.compile(
    r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.MULTILINE
)
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


class UnreadableFile(Exception):
    """A file that cannot be read as a document; ``reason`` says why and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Extracted:
    """Plain text of a file and its title ("" when the file has none)."""

    text: str
    title: str


def decode_text(data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), or UTF-16 with a BOM.

    Raises:
        UnreadableFile: the bytes are in another encoding; the reason names the byte offset.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"invalid UTF-16 at byte {exc.start}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"not UTF-8 (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8"
        ) from exc


def read_plain(data: bytes) -> Extracted:
    """Plain text; the title is the first non-empty line when it is short."""
    text = decode_text(data)
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return Extracted(text, first if len(first) <= 120 else "")


def read_markdown(data: bytes) -> Extracted:
    """Markdown reduced to its visible text (headings, paragraphs, list items, link texts)."""
    text = decode_text(data)
    heading = _MD_HEADING.search(text)
    title = heading.group(1).strip() if heading else ""
    text = _MD_FENCE.sub("", text)
    text = _MD_REF_DEF.sub("", text)
    text = _MD_TABLE_RULE.sub("", text)
    text = _MD_RULE.sub("", text)
    text = _MD_HEADING.sub(lambda m: m.group(1), text)
    text = _MD_IMAGE.sub(lambda m: m.group(1), text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_BULLET.sub("", text)
    text = _MD_EMPHASIS.sub(lambda m: m.group(2), text)
    text = _HTML_TAG.sub("", text)
    text = "\n".join(line.strip(" |").replace(" | ", "; ") for line in text.split("\n"))
    return Extracted(text, title)


def read_html(data: bytes) -> Extracted:
    """The visible text of an HTML page; the title from ``<title>`` or the first ``<h1>``."""
    try:
        soup = BeautifulSoup(data, "html.parser")
    except Exception as exc:  # bs4 raises assorted parser errors on broken markup
        raise UnreadableFile(f"HTML that cannot be parsed: {exc}") from exc
    title_tag = soup.find("title") or soup.find("h1")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    for tag in soup(_INVISIBLE_TAGS):
        tag.decompose()
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n" if tag.name not in {"li", "br", "tr", "dd", "dt"} else "\n")
        tag.insert_after("\n")
    return Extracted(soup.get_text(""), title)


def read_pdf(data: bytes) -> Extracted:
    """The text layer of a PDF, page by page (pypdf); the title from its metadata."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile("encrypted PDF; save an unencrypted copy and ingest that")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
        title = str(meta.title) if meta is not None and meta.title else ""
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFile(f"unreadable PDF ({exc.__class__.__name__}: {exc})") from exc
    return Extracted("\n\n".join(pages), title.strip())


READERS = {
    "text/plain": read_plain,
    "text/markdown": read_markdown,
    "text/html": read_html,
    "application/pdf": read_pdf,
}
