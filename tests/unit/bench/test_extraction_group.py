"""The extraction figure group on a tiny Text2KGBench-shaped folder (hand-written, not the real
data): lexicon built from train, test sentences ingested by the product pipeline, scored."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from bench.context import BenchContext
from bench.groups import extraction
from tests.support.film_data import FILM_ONTOLOGY, training_lines, write_jsonl

pytestmark = pytest.mark.slow

GOLD = [
    {
        "id": "ont_1_movie_test_1",
        "sent": "Amber Causeway is a 1987 drama film directed by Tomas Lindqvist.",
        "triples": [
            {"sub": "Amber Causeway", "rel": "director", "obj": "Tomas Lindqvist"},
            {"sub": "Amber Causeway", "rel": "publication date", "obj": "01 January 1987"},
        ],
    },
    {
        "id": "ont_1_movie_test_2",
        "sent": "The film was shot in a single week.",
        "triples": [{"sub": "Crimson Atlas", "rel": "director", "obj": "Ada Kowalski"}],
    },
]


def write_data(root: Path) -> Path:
    folder = root / "text2kgbench-tekgen-dev"
    (folder / "ontologies").mkdir(parents=True)
    ontology = FILM_ONTOLOGY | {"id": "ont_1_movie", "title": "Movie Ontology"}
    (folder / "ontologies" / "1_movie_ontology.json").write_text(json.dumps(ontology), "utf-8")
    write_jsonl(folder / "train" / "ont_1_movie_train.jsonl", training_lines())
    write_jsonl(folder / "ground_truth" / "ont_1_movie_ground_truth.jsonl", GOLD)
    tests: list[dict[str, Any]] = [{"id": g["id"], "sent": g["sent"]} for g in GOLD]
    write_jsonl(folder / "test" / "ont_1_movie_test.jsonl", tests)
    return root


def test_figures_score_what_the_pipeline_wrote(tmp_path: Path) -> None:
    def no_neo4j() -> Any:
        raise AssertionError("the extraction group must not ask for Neo4j")

    with ExitStack() as stack:
        ctx = BenchContext(
            mode="full",
            eval_data=write_data(tmp_path / "eval"),
            out_dir=tmp_path / "out",
            scratch=tmp_path / "scratch",
            stack=stack,
            neo4j_provider=no_neo4j,
        )
        figures = {f.name: f for f in extraction.run(ctx)}

    # sentence 1: director and date found (F1 1); sentence 2 names no subject (F1 0)
    assert figures["1_movie filtered F1"].value == pytest.approx(0.5)
    assert figures["1_movie filtered F1"].baselines == {"Vicuna-13B few-shot": 0.25}
    mean = figures["mean filtered F1"]
    assert mean.value == pytest.approx(0.5)
    assert mean.goal is not None
    assert mean.goal.threshold == 0.5
    assert mean.met is True
    assert mean.baselines == {"Vicuna-13B few-shot": 0.32}
    strict = figures["strict micro F1"]
    assert strict.goal is not None
    assert strict.goal.threshold == 0.4
    assert strict.value is not None
    assert 0 < strict.value <= 1
    assert figures["mean triples per sentence"].baselines == {"gold": 1.5}
    assert figures["mean ontology conformance"].value == 1.0
    assert "product pipeline, NLP only" in mean.notes
    assert all(f.group == "extraction" for f in figures.values())
