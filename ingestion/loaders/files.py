"""Finding and loading document files: single files or folders (recursive), glob filters.

A file that cannot be used (missing, unreadable, not UTF-8, empty, over the size limit, of an
unsupported type) becomes a :class:`SkippedFile` with the reason; the other files still load.
"""

from __future__ import annotations

import fnmatch
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ingestion.loaders.formats import MEDIA_TYPES, READERS, UnreadableFile
from ingestion.loaders.normalise import content_hash, normalise_text
from ingestion.models import LoadedDocument

logger = logging.getLogger(__name__)


class SkippedFile(BaseModel):
    """A file (or text) that was not ingested, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    reason: str


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 104_858 else f"{size:,} bytes"


def _matches(path: Path, root: Path, globs: Sequence[str]) -> bool:
    """Whether a file found under ``root`` passes the glob filters (all pass when none given).

    A pattern without ``/`` is matched against the file name, one with ``/`` against the path
    relative to the folder given (``*`` also crosses folders, so ``docs/*.md`` finds nested files).
    """
    if not globs:
        return True
    relative = path.relative_to(root).as_posix()
    return any(
        fnmatch.fnmatch(relative if "/" in g else path.name, g.removeprefix("**/")) for g in globs
    )


def discover(
    paths: Iterable[Path | str], globs: Sequence[str] = ()
) -> Iterator[tuple[Path, Path, SkippedFile | None]]:
    """Files to load as ``(file, root, problem)``, in a stable order: each path given, folders
    walked recursively. ``root`` is the folder given (or a file's own folder): sources are
    relative to it.

    Hidden files and folders (``.git``, ``.DS_Store``) inside walked folders are ignored. Each
    of these is yielded with the reason it is skipped, so that nothing given is passed over
    silently: a path that does not exist, a folder (or subfolder) that cannot be listed, and a
    folder given that holds no file to load (none at all, or none the ``globs`` match).
    """
    for given in paths:
        path = Path(given)
        if path.is_dir():
            unlisted: list[OSError] = []
            files = 0
            for folder, dirs, names in os.walk(path, onerror=unlisted.append):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    file = Path(folder) / name
                    if not name.startswith(".") and _matches(file, path, globs):
                        files += 1
                        yield file, path, None
            for error in unlisted:
                yield _problem(
                    Path(error.filename) if error.filename else path,
                    path,
                    f"cannot list the folder: {error.strerror or error}; its files were not "
                    "ingested (check its permissions)",
                )
            if not files and not unlisted:
                wanted = f"matching {', '.join(globs)}" if globs else "to ingest"
                yield _problem(path, path, f"the folder holds no file {wanted}")
        elif path.is_file():
            yield path, path.parent, None
        else:
            yield _problem(path, path.parent, "no such file or folder; check the path")


def _problem(path: Path, root: Path, reason: str) -> tuple[Path, Path, SkippedFile]:
    """A ``discover`` entry for a path given (or found) that is skipped, with the reason."""
    return path, root, SkippedFile(source=str(path), reason=reason)


def source_of(path: Path, root: Path | None = None) -> str:
    """The document source of a file: its path relative to ``root`` with ``/`` separators (the
    folder that was ingested), else its absolute path. The same file ingested from the same
    folder gets the same source, so re-ingestion finds it again."""
    resolved = path.resolve()
    if root is not None:
        try:
            return resolved.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return resolved.as_posix()


def load_file(
    path: Path, *, max_bytes: int, source: str | None = None
) -> LoadedDocument | SkippedFile:
    """Load and normalise one file, or say why it is skipped (``source`` defaults to the
    file's absolute path)."""
    source = source or source_of(path)
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        supported = ", ".join(sorted(MEDIA_TYPES))
        kind = f"'{path.suffix}'" if path.suffix else "without a suffix"
        return SkippedFile(
            source=source, reason=f"unsupported file type {kind} (supported: {supported})"
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return SkippedFile(
                source=source,
                reason=f"file is {_megabytes(size)}, over the limit of {_megabytes(max_bytes)} "
                "(raise KAG_INGESTION__MAX_FILE_BYTES to ingest it)",
            )
        data = path.read_bytes()
    except OSError as exc:
        return SkippedFile(source=source, reason=f"cannot read the file: {exc.strerror or exc}")
    try:
        extracted = READERS[media_type](data)
    except UnreadableFile as exc:
        return SkippedFile(source=source, reason=exc.reason)
    text = normalise_text(extracted.text)
    if not text:
        hint = " (a scanned PDF has no text layer; run OCR first)" if path.suffix == ".pdf" else ""
        return SkippedFile(source=source, reason=f"no text in the file{hint}")
    title = normalise_text(extracted.title) or path.stem
    logger.debug("loaded %s (%d chars)", source, len(text))
    return LoadedDocument(
        source=source,
        title=title[:300],
        media_type=media_type,
        text=text,
        content_hash=content_hash(text),
    )


def load_text(
    source: str,
    text: str,
    *,
    title: str | None = None,
    media_type: str = "text/plain",
    max_bytes: int | None = None,
) -> LoadedDocument | SkippedFile:
    """A document from text held in memory (notebooks, the REST API, benchmarks)."""
    if not source.strip():
        return SkippedFile(source=source, reason="a text needs a non-empty source name")
    size = len(text.encode("utf-8"))
    if max_bytes is not None and size > max_bytes:
        return SkippedFile(
            source=source,
            reason=f"text is {_megabytes(size)}, over the limit of {_megabytes(max_bytes)} "
            "(raise KAG_INGESTION__MAX_FILE_BYTES to ingest it)",
        )
    normalised = normalise_text(text)
    if not normalised:
        return SkippedFile(source=source, reason="the text is empty")
    first = normalised.split("\n", 1)[0]
    return LoadedDocument(
        source=source,
        title=(title or (first if len(first) <= 120 else source))[:300],
        media_type=media_type,
        text=normalised,
        content_hash=content_hash(normalised),
    )
