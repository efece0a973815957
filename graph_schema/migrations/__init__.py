"""Versioned, idempotent schema migrations.

Each ``NNNN_name.cypher`` file is one version for Neo4j (statements separated by ``;``, ``//``
comments allowed). The embedded backend keys its own DDL by the same version numbers, so
:data:`SCHEMA_VERSION` means the same thing on both backends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.cypher$")


@dataclass(frozen=True)
class Migration:
    """One schema version: its number, name and Cypher statements."""

    version: int
    name: str
    statements: tuple[str, ...]


def _split(text: str) -> tuple[str, ...]:
    lines = [line for line in text.splitlines() if not line.strip().startswith("//")]
    return tuple(s.strip() for s in "\n".join(lines).split(";") if s.strip())


@cache
def migrations() -> tuple[Migration, ...]:
    """All migrations, in version order (versions are contiguous from 1)."""
    found: list[Migration] = []
    for entry in resources.files(__name__).iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append(
                Migration(
                    int(match.group(1)), match.group(2), _split(entry.read_text(encoding="utf-8"))
                )
            )
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration versions are not contiguous: {[m.version for m in found]}")
    return tuple(found)


def schema_version() -> int:
    """The schema version this code expects (the newest migration)."""
    return migrations()[-1].version
