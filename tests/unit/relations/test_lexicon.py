"""The lexicon file: scoring, round trips, and readable refusals."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from graph_schema import GraphSchema
from ingestion.relations.lexicon import (
    LinearScorer,
    RelationEntry,
    RelationLexicon,
    SubjectModel,
    load_lexicon,
    save_lexicon,
)
from kag.errors import ConfigurationError, InvalidInput


def test_linear_scorer_adds_the_weights_of_present_features_once() -> None:
    scorer = LinearScorer(bias=-1.0, weights={"gov=direct": 2.0, "ner=PERSON": 1.0})
    assert scorer.probability([]) == pytest.approx(0.2689, abs=1e-4)
    assert scorer.probability(["gov=direct", "gov=direct", "other"]) == pytest.approx(
        0.7311, abs=1e-4
    )


def test_truth_probability_divides_by_the_label_frequency_and_caps_at_one() -> None:
    entry = RelationEntry(label="director", bias=0.0, label_frequency=0.25)
    assert entry.truth_probability([]) == 1.0  # 0.5 / 0.25, capped
    assert RelationEntry(label="x", bias=-2.0, label_frequency=0.5).truth_probability(
        []
    ) == pytest.approx(0.2384, abs=1e-4)


def test_subject_probabilities_leave_room_for_none() -> None:
    model = SubjectModel(none_score=0.0, weights={"at_start": 3.0})
    probs = model.probabilities([["at_start"], []])
    assert probs[0] > 0.9
    assert sum(probs) < 1.0


def test_round_trip_keeps_every_field(tmp_path: Path, film_lexicon: RelationLexicon) -> None:
    path = tmp_path / "lexicon.json"
    save_lexicon(film_lexicon, path)
    assert load_lexicon(path) == film_lexicon
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "kag-relation-lexicon"
    assert data["relations"]["DIRECTOR"]["triggers"]  # readable evidence for experts


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read relation lexicon"),
        ("{not json", "is not JSON (line 1"),
        ('{"format": "kag-relation-lexicon", "ontology": ""}', "is not a valid lexicon"),
        (
            '{"ontology": "o", "date_templates": {"year": "{yr}"}}',
            "date template '{yr}' (year) is not usable",
        ),
    ],
)
def test_bad_files_are_refused_with_the_reason(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "lexicon.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        load_lexicon(path)


def test_a_lexicon_for_another_ontology_is_refused(film_schema: GraphSchema) -> None:
    with pytest.raises(ConfigurationError, match="is for ontology 'ont_5_military'"):
        RelationLexicon(ontology="ont_5_military").check_against(film_schema)


def test_a_lexicon_naming_relations_the_ontology_lacks_is_refused(
    film_schema: GraphSchema,
) -> None:
    lexicon = RelationLexicon(
        ontology=film_schema.ontology.id, relations={"SEQUEL_OF": RelationEntry(label="sequel")}
    )
    with pytest.raises(ConfigurationError, match=r"\['SEQUEL_OF'\]"):
        lexicon.check_against(film_schema)


def test_asking_for_an_unknown_relation_names_the_known_ones(
    film_lexicon: RelationLexicon,
) -> None:
    with pytest.raises(InvalidInput, match="no relation 'EDITOR'; known: CAST_MEMBER"):
        film_lexicon.relation("EDITOR")


def test_a_failed_write_leaves_no_partial_file(
    tmp_path: Path, film_lexicon: RelationLexicon
) -> None:
    target = tmp_path / "missing-folder" / "lexicon.json"
    with pytest.raises(ConfigurationError, match="cannot write relation lexicon"):
        save_lexicon(film_lexicon, target)
    assert not target.exists()
