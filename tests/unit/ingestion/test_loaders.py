"""Loading files and texts: formats, normalisation, per-file problems, discovery and sources."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ingestion.loaders import (
    SkippedFile,
    content_hash,
    discover,
    load_file,
    load_text,
    normalise_text,
    source_of,
)
from ingestion.models import LoadedDocument
from tests.support.pdf import text_pdf

LIMIT = 1_000_000


def _load(path: Path, limit: int = LIMIT) -> LoadedDocument:
    loaded = load_file(path, max_bytes=limit)
    assert isinstance(loaded, LoadedDocument), loaded
    return loaded


def _skipped(path: Path, limit: int = LIMIT) -> SkippedFile:
    loaded = load_file(path, max_bytes=limit)
    assert isinstance(loaded, SkippedFile), loaded
    return loaded


def test_normalisation_is_what_offsets_point_into() -> None:
    raw = "Cafe\u0301  costs\r\n\r\n\r\n\tmore\u00a0than\u200b before.\r\n"
    text = normalise_text(raw)
    assert text == "Caf\u00e9 costs\n\nmore than before."
    assert normalise_text(text) == text  # idempotent
    assert content_hash(text) == content_hash(normalise_text(raw))


def test_plain_text_and_title(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Market note\n\nAcme competes with Globex.\n", encoding="utf-8")
    doc = _load(path)
    assert doc.text == "Market note\n\nAcme competes with Globex."
    assert doc.title == "Market note"
    assert doc.media_type == "text/plain"
    assert doc.source == path.resolve().as_posix()


def test_markdown_keeps_visible_text_only(tmp_path: Path) -> None:
    path = tmp_path / "profile.md"
    path.write_text(
        "# Profile: Acme\n\n*Prepared by CI.*\n\n- **Acme** competes with [Globex](http://x.io).\n"
        "\n```\ncode\n```\n",
        encoding="utf-8",
    )
    doc = _load(path)
    assert doc.title == "Profile: Acme"
    assert doc.text == "Profile: Acme\n\nPrepared by CI.\n\nAcme competes with Globex.\n\ncode"


def test_html_visible_text(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Fernhill</title><style>p{}</style><script>var x=1</script></head>"
        "<body><h1>Fernhill Capital</h1><p>Fernhill invested in <b>Pellmark</b>.</p>"
        "<ul><li>One</li><li>Two</li></ul></body></html>",
        encoding="utf-8",
    )
    doc = _load(path)
    assert doc.title == "Fernhill"
    assert "var x" not in doc.text
    assert "p{}" not in doc.text
    assert "Fernhill invested in Pellmark." in doc.text
    assert doc.text.splitlines()[0] == "Fernhill Capital"


def test_pdf_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "brief.pdf"
    path.write_bytes(text_pdf(["Orvik Sensors is headquartered in Gdansk."], title="Brief"))
    doc = _load(path)
    assert "Orvik Sensors is headquartered in Gdansk." in doc.text
    assert doc.title == "Brief"
    assert doc.media_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("latin1.txt", "caf\u00e9".encode("latin-1"), "not UTF-8 (invalid byte 0xe9 at offset 3)"),
        ("empty.md", b"  \n\n ", "no text in the file"),
        ("slides.pptx", b"PK..", "unsupported file type '.pptx'"),
        ("broken.pdf", b"%PDF-1.4 garbage", "unreadable PDF"),
        ("blank.pdf", text_pdf([]), "no text in the file (a scanned PDF has no text layer"),
    ],
)
def test_bad_files_are_skipped_with_the_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert reason in _skipped(path).reason


def test_oversized_file_names_the_limit_and_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 100, encoding="utf-8")
    reason = _skipped(path, limit=100).reason
    assert "500 bytes, over the limit of 100 bytes" in reason
    assert "KAG_INGESTION__MAX_FILE_BYTES" in reason


def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "folder.txt"  # a folder where a file was expected: reading fails
    path.mkdir()
    assert "cannot read the file" in _skipped(path).reason


def test_discovery_recursive_with_globs_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    for rel in ("one.md", "a/two.txt", "a/b/three.md", ".git/x.md", "a/.hidden.md"):
        (tmp_path / rel).write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p, _, _ in discover([tmp_path])]
    assert found == ["one.md", "a/two.txt", "a/b/three.md"]
    only_md = [p.name for p, _, _ in discover([tmp_path], ["*.md"])]
    assert only_md == ["one.md", "three.md"]
    nested = [p.name for p, _, _ in discover([tmp_path], ["a/*.md"])]
    assert nested == ["three.md"]
    [(_path, _, problem)] = list(discover([tmp_path / "missing"]))
    assert problem is not None
    assert "no such file or folder" in problem.reason


def test_folders_without_a_file_to_load_are_reported(tmp_path: Path) -> None:
    (tmp_path / "empty" / ".git").mkdir(parents=True)
    (tmp_path / "empty" / ".git" / "x.md").write_text("x", encoding="utf-8")  # hidden: ignored
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x", encoding="utf-8")
    [(path, _, problem)] = list(discover([tmp_path / "empty"]))
    assert path == tmp_path / "empty"
    assert problem is not None
    assert problem.reason == "the folder holds no file to ingest"
    [(_, _, problem)] = list(discover([tmp_path / "notes"], ["*.md", "*.pdf"]))
    assert problem is not None
    assert problem.reason == "the folder holds no file matching *.md, *.pdf"
    found = list(discover([tmp_path / "notes"], ["*.txt"]))
    assert [(p.name, problem) for p, _, problem in found] == [("a.txt", None)]


def test_a_folder_that_cannot_be_listed_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Permissions cannot make a folder unreadable for root (the tests may run as root), so the
    # listing of one subfolder fails the way os.scandir fails on a folder without read access.
    (tmp_path / "docs" / "locked").mkdir(parents=True)
    (tmp_path / "docs" / "a.md").write_text("x", encoding="utf-8")
    (tmp_path / "docs" / "locked" / "b.md").write_text("x", encoding="utf-8")
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = list(discover([tmp_path / "docs"]))
    assert [(p.name, problem is None) for p, _, problem in found] == [
        ("a.md", True),
        ("locked", False),
    ]
    problem = found[1][2]
    assert problem is not None
    assert problem.source == str(tmp_path / "docs" / "locked")
    assert problem.reason.startswith("cannot list the folder: Permission denied")


def test_sources_are_relative_to_the_folder_given(tmp_path: Path) -> None:
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    file = tmp_path / "docs" / "sub" / "x.md"
    file.write_text("x", encoding="utf-8")
    [(path, root, _)] = list(discover([tmp_path / "docs"]))
    assert source_of(path, root) == "sub/x.md"
    [(path, root, _)] = list(discover([file]))
    assert source_of(path, root) == "x.md"
    assert source_of(path, tmp_path / "elsewhere") == file.resolve().as_posix()


def test_load_text() -> None:
    doc = load_text("api://memo-1", "  Acme competes with Globex.  ", max_bytes=100)
    assert isinstance(doc, LoadedDocument)
    assert doc.text == "Acme competes with Globex."
    assert doc.title == "Acme competes with Globex."
    assert isinstance(load_text("api://empty", " \n "), SkippedFile)
    too_big = load_text("api://big", "x" * 200, max_bytes=100)
    assert isinstance(too_big, SkippedFile)
    assert "over the limit" in too_big.reason
