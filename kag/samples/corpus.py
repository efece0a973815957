"""Locating and loading the shipped sample corpus: documents, gold facts, golden questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from pydantic import TypeAdapter, ValidationError

from kag.errors import ConfigurationError
from kag.samples.models import GoldenQuestion, GoldFacts
from kag.samples.text import MEDIA_TYPES

#: The one corpus shipped today (competitive analysis of warehouse software vendors).
DEFAULT_CORPUS: Final[str] = "competitive"
_QUESTIONS: Final = TypeAdapter(tuple[GoldenQuestion, ...])


def corpus_root(name: str = DEFAULT_CORPUS) -> Path:
    """The folder of a shipped corpus (holding ``docs/``, ``facts.json``, ...).

    Raises:
        ConfigurationError: no corpus of that name is installed.
    """
    root = Path(__file__).resolve().parent / name
    if not (root / "docs").is_dir():
        raise ConfigurationError(
            f"sample corpus {name!r} is not installed at {root}; reinstall kag-advisory "
            f"(the corpus ships as package data) or use {DEFAULT_CORPUS!r}"
        )
    return root


def corpus_dir(name: str = DEFAULT_CORPUS) -> Path:
    """The folder of the sample documents (subfolders profiles/, market/, winloss/, ...)."""
    return corpus_root(name) / "docs"


def document_paths(docs: Path | None = None) -> list[str]:
    """Every document under ``docs`` (default :func:`corpus_dir`), relative with ``/``, sorted."""
    docs = docs or corpus_dir()
    return sorted(
        p.relative_to(docs).as_posix()
        for p in docs.rglob("*")
        if p.is_file() and p.suffix.lower() in MEDIA_TYPES
    )


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read {path}: {exc.strerror}; reinstall kag-advisory to restore it"
        ) from exc
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid JSON: {exc}; fix the file") from exc


def load_facts(path: Path | None = None) -> GoldFacts:
    """The gold facts of the sample corpus (or of the ``facts.json`` at ``path``).

    Raises:
        ConfigurationError: the file is missing, not JSON, or its facts are inconsistent
            (duplicate keys, undeclared entities, links to unknown facts); the message says which.
    """
    path = path or corpus_root() / "facts.json"
    try:
        return GoldFacts.model_validate(_read_json(path))
    except ValidationError as exc:
        raise ConfigurationError(f"gold facts {path} are not valid: {exc}") from exc


def load_golden_questions(path: Path | None = None) -> list[GoldenQuestion]:
    """The golden questions of the sample corpus (or of the file at ``path``).

    Raises:
        ConfigurationError: the file is missing, not JSON, or not a list of golden questions.
    """
    path = path or corpus_root() / "golden_questions.json"
    try:
        return list(_QUESTIONS.validate_python(_read_json(path)))
    except ValidationError as exc:
        raise ConfigurationError(f"golden questions {path} are not valid: {exc}") from exc
