"""Shared fixtures of the ingestion unit tests: one spaCy pipeline per session (loading it takes
about a second; every extractor built on it installs its own EntityRuler)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graph_schema import GraphSchema
from ingestion.nlp.model import load_model

if TYPE_CHECKING:
    from spacy.language import Language


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The installed English pipeline."""
    return load_model()


@pytest.fixture(scope="session")
def schema() -> GraphSchema:
    """The default (competitive intelligence) schema."""
    return GraphSchema.load()
