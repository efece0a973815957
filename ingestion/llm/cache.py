"""An on-disk cache of LLM answers, keyed by (model, prompt version, chunk hash).

Each answer is one JSON file named by the key's SHA-256; writes go through a temporary file and
an atomic rename, so a crash never leaves a half-written answer behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def cache_key(model: str, prompt_version: str, chunk_text: str) -> str:
    """The cache key of one chunk's answer."""
    chunk_hash = hashlib.sha256(chunk_text.encode("utf-8")).hexdigest()
    return hashlib.sha256(f"{model}\x1f{prompt_version}\x1f{chunk_hash}".encode()).hexdigest()


class LlmCache:
    """Cached structured answers under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached answer, or ``None`` (an unreadable entry counts as missing)."""
        path = self._path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError):
            logger.warning("unreadable LLM cache entry %s ignored", path)
            return None
        return data if isinstance(data, dict) else None

    def __contains__(self, key: str) -> bool:
        return self._path(key).is_file()

    def put(self, key: str, answer: dict[str, Any]) -> None:
        """Store an answer atomically."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(answer, handle, ensure_ascii=False, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
