"""Putting uploaded files and texts on disk for an ingestion job, before the job exists.

Only the file's base name survives from the client (as the document's source); the stored path
is the job's folder plus a position and the name's suffix, so a name like ``../../etc/passwd``
goes nowhere.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Final

from api.schemas.documents import TextDocumentRequest
from kag.state import NewItem

_UNSAFE: Final = re.compile(r"[^\w.\- ()+,@]")
_COPY_CHUNK: Final = 1024 * 1024


def safe_name(filename: str | None, position: int) -> str:
    """The base name of an uploaded file with unusual characters replaced (``upload-<n>`` when
    nothing usable is left). Its type is checked by ingestion, which reports an unsupported or
    unreadable file in the job with the reason, as it does for files in a folder."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = _UNSAFE.sub("_", base)[:200].strip(" .")
    return name or f"upload-{position + 1}"


def _durable_copy(source: BinaryIO, target: Path) -> int:
    with target.open("wb") as out:
        shutil.copyfileobj(source, out, _COPY_CHUNK)
        out.flush()
        os.fsync(out.fileno())
        return out.tell()


def save_files(folder: Path, files: Sequence[tuple[str | None, BinaryIO]]) -> list[NewItem]:
    """Write uploaded files into ``folder``; one job item each. Two files with one name are
    one document: ingestion takes the first and reports the second as skipped."""
    items = []
    for position, (filename, stream) in enumerate(files):
        name = safe_name(filename, position)
        # The loader tells the type by the suffix (and reports one it cannot read).
        path = folder / f"{position:05d}{Path(name).suffix.lower()}"
        size = _durable_copy(stream, path)
        meta = {"kind": "file", "source": name}
        items.append(NewItem(name=name, path=path, size=size, meta=meta))
    return items


def save_texts(folder: Path, documents: Sequence[TextDocumentRequest]) -> list[NewItem]:
    """Write texts into ``folder``; one job item each (a repeated source is skipped by
    ingestion, as for files)."""
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
