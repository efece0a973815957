"""The text of a sample document as the gold graph sees it (the text quotes and offsets refer to).

Markdown and plain text are taken as written (UTF-8, line endings normalised to ``\\n``). For HTML
only the visible text counts: every innermost block element (heading, paragraph, list item, table
cell, ...) becomes one line with its whitespace collapsed, blocks separated by a blank line; the
``<head>`` (title, styles, scripts) is left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from bs4 import BeautifulSoup, Tag

from kag.errors import InvalidInput

MEDIA_TYPES: Final[dict[str, str]] = {
    ".md": "text/markdown",
    ".txt": "text/plain",
    ".html": "text/html",
}
_BLOCKS: Final[frozenset[str]] = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "dt", "dd", "caption",
     "blockquote", "pre", "figcaption"}
)  # fmt: skip


def media_type(path: Path) -> str:
    """The media type of a sample document, from its suffix.

    Raises:
        InvalidInput: the suffix is not one the sample corpus uses.
    """
    try:
        return MEDIA_TYPES[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(MEDIA_TYPES))
        raise InvalidInput(
            f"sample document {path.name} has suffix {path.suffix!r}; use one of {known}"
        ) from None


def visible_html_text(html: str) -> str:
    """The visible text of an HTML page: one line per innermost block, blank lines between."""
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup.find_all(["head", "script", "style", "template", "noscript"]):
        hidden.decompose()
    lines: list[str] = []
    for block in soup.find_all(list(_BLOCKS)):
        if not isinstance(block, Tag) or block.find(list(_BLOCKS)) is not None:
            continue  # an outer block: its inner blocks are taken one by one
        line = " ".join(block.get_text().split())
        if line:
            lines.append(line)
    return "\n\n".join(lines) + "\n" if lines else ""


def document_text(path: Path) -> str:
    """The text of a sample document that quotes and character offsets point into.

    Raises:
        InvalidInput: the file cannot be read as UTF-8 or has an unknown suffix.
    """
    kind = media_type(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"cannot read sample document {path}: {exc}; reinstall kag-advisory to restore it"
        ) from exc
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return visible_html_text(raw) if kind == "text/html" else raw


def document_title(path: Path, text: str) -> str:
    """The first heading (Markdown ``#``, first HTML block, first line of text), else the name."""
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped:
            return stripped
    return path.stem
