"""Hand-written labelled film sentences (Text2KGBench train format) and a small film ontology,
for the learned relation finder's tests and the ``kag lexicon`` command-line tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
        genre = GENRES[(i // 3) % len(GENRES)]
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
