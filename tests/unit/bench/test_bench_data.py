"""Loaders for the evaluation data, on a tiny hand-made copy of its layout."""

from pathlib import Path

import pytest

from bench.data import musique, text2kgbench
from bench.data.paths import EVAL_DATA_ENV, default_eval_root, resolve_eval_root
from bench.errors import EvalDataInvalid, EvalDataMissing
from bench.scoring.qa import PassageKey


def test_eval_root_precedence(tmp_path: Path) -> None:
    env = {EVAL_DATA_ENV: str(tmp_path / "from-env")}
    assert resolve_eval_root(tmp_path / "explicit", env) == tmp_path / "explicit"
    assert resolve_eval_root(None, env) == tmp_path / "from-env"
    assert resolve_eval_root(None, {}) == default_eval_root()
    assert default_eval_root().parts[-2:] == ("shared", "eval")


def test_missing_data_names_the_path_and_the_setting(tmp_path: Path) -> None:
    with pytest.raises(EvalDataMissing) as caught:
        musique.load_corpus(tmp_path / "nowhere")
    message = str(caught.value)
    assert str(tmp_path / "nowhere" / "musique-dev") in message
    assert EVAL_DATA_ENV in message


def test_missing_file_inside_the_folder_is_named(eval_root: Path) -> None:
    with pytest.raises(EvalDataMissing, match=r"ont_2_music_ground_truth\.jsonl"):
        text2kgbench.load_ground_truth(eval_root, "2_music")


def test_text2kgbench_loaders(eval_root: Path) -> None:
    assert text2kgbench.list_ontologies(eval_root) == ["1_movie", "2_music", "10_culture"]
    ontology = text2kgbench.load_ontology(eval_root, "1_movie")
    assert ontology.key == "1_movie"
    assert [r.label for r in ontology.relations] == ["director"]

    (case,) = text2kgbench.load_ground_truth(eval_root, "1_movie")
    assert case.triples[0].obj == "Marvella Oduya"
    (test,) = text2kgbench.load_test(eval_root, "1_movie")
    assert test.id == case.id
    (example,) = text2kgbench.load_train(eval_root, "1_movie")
    assert example.obj is None  # literal objects have no Wikidata id
    assert example.triple.obj == "01 January 2001"


def test_malformed_line_is_reported_with_its_position(eval_root: Path) -> None:
    path = eval_root / "text2kgbench-tekgen-dev" / "test" / "ont_1_movie_test.jsonl"
    path.write_text('{"id": "a", "sent": "ok"}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(EvalDataInvalid, match=r"ont_1_movie_test\.jsonl:2"):
        text2kgbench.load_test(eval_root, "1_movie")


def test_musique_loaders(eval_root: Path) -> None:
    corpus = musique.load_corpus(eval_root)
    assert len(corpus) == 7
    first, second = musique.load_questions(eval_root)
    assert (first.hops, second.hops) == (2, 3)
    assert first.gold_answers == ("Marvella Oduya", "M. Oduya")
    assert first.supporting_keys == {
        PassageKey("Zorblax Studios", "Zorblax Studios produced the film Quintessa."),
        PassageKey("Quintessa", "Quintessa was directed by Marvella Oduya."),
    }
    # Question paragraphs and corpus passages are identified the same way.
    assert first.supporting_keys <= {p.key for p in corpus}
