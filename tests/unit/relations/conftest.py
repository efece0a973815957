"""Fixtures of the learned relation finder's tests: a small film ontology, hand-written labelled
sentences in the Text2KGBench train format, and a lexicon built from them once per session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from graph_schema import GraphSchema
from ingestion.nlp.model import load_model
from ingestion.relations.labelled import read_labelled
from ingestion.relations.lexicon import RelationLexicon
from ingestion.relations.training import build_lexicon

if TYPE_CHECKING:
    from spacy.language import Language

FILM_ONTOLOGY: dict[str, Any] = {
    "title": "Film Ontology",
    "id": "ont_film_test",
    "concepts": [
        {"qid": "Q5", "label": "human"},
        {"qid": "Q11424", "label": "film"},
        {"qid": "Q483394", "label": "genre"},
    ],
    "relations": [
        {"pid": "P57", "label": "director", "domain": "Q11424", "range": "Q5"},
        {"pid": "P161", "label": "cast member", "domain": "Q11424", "range": "Q5"},
        {"pid": "P577", "label": "publication date", "domain": "Q11424", "range": ""},
        {"pid": "P136", "label": "genre", "domain": "Q11424", "range": "Q483394"},
    ],
}

TITLES = [
    "Harbour Lights", "The Glass Orchard", "Midnight Ferry", "Copper Valley", "Silent Meridian",
    "The Lantern Keeper", "Northern Static", "Paper Tigers", "The Quiet Engine", "Salt and Iron",
    "Winter Carnival", "The Long Corridor", "Blue Horizon", "Iron Sparrow", "The Hollow Crown",
    "Distant Thunder", "Velvet Morning", "The Last Ferryman",
]  # fmt: skip
PEOPLE = [
    "Alma Reyes", "Bruno Keller", "Clara Voss", "Dmitri Orlov", "Elena Marsh", "Farid Haddad",
    "Greta Lind", "Hugo Brandt", "Ines Duarte", "Jonas Weber", "Kira Tanaka", "Luca Ferri",
    "Maya Collins", "Nils Berg", "Olga Petrova", "Pavel Novak", "Rosa Alvarez", "Sven Dahl",
]  # fmt: skip
GENRES = ["comedy horror", "science fiction", "drama"]


def _line(n: int, sent: str, sub: str, rel: str, obj: str) -> dict[str, Any]:
    return {
        "id": f"ont_film_test_train_{n}",
        "sent": sent,
        "sub_label": sub,
        "rel_label": rel,
        "obj_label": obj,
        "sub": "Q1",
        "rel": "P1",
        "obj": None,
    }


def training_lines() -> list[dict[str, Any]]:
    """Labelled lines: every sentence states a director; some a year, a cast or a genre."""
    lines: list[dict[str, Any]] = []
    for i, title in enumerate(TITLES):
        director, actor = PEOPLE[i], PEOPLE[(i + 7) % len(PEOPLE)]
        year = 1950 + 3 * i
        genre = GENRES[i % len(GENRES)]
        if i % 3 == 0:
            sent = f"{title} is a {year} {genre} film directed by {director}."
            lines += [
                _line(len(lines), sent, title, "director", director),
                _line(len(lines) + 1, sent, title, "publication date", f"01 January {year}"),
                _line(len(lines) + 2, sent, title, "genre", genre),
            ]
        elif i % 3 == 1:
            sent = f"{title} was directed by {director} and stars {actor}."
            lines += [
                _line(len(lines), sent, title, "director", director),
                _line(len(lines) + 1, sent, title, "cast member", actor),
            ]
        else:
            sent = f"Directed by {director}, {title} premiered in {year} and starred {actor}."
            lines += [
                _line(len(lines), sent, title, "director", director),
                _line(len(lines) + 1, sent, title, "publication date", f"01 January {year}"),
                _line(len(lines) + 2, sent, title, "cast member", actor),
            ]
    return lines


def write_jsonl(path: Path, lines: list[dict[str, Any]]) -> Path:
    """Write ``lines`` as JSONL and return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


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
