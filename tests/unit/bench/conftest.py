"""A tiny, hand-made evaluation data folder shaped like ``shared/eval`` (never the real data)."""

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from bench.context import BenchContext

PASSAGES = {
    "P1": ("Zorblax Studios", "Zorblax Studios produced the film Quintessa."),
    "P2": ("Quintessa", "Quintessa was directed by Marvella Oduya."),
    "P3": ("Fendrick", "Fendrick is a harbour town on the coast."),
    "P4": ("Harbour Authority", "The authority runs ports."),
    "P5": ("Lumen Prize", "The prize goes to painters."),
    "P6": ("Kettleworth", "Kettleworth is a mountain village known for cheese."),
    "P7": ("Orchard", "Apples grow in orchards."),
}


def _paragraphs(supporting: set[str]) -> list[dict[str, Any]]:
    return [
        {"idx": i, "title": title, "paragraph_text": text, "is_supporting": key in supporting}
        for i, (key, (title, text)) in enumerate(PASSAGES.items())
    ]


def _step(step_id: int, support: int | None) -> dict[str, Any]:
    return {"id": step_id, "question": "q", "answer": "a", "paragraph_support_idx": support}


QUESTIONS = [
    {
        "id": "2hop__1_2",
        "question": "Who directed the film Zorblax Studios produced?",
        "answer": "Marvella Oduya",
        "answer_aliases": ["M. Oduya"],
        "answerable": True,
        "question_decomposition": [_step(1, 0), _step(2, 1)],
        "paragraphs": _paragraphs({"P1", "P2"}),
    },
    {
        "id": "3hop1__3_4_5",
        "question": "Which cheese is sold in Fendrick?",
        "answer": "Brie",
        "answer_aliases": [],
        "answerable": True,
        "question_decomposition": [_step(3, 2), _step(4, 3), _step(5, None)],
        "paragraphs": _paragraphs({"P3", "P4", "P5"}),
    },
]

ONTOLOGY = {
    "title": "Movie Ontology",
    "id": "ont_1_movie",
    "concepts": [{"qid": "Q5", "label": "human"}, {"qid": "Q11424", "label": "film"}],
    "relations": [{"pid": "P57", "label": "director", "domain": "Q11424", "range": "Q5"}],
}


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "\n", encoding="utf-8")


def write_eval_data(root: Path) -> Path:
    """Write the tiny data set under ``root`` and return ``root``."""
    musique = root / "musique-dev"
    musique.mkdir(parents=True)
    corpus = [{"title": title, "text": text} for title, text in PASSAGES.values()]
    (musique / "train_corpus.json").write_text(json.dumps(corpus), encoding="utf-8")
    (musique / "qa_train.json").write_text(json.dumps(QUESTIONS), encoding="utf-8")

    t2kg = root / "text2kgbench-tekgen-dev"
    (t2kg / "ontologies").mkdir(parents=True)
    for key in ("1_movie", "2_music", "10_culture"):
        body = ONTOLOGY | {"id": f"ont_{key}"}
        (t2kg / "ontologies" / f"{key}_ontology.json").write_text(json.dumps(body), "utf-8")
    sentence = "Quintessa is a film directed by Marvella Oduya."
    _write_jsonl(
        t2kg / "ground_truth" / "ont_1_movie_ground_truth.jsonl",
        [
            {
                "id": "ont_1_movie_test_1",
                "sent": sentence,
                "triples": [{"sub": "Quintessa", "rel": "director", "obj": "Marvella Oduya"}],
            }
        ],
    )
    _write_jsonl(
        t2kg / "test" / "ont_1_movie_test.jsonl", [{"id": "ont_1_movie_test_1", "sent": sentence}]
    )
    example = {
        "id": "ont_1_movie_train_1",
        "sent": "Quintessa came out in 2001.",
        "sub_label": "Quintessa",
        "rel_label": "publication date",
        "obj_label": "01 January 2001",
        "sub": "Q1",
        "rel": "P577",
        "obj": None,
    }
    _write_jsonl(t2kg / "train" / "ont_1_movie_train.jsonl", [example])
    return root


@pytest.fixture
def eval_root(tmp_path: Path) -> Path:
    """A tiny evaluation data folder."""
    return write_eval_data(tmp_path / "eval")


@pytest.fixture
def bench_ctx(tmp_path: Path, eval_root: Path) -> Iterator[BenchContext]:
    """A quick-mode context over the tiny data, with a Neo4j provider that must not be used."""

    def no_neo4j() -> Any:
        raise AssertionError("this test must not ask for Neo4j")

    with ExitStack() as stack:
        yield BenchContext(
            mode="quick",
            eval_data=eval_root,
            out_dir=tmp_path / "out",
            scratch=tmp_path / "scratch",
            stack=stack,
            neo4j_provider=no_neo4j,
        )
