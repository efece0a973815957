"""Putting uploaded files and texts on disk for an ingestion job, before the job exists.

Only the file's base name survives from the client (as the document's source); the stored path
is the job's folder plus a position, so a name like ``../../etc/passwd`` goes nowhere.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Final

from api.schemas.documents import TextDocumentRequest
from ingestion.loaders import MEDIA_TYPES
from kag.errors import InvalidInput
from kag.state import NewItem

_UNSAFE: Final = re.compile(r"[^\w.\- ()+,@]")
_COPY_CHUNK: Final = 1024 * 1024


def safe_name(filename: str | None) -> str:
    """The base name of an uploaded file, with unusual characters replaced.

    Raises:
        InvalidInput: no usable name, or a type ingestion cannot read.
    """
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = _UNSAFE.sub("_", base)[:200].strip(" .")
    if not name:
        raise InvalidInput(f"an uploaded file has no usable name ({filename!r}); name the file")
    suffix = Path(name).suffix.lower()
    if suffix not in MEDIA_TYPES:
        supported = ", ".join(sorted(MEDIA_TYPES))
        raise InvalidInput(
            f"file {name!r} has an unsupported type {suffix or '(no suffix)'}; "
            f"supported: {supported}"
        )
    return name


def _durable_copy(source: BinaryIO, target: Path) -> int:
    with target.open("wb") as out:
        shutil.copyfileobj(source, out, _COPY_CHUNK)
        out.flush()
        os.fsync(out.fileno())
        return out.tell()


def save_files(folder: Path, files: Sequence[tuple[str | None, BinaryIO]]) -> list[NewItem]:
    """Write uploaded files into ``folder``; one job item each.

    Raises:
        InvalidInput: a file has no usable name or type, or two files share a name.
    """
    names = [safe_name(filename) for filename, _ in files]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidInput(
            f"two uploaded files are named {duplicates[0]!r}; a name is the document's "
            "identity, so rename one or upload them separately"
        )
    items = []
    for position, (name, (_, stream)) in enumerate(zip(names, files, strict=True)):
        path = folder / f"{position:05d}{Path(name).suffix.lower()}"
        size = _durable_copy(stream, path)
        items.append(
            NewItem(name=name, path=path, size=size, meta={"kind": "file", "source": name})
        )
    return items


def save_texts(folder: Path, documents: Sequence[TextDocumentRequest]) -> list[NewItem]:
    """Write texts into ``folder``; one job item each.

    Raises:
        InvalidInput: two texts share a source.
    """
    sources = [d.source for d in documents]
    duplicates = sorted({s for s in sources if sources.count(s) > 1})
    if duplicates:
        raise InvalidInput(
            f"two texts have the source {duplicates[0]!r}; a source is the document's "
            "identity, so give each text its own"
        )
    items = []
    for position, doc in enumerate(documents):
        path = folder / f"{position:05d}.txt"
        data = doc.text.encode("utf-8")
        with path.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        meta = {"kind": "text", "source": doc.source, "media_type": doc.media_type}
        if doc.title:
            meta["title"] = doc.title
        items.append(NewItem(name=doc.source, path=path, size=len(data), meta=meta))
    return items
