"""The engine's question pipeline shared by the API's worker threads, one call at a time.

spaCy does not promise that one ``Language`` object may parse in several threads at once; a
question takes about 2 ms to parse, so serialising that step costs little.
"""

from __future__ import annotations

import threading
from typing import Any

from kag.engine.nlp import load_question_nlp
from kag.settings import Settings


class SerialNlp:
    """A spaCy pipeline whose calls are serialised; other attributes pass through.

    Args:
        settings: which model and question mode to load (loaded on first call).
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._nlp: Any = None

    def _loaded(self) -> Any:
        if self._nlp is None:
            self._nlp = load_question_nlp(
                self._settings.ingestion.spacy_model, self._settings.engine.question_nlp
            )
        return self._nlp

    def __call__(self, text: str) -> Any:
        with self._lock:
            return self._loaded()(text)

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            nlp = self._loaded()
        return getattr(nlp, name)
