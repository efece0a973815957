"""Text2KGBench scoring on hand-made sentences, with the expected numbers worked out by hand."""

import pytest

from bench.data.text2kgbench import Concept, GroundTruthSentence, Ontology, Relation, Triple
from bench.scoring.stemming import entity_form
from bench.scoring.text2kgbench import (
    VICUNA_13B_REFERENCE,
    normalize_triple,
    relation_key,
    score_benchmark,
    score_ontology,
    score_sentence,
)

MOVIE = Ontology(
    id="ont_1_movie",
    title="Movie Ontology",
    concepts=(Concept(qid="Q5", label="human"), Concept(qid="Q11424", label="film")),
    relations=(
        Relation(pid="P57", label="director", domain="Q11424", range="Q5"),
        Relation(pid="P161", label="cast member", domain="Q11424", range="Q5"),
        Relation(pid="P577", label="publication date ", domain="Q11424", range=""),
    ),
)
BLEACH = GroundTruthSentence(
    id="s1",
    sent="Bleach: Hell Verse is a 2010 Japanese animated film directed by Noriyuki Abe.",
    triples=(
        Triple(sub="Bleach : Hell Verse", rel="director", obj="Noriyuki Abe"),
        Triple(sub="Bleach : Hell Verse", rel="publication date", obj="01 January 2010"),
    ),
)
KEYBOARD_CAT = GroundTruthSentence(
    id="s2",
    sent="Keyboard Cat was made in 1984 by Charlie Schmidt.",
    triples=(Triple(sub="Keyboard Cat", rel="director", obj="Charlie Schmidt"),),
)


def t(sub: str, rel: str, obj: str) -> Triple:
    return Triple(sub=sub, rel=rel, obj=obj)


def test_normalisation_lowercases_and_deletes_whitespace_and_underscores() -> None:
    assert normalize_triple(t("Bleach : Hell_Verse", "cast member", "Noriyuki  Abe")) == (
        "bleach:hellverse",
        "castmember",
        "noriyukiabe",
    )


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("cast member", "cast_member"),
        ("cast_member", "cast_member"),
        ("country of origin ", "country_of_origin"),
        ("country_of_origin_", "country_of_origin"),
    ],
)
def test_relation_key_writes_spaces_as_underscores(label: str, key: str) -> None:
    assert relation_key(label) == key


def test_sentence_filters_system_triples_to_gold_relations() -> None:
    system = [
        t("bleach: hell verse", "director", "Noriyuki_Abe"),  # matches after normalisation
        t("Bleach: Hell Verse", "cast_member", "Noriyuki Abe"),  # relation not in gold: dropped
        t("Bleach: Hell Verse", "screenwriter", "Tite Kubo"),  # not in gold, not in ontology
    ]
    score = score_sentence(BLEACH, system, MOVIE)
    assert score.precision == pytest.approx(1.0)  # 1 kept, 1 correct
    assert score.recall == pytest.approx(0.5)  # 1 of 2 gold
    assert score.f1 == pytest.approx(2 / 3)
    # Strict: no filter, 3 distinct system triples, 1 correct.
    assert score.strict.precision == pytest.approx(1 / 3)
    assert score.strict.recall == pytest.approx(0.5)
    assert score.conformance == pytest.approx(2 / 3)  # director, cast member conform
    assert score.subject_hallucination == pytest.approx(0.0)
    assert score.object_hallucination == pytest.approx(1 / 3)  # "Tite Kubo" is not in the text


def test_relation_written_with_spaces_is_kept_like_underscores() -> None:
    spaced = score_sentence(BLEACH, [t("Bleach : Hell Verse", "director", "Noriyuki Abe")], MOVIE)
    underscored = score_sentence(
        BLEACH, [t("Bleach : Hell Verse", "publication_date", "01 January 2010")], MOVIE
    )
    assert (spaced.precision, spaced.recall) == (1.0, 0.5)
    assert (underscored.precision, underscored.recall) == (1.0, 0.5)
    # "publication date " has a trailing space in the ontology; it still conforms.
    assert underscored.conformance == 1.0


