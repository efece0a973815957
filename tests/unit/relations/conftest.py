"""Fixtures of the learned relation finder's tests: a small film ontology, hand-written labelled
sentences in the Text2KGBench train format, and a lexicon built from them once per session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from graph_schema import GraphSchema
from ingestion.nlp.model import load_model
from ingestion.relations.labelled import read_labelled
from ingestion.relations.lexicon import RelationLexicon
from ingestion.relations.training import build_lexicon
from tests.support.film_data import FILM_ONTOLOGY, training_lines, write_jsonl

if TYPE_CHECKING:
    from spacy.language import Language


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The installed English pipeline (no EntityRuler added: the finder's tests parse with it)."""
    return load_model()


@pytest.fixture(scope="session")
def film_ontology_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The film ontology as a file."""
    path = tmp_path_factory.mktemp("ontology") / "film_ontology.json"
    path.write_text(json.dumps(FILM_ONTOLOGY), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def film_schema(film_ontology_path: Path) -> GraphSchema:
    """The graph schema with the film ontology."""
    return GraphSchema.load(film_ontology_path)


@pytest.fixture(scope="session")
def train_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The labelled training sentences as a Text2KGBench-style JSONL file."""
    return write_jsonl(
        tmp_path_factory.mktemp("train") / "ont_film_test_train.jsonl", training_lines()
    )


@pytest.fixture(scope="session")
def film_lexicon(train_path: Path, film_schema: GraphSchema, nlp: Language) -> RelationLexicon:
    """A lexicon built from the training sentences."""
    return build_lexicon(read_labelled([train_path], film_schema), film_schema, nlp)
