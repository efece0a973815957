"""Candidate argument spans proposed from a parsed sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingestion.relations.spans import CandidateSpan, candidate_spans
from ingestion.relations.values import DEFAULT_DATE_TEMPLATES, date_spans

if TYPE_CHECKING:
    from spacy.language import Language


def spans(nlp: Language, text: str, known: dict[str, str] | None = None) -> list[CandidateSpan]:
    doc = nlp(text)
    sent = doc[:]
    return candidate_spans(sent, known, date_spans(sent, DEFAULT_DATE_TEMPLATES))


def names(cands: list[CandidateSpan], source: str | None = None) -> set[str]:
    return {c.name for c in cands if source is None or source in c.sources}


def test_titles_keep_their_lower_case_words_and_sub_titles(nlp: Language) -> None:
    found = spans(
        nlp, "Night of the Living Dead is a 1968 film; Ice Age: Continental Drift is not."
    )
    assert "Night of the Living Dead" in names(found)
    assert {"Ice Age: Continental Drift", "Ice Age", "Continental Drift"} <= names(found)


def test_a_capitalised_article_starts_a_title_and_a_variant_without_it_exists(
    nlp: Language,
) -> None:
    found = spans(nlp, "Set in Rome, The Angels' Share follows a young father.")
    assert "The Angels' Share" in names(found)
    assert "Angels' Share" in names(found, "nodet")


def test_quoted_titles_are_candidates_whatever_their_case(nlp: Language) -> None:
    found = spans(nlp, '"Ja, vi elsker dette landet" is the national anthem of Norway.')
    assert "Ja, vi elsker dette landet" in names(found, "quote")


def test_the_lead_phrase_runs_to_the_first_boundary(nlp: Language) -> None:
    found = spans(nlp, "Bleach: Hell Verse (Japanese: BLEACH) is a 2010 Japanese animated film.")
    assert "Bleach: Hell Verse" in names(found, "lead")


def test_person_pages_are_named_without_middle_names_or_by_nickname(nlp: Language) -> None:
    short = names(spans(nlp, "Hannah Louise Macleod (born 9 June 1984) is an English player."))
    assert "Hannah Macleod" in short
    nick = names(spans(nlp, 'Virgil Ivan "Gus" Grissom was a United States Air Force pilot.'))
    assert "Gus Grissom" in nick


def test_dates_carry_their_written_value_and_genre_modifiers_are_proposed(nlp: Language) -> None:
    found = spans(nlp, "Baghead is a 2008 American comedy horror film.")
    years = [c for c in found if "year" in c.sources]
    assert [(c.text, c.name) for c in years] == [("2008", "01 January 2008")]
    assert "comedy horror" in names(found, "modifier")


def test_known_values_match_however_they_are_hyphenated_and_map_to_their_label(
    nlp: Language,
) -> None:
    found = spans(
        nlp,
        "Timothy Kitum is a Kenyan middle distance runner.",
        known={"middledistancerunner": "middle-distance runner"},
    )
    [known] = [c for c in found if "known" in c.sources]
    assert (known.text, known.name) == ("middle distance runner", "middle-distance runner")


def test_spans_are_token_ranges_of_the_document(nlp: Language) -> None:
    doc = nlp("First sentence here. Midnight Ferry was directed by Clara Voss.")
    second = list(doc.sents)[1]
    found = candidate_spans(second)
    assert found
    assert all(second.start <= c.start < c.end <= second.end for c in found)
    assert all(doc[c.start : c.end].text == c.text for c in found)
    assert "Clara Voss" in names(found)
