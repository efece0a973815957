"""The lexicon builder and the learned finder, on hand-written film sentences.

The training sentences (tests/unit/relations/conftest.py) name other films and people than the
sentences read here, so what is found comes from how the relations are written, not from names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graph_schema import GraphSchema
from ingestion.models import EntityMention, Span
from ingestion.relations.base import RelationFinder, SentenceContext
from ingestion.relations.learned import (
    MAX_COORDINATED,
    LearnedRelationFinder,
    load_relation_finder,
)
from ingestion.relations.lexicon import RelationLexicon, save_lexicon
from kag.errors import ConfigurationError

if TYPE_CHECKING:
    from pathlib import Path

    from spacy.language import Language


def found(
    finder: LearnedRelationFinder, nlp: Language, text: str, offset: int = 0
) -> set[tuple[str, str, str]]:
    doc = nlp(text)
    context = SentenceContext(graph_schema=finder.schema, document_offset=offset)
    return {
        (c.subject.name, c.predicate, c.object.name)
        for sent in doc.sents
        for c in finder.find(sent, [], context)
    }


@pytest.fixture(scope="module")
def finder(film_lexicon: RelationLexicon, film_schema: GraphSchema) -> LearnedRelationFinder:
    return LearnedRelationFinder(film_lexicon, film_schema)


def test_the_builder_learns_each_labelled_relation(film_lexicon: RelationLexicon) -> None:
    director = film_lexicon.relations["DIRECTOR"]
    assert director.examples == 18
    assert "direct" in director.triggers
    assert film_lexicon.date_templates["year"] == "01 January {year}"
    assert film_lexicon.relations["GENRE"].values == {
        "comedy horror": "comedy horror",
        "drama": "drama",
        "science fiction": "science fiction",
    }
    # cast members come one per labelled sentence here: no list relation was seen
    assert film_lexicon.relations["CAST_MEMBER"].max_per_sentence == 1


def test_definitional_sentences_give_director_date_and_genre(
    finder: LearnedRelationFinder, nlp: Language
) -> None:
    triples = found(finder, nlp, "Amber Causeway is a 1987 drama film directed by Tomas Lindqvist.")
    assert ("Amber Causeway", "DIRECTOR", "Tomas Lindqvist") in triples
    assert ("Amber Causeway", "PUBLICATION_DATE", "01 January 1987") in triples
    assert ("Amber Causeway", "GENRE", "drama") in triples
    assert all(s == "Amber Causeway" for s, _, _ in triples)


def test_a_passive_sentence_gives_director_and_cast(
    finder: LearnedRelationFinder, nlp: Language
) -> None:
    triples = found(
        finder, nlp, "Crimson Atlas was directed by Ada Kowalski and stars Omar Haddad."
    )
    assert ("Crimson Atlas", "DIRECTOR", "Ada Kowalski") in triples
    assert ("Crimson Atlas", "CAST_MEMBER", "Omar Haddad") in triples
    assert ("Crimson Atlas", "DIRECTOR", "Omar Haddad") not in triples


def test_candidates_carry_spans_into_the_document_types_and_confidence(
    finder: LearnedRelationFinder, nlp: Language
) -> None:
    text = "Crimson Atlas was directed by Ada Kowalski and stars Omar Haddad."
    doc = nlp(text)
    context = SentenceContext(graph_schema=finder.schema, document_offset=100)
    [sent] = list(doc.sents)
    director = next(c for c in finder.find(sent, [], context) if c.predicate == "DIRECTOR")
    assert director.subject.span == Span(start=100, end=113, text="Crimson Atlas")
    assert director.object.span == Span(start=130, end=142, text="Ada Kowalski")
    assert director.evidence.start == 100
    assert director.evidence.text == text
    assert (director.subject.type, director.object.type) == ("film", "human")
    assert director.extractor == "learned"
    assert 0 < director.confidence <= 1


def test_literal_objects_are_typed_as_dates(finder: LearnedRelationFinder, nlp: Language) -> None:
    doc = nlp("Amber Causeway is a 1987 drama film directed by Tomas Lindqvist.")
    context = SentenceContext(graph_schema=finder.schema)
    [sent] = list(doc.sents)
    [date] = [c for c in finder.find(sent, [], context) if c.predicate == "PUBLICATION_DATE"]
    assert date.object.type == "date"
    assert date.object.span.text == "1987"


def test_a_sentence_without_a_relation_gives_nothing(
    finder: LearnedRelationFinder, nlp: Language
) -> None:
    assert found(finder, nlp, "It rained all week in the harbour.") == set()


def test_entity_mentions_become_candidates_too(
    finder: LearnedRelationFinder, nlp: Language
) -> None:
    doc = nlp("Crimson Atlas was directed by ada kowalski.")  # lower case: not a title run
    [sent] = list(doc.sents)
    start = doc.text.index("ada kowalski")
    mention = EntityMention(
        name="ada kowalski",
        type="human",
        span=Span(start=start, end=start + 12, text="ada kowalski"),
        extractor="nlp",
        confidence=0.9,
    )
    analysis = finder.analyse(sent, [mention])
    assert any("mention" in c.sources and c.text == "ada kowalski" for c in analysis.candidates)


def test_it_is_a_relation_finder_and_the_pipeline_can_load_it(
    tmp_path: Path, film_lexicon: RelationLexicon, film_schema: GraphSchema
) -> None:
    path = tmp_path / "lexicon.json"
    save_lexicon(film_lexicon, path)
    finder: RelationFinder = load_relation_finder(film_schema, path)
    assert finder.name == "learned"
    assert finder.min_mentions == 0  # the extractor calls it on every sentence


def test_loading_for_another_ontology_is_refused(
    tmp_path: Path, film_lexicon: RelationLexicon
) -> None:
    path = tmp_path / "lexicon.json"
    save_lexicon(film_lexicon, path)
    with pytest.raises(ConfigurationError, match="is for ontology 'ont_film_test'"):
        load_relation_finder(GraphSchema.load(), path)


def test_ruler_labels_are_re_read_with_the_statistical_ner(
    film_lexicon: RelationLexicon, film_schema: GraphSchema, nlp: Language
) -> None:
    text = "Crimson Atlas was directed by Ada Kowalski and stars Omar Haddad."
    plain = found(LearnedRelationFinder(film_lexicon, film_schema), nlp, text)
    doc = nlp(text)
    start = doc.text.index("Ada Kowalski")
    ruled = doc.char_span(start, start + len("Ada Kowalski"), label="film")  # a concept label
    assert ruled is not None
    doc.set_ents([ruled], default="unmodified")
    [sent] = list(doc.sents)
    context = SentenceContext(graph_schema=film_schema)
    reader = LearnedRelationFinder(film_lexicon, film_schema)
    assert reader._statistical(sent) is sent  # no pipeline given: read as it is
    reader.use_pipeline(nlp)
    reread = reader._statistical(sent)
    assert reread is not sent
    assert reread.text == sent.text
    assert {(e.text, e.label_) for e in reread.ents} >= {("Ada Kowalski", "PERSON")}
    assert {e.label_ for e in doc.ents} >= {"film"}  # the given doc is left as it was
    triples = {(c.subject.name, c.predicate, c.object.name) for c in reader.find(sent, [], context)}
    assert triples == plain


def test_coordinated_objects_share_the_relation_and_its_score(
    finder: LearnedRelationFinder, nlp: Language
) -> None:
    doc = nlp("Crimson Atlas is a 1987 drama film directed by Ada Kowalski and Tomas Lindqvist.")
    context = SentenceContext(graph_schema=finder.schema)
    directors = {
        c.object.name: c.confidence
        for sent in doc.sents
        for c in finder.find(sent, [], context)
        if c.predicate == "DIRECTOR"
    }
    # the labels mark one director per sentence, yet both are stated
    assert set(directors) == {"Ada Kowalski", "Tomas Lindqvist"}
    assert directors["Ada Kowalski"] == directors["Tomas Lindqvist"]


def test_a_list_gives_every_member_up_to_the_cap(
    finder: LearnedRelationFinder, nlp: Language
) -> None:
    assert finder.lexicon.relations["CAST_MEMBER"].max_per_sentence == 1
    people = [
        f"{first} {last}"
        for first, last in zip(
            ["Omar", "Lena", "Ada", "Tomas", "Nina", "Paul", "Rosa", "Ivan"],
            ["Haddad", "Fischer", "Kowalski", "Lindqvist", "Brandt", "Moreau", "Silva", "Petrov"],
            strict=True,
        )
    ]

    def starring(names: list[str]) -> set[tuple[str, str, str]]:
        listed = f"{', '.join(names[:-1])} and {names[-1]}"
        return found(finder, nlp, f"Crimson Atlas is a 1987 drama film starring {listed}.")

    triples = starring(people[:4])
    assert {o for _, r, o in triples if r == "CAST_MEMBER"} == set(people[:4])
    # a member the director scorer also let through is a cast member first: the list does
    # not spread the weaker relation
    assert len([o for _, r, o in triples if r == "DIRECTOR"]) <= 1
    cast = {o for _, r, o in starring(people) if r == "CAST_MEMBER"}
    assert len(cast) == MAX_COORDINATED
    assert cast <= set(people)


def test_a_coordinated_subject_is_not_made_an_object(
    finder: LearnedRelationFinder, nlp: Language
) -> None:
    triples = found(finder, nlp, "Crimson Atlas and Amber Causeway were directed by Ada Kowalski.")
    assert triples
    assert not any(o in ("Crimson Atlas", "Amber Causeway") for _, _, o in triples)