def test_empty_system_output_scores_zero_and_counts_as_conformant() -> None:
    score = score_sentence(BLEACH, [], MOVIE)
    assert (score.precision, score.recall, score.f1) == (0.0, 0.0, 0.0)
    assert score.conformance == 1.0
    assert (score.subject_hallucination, score.object_hallucination) == (0.0, 0.0)


def test_duplicate_system_triples_count_once_for_precision_but_twice_as_output() -> None:
    triple = t("Keyboard Cat", "director", "Charlie Schmidt")
    score = score_sentence(KEYBOARD_CAT, [triple, triple], MOVIE)
    assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)
    assert score.system_triples == 2


def test_sentence_without_gold_triples_scores_zero_whatever_the_output() -> None:
    no_gold = GroundTruthSentence(id="s3", sent="Nothing here.", triples=())
    score = score_sentence(no_gold, [t("Nothing", "director", "here")], MOVIE)
    assert (score.precision, score.recall, score.f1) == (0.0, 0.0, 0.0)


def test_year_only_dates_and_concept_labels_are_not_hallucinations() -> None:
    # "01 January 2010" is how the gold writes a bare year; "film" is a concept label.
    assert entity_form("01 January 2010") == "2010"
    score = score_sentence(KEYBOARD_CAT, [t("film", "publication date", "01 January 1984")], MOVIE)
    assert (score.subject_hallucination, score.object_hallucination) == (0.0, 0.0)


def test_stemming_lets_inflected_entities_match() -> None:
    sentence = GroundTruthSentence(id="s4", sent="She directed films.", triples=())
    score = score_sentence(sentence, [t("Film", "director", "direct")], MOVIE)
    assert (score.subject_hallucination, score.object_hallucination) == (0.0, 0.0)


def test_ontology_averages_per_sentence_scores_and_pools_micro_counts() -> None:
    system = {
        "s1": [
            t("bleach: hell verse", "director", "Noriyuki_Abe"),
            t("Bleach: Hell Verse", "cast_member", "Noriyuki Abe"),
            t("Bleach: Hell Verse", "screenwriter", "Tite Kubo"),
        ]
        # s2 missing: no triples
    }
    score = score_ontology(MOVIE, [BLEACH, KEYBOARD_CAT], system)
    assert score.precision == pytest.approx(0.5)  # (1 + 0) / 2
    assert score.recall == pytest.approx(0.25)  # (0.5 + 0) / 2
    assert score.f1 == pytest.approx(1 / 3)  # (2/3 + 0) / 2
    assert score.conformance == pytest.approx((2 / 3 + 1) / 2)
    assert score.conformance_micro == pytest.approx(2 / 3)
    assert score.object_hallucination_micro == pytest.approx(1 / 3)
    assert (score.strict.true_positives, score.strict.system, score.strict.gold) == (1, 3, 3)
    assert score.strict.f1 == pytest.approx(1 / 3)
    assert score.mean_triples_per_sentence == pytest.approx(1.5)


def test_ontology_rejects_output_for_unknown_sentences() -> None:
    with pytest.raises(ValueError, match="not among its test cases"):
        score_ontology(MOVIE, [BLEACH], {"elsewhere_7": []})


def test_ontology_needs_cases() -> None:
    with pytest.raises(ValueError, match="no test sentences"):
        score_ontology(MOVIE, [], {})


def test_benchmark_figure_is_the_unweighted_mean_over_ontologies() -> None:
    perfect = score_ontology(
        MOVIE, [KEYBOARD_CAT], {"s2": [t("Keyboard Cat", "director", "Charlie Schmidt")]}
    )
    half = score_ontology(MOVIE, [BLEACH, KEYBOARD_CAT], {})  # F1 0 over two sentences
    combined = score_benchmark([perfect, half])
    assert combined.f1 == pytest.approx(0.5)  # (1.0 + 0.0) / 2, not weighted by 1 vs 2 sentences
    assert combined.strict.recall == pytest.approx(1 / 4)  # 1 of 1 + 2 + 1 gold triples
    assert combined.mean_triples_per_sentence == pytest.approx(1 / 3)
    assert combined.conformance_micro == pytest.approx(1.0)


def test_published_reference_mean_matches_its_parts() -> None:
    parts = VICUNA_13B_REFERENCE.f1_by_ontology.values()
    assert round(sum(parts) / len(parts), 2) == VICUNA_13B_REFERENCE.f1_mean
