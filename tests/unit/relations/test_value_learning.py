"""Learning date templates, known values and value maps from labels."""

from __future__ import annotations

from ingestion.relations.value_learning import (
    LabelledSentence,
    LabelledTriple,
    learn_date_templates,
    learn_values,
)
from ingestion.relations.values import squash


def sentence(text: str, *triples: tuple[str, str, str]) -> LabelledSentence:
    return LabelledSentence(text, tuple(LabelledTriple(*t) for t in triples))


def test_date_templates_follow_the_labels() -> None:
    data = [
        sentence("A is a 1984 film.", ("A", "PUBLICATION_DATE", "01 January 1984")),
        sentence("B came out on June 30, 2011.", ("B", "PUBLICATION_DATE", "2011-06-30")),
        sentence("C came out on May 2, 2012.", ("C", "PUBLICATION_DATE", "2012-05-02")),
    ]
    templates = learn_date_templates(data)
    assert templates["year"] == "01 January {year}"
    assert templates["day"] == "{year}-{month:02d}-{day:02d}"
    assert templates["month"] == "01 {month_name} {year}"  # no evidence: the default


def test_values_seen_in_several_sentences_become_known_others_do_not() -> None:
    data = [
        sentence("A is a comedy horror film.", ("A", "GENRE", "comedy horror")),
        sentence("B is a comedy horror film.", ("B", "GENRE", "comedy horror")),
        sentence("C is a comedy horror film.", ("C", "GENRE", "comedy horror")),
        sentence("D is a cyberpunk film.", ("D", "GENRE", "cyberpunk")),
        sentence("E is a cyberpunk film.", ("E", "GENRE", "cyberpunk")),
    ]
    stats = learn_values(data)
    assert stats.values["GENRE"] == {"comedy horror": "comedy horror", "cyberpunk": "cyberpunk"}
    # leave-one-out: a training sentence sees a value as known only if the lexicon would know
    # it without that sentence's own label (2 other sentences here)
    assert stats.known_for(squash("comedy horror"), exclude=0) == ["GENRE"]
    assert stats.known_for(squash("cyberpunk"), exclude=3) == []
    assert stats.known_for(squash("cyberpunk")) == ["GENRE"]


def test_a_phrase_that_predicts_an_unwritten_label_becomes_a_value_map() -> None:
    data = [
        sentence(f"General {n} was a general of the PLA.", (n, "MILITARY_RANK", "Shang Jiang"))
        for n in ("Liu", "Song", "Deng")
    ] + [sentence("Ma was an admiral.", ("Ma", "MILITARY_RANK", "admiral"))]
    values = learn_values(data).values["MILITARY_RANK"]
    assert "Shang Jiang" in values.values()
    surface = next(k for k, v in values.items() if v == "Shang Jiang")
    assert "general" in surface


def test_a_phrase_that_does_not_predict_the_label_is_not_mapped() -> None:
    data = [
        sentence("Liu was a general.", ("Liu", "MILITARY_RANK", "Shang Jiang")),
        sentence("Song was a general.", ("Song", "MILITARY_RANK", "Shang Jiang")),
        sentence("Grant was a general.", ("Grant", "MILITARY_RANK", "general")),
        sentence("Lee was a general.", ("Lee", "MILITARY_RANK", "general")),
        sentence("Ike was a general.", ("Ike", "MILITARY_RANK", "general")),
    ]
    values = learn_values(data).values["MILITARY_RANK"]
    assert values == {"general": "general"}
