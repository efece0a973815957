"""Hybrid passage search on both backends: BM25 plus the mention graph, offered as passages."""

from __future__ import annotations

from typing import Any

import pytest

from graph_schema.properties import EntityRecord, MentionRecord
from kag.engine import Engine
from kag.engine.nlp import load_question_nlp
from kag.engine.passages import PassageCache, PassageIndex, PassageWeights, best_quote, terms
from kag.settings import EngineSettings, Settings
from kag.store import GraphStore, WriteBatch
from tests.support.builders import document, entity

VANE = entity("Harriet Vane", "person")
COLLEGE = entity("Shrewsbury College", "organization")
RIVER = entity("River Isis", "location")

# The question names Harriet Vane; her college is the bridge to the founding-year passage,
# which shares almost no words with the question.
TEXTS = {
    "docs/vane.txt": (
        "Harriet Vane is a detective novelist. Harriet Vane studied at Shrewsbury College.",
        (VANE, COLLEGE),
    ),
    "docs/college.txt": (
        "Shrewsbury College opened its doors in 1879 beside the river.",
        (COLLEGE, RIVER),
    ),
    "docs/novels.txt": ("A detective novelist writes novels about a detective.", ()),
    "docs/river.txt": ("The River Isis floods in winter.", (RIVER,)),
}
QUESTION = "When was the college that the detective novelist Harriet Vane attended founded?"


def _write(store: GraphStore, source: str, text: str, mentioned: tuple[EntityRecord, ...]) -> None:
    doc, chunk = document(source, text)
    store.write(
        WriteBatch(
            documents=(doc,),
            chunks=(chunk,),
            entities=mentioned,
            mentions=tuple(MentionRecord(chunk_id=chunk.id, entity_id=e.id) for e in mentioned),
        )
    )


@pytest.fixture
def corpus(store: GraphStore) -> GraphStore:
    for source, (text, mentioned) in TEXTS.items():
        _write(store, source, text, mentioned)
    return store


@pytest.fixture(scope="module")
def nlp() -> Any:
    return load_question_nlp(None, "fast")


def test_terms_drop_stop_words_and_stem() -> None:
    assert terms("The colleges were founded in 1879") == ["colleg", "found", "1879"]


def test_the_bridge_passage_is_reached_through_the_mention_graph(corpus: GraphStore) -> None:
    index = PassageIndex.build(corpus)
    assert len(index) == 4
    words_only = index.search(QUESTION, [], limit=4, weights=PassageWeights(graph=0.0))
    hybrid = index.search(QUESTION, [VANE.id], limit=4)
    sources = [h.passage.document_source for h in hybrid]
    # Words alone rank the generic novels passage above the college's founding year ...
    lexical = [h.passage.document_source for h in words_only]
    assert lexical.index("docs/novels.txt") < lexical.index("docs/college.txt")
    # ... the graph brings the college passage up, through the college the first passage names.
    assert sources[:2] == ["docs/vane.txt", "docs/college.txt"]
    college = hybrid[1]
    assert college.graph > 0
    assert COLLEGE.id in college.via
    assert VANE.id not in college.via
    # An entity only the bridge passage names lends nothing: the river passage is not offered.
    assert sources == ["docs/vane.txt", "docs/college.txt", "docs/novels.txt"]


def test_best_quote_is_the_sentence_sharing_most_words(corpus: GraphStore) -> None:
    [vane] = [
        p for p in PassageIndex.build(corpus).passages if p.document_source.endswith("vane.txt")
    ]
    start, quote = best_quote(vane, "Which college did Harriet Vane attend? She studied there.")
    assert quote == "Harriet Vane studied at Shrewsbury College."
    assert vane.text[start - vane.start : start - vane.start + len(quote)] == quote


def test_an_unanswered_question_offers_passages_not_facts(
    corpus: GraphStore, store_settings: Settings, nlp: Any
) -> None:
    settings = store_settings.model_copy(update={"engine": EngineSettings(store_answers=False)})
    engine = Engine(corpus, settings, nlp=nlp)
    answer = engine.ask(QUESTION)
    assert answer.outcome == "insufficient_evidence"
    assert answer.citations == ()
    assert answer.cited_ids == []
    assert [p.id for p in answer.passages] == ["p1", "p2", "p3"]
    assert [p.document_source for p in answer.passages[:2]] == ["docs/vane.txt", "docs/college.txt"]
    assert (
        "Passages that may hold the answer (text, not reviewed facts): [p1] vane.txt" in answer.text
    )
    assert answer.passages[1].via == ("Shrewsbury College",)
    assert any(t.step == "passages" for t in answer.trace)
    # Offsets point into the document text.
    first = answer.passages[0]
    assert TEXTS["docs/vane.txt"][0][first.start : first.end] == first.quote

    # The index follows the store: a new document is found without restarting the engine.
    _write(corpus, "docs/founding.txt", "Harriet Vane's college was founded in 1879.", (VANE,))
    again = engine.ask(QUESTION)
    assert "docs/founding.txt" in [p.document_source for p in again.passages]

    # Turned off, the answer is the bare insufficient-evidence answer.
    off = settings.model_copy(update={"engine": EngineSettings(store_answers=False, passages=0)})
    assert Engine(corpus, off, nlp=nlp).ask(QUESTION).passages == ()


def test_an_empty_store_offers_nothing(
    store: GraphStore, store_settings: Settings, nlp: Any
) -> None:
    settings = store_settings.model_copy(update={"engine": EngineSettings(store_answers=False)})
    answer = Engine(store, settings, nlp=nlp).ask(QUESTION)
    assert answer.outcome == "insufficient_evidence"
    assert answer.passages == ()


def test_engines_sharing_a_cache_share_one_index(
    corpus: GraphStore, store_settings: Settings, nlp: Any
) -> None:
    cache = PassageCache()
    settings = store_settings.model_copy(update={"engine": EngineSettings(store_answers=False)})
    first = Engine(corpus, settings, nlp=nlp, passages=cache)
    second = Engine(corpus, settings, nlp=nlp, passages=cache)
    assert first.passage_index() is second.passage_index()
    _write(corpus, "docs/more.txt", "More text about Harriet Vane.", (VANE,))
    rebuilt = second.passage_index()
    assert rebuilt is first.passage_index()
    assert len(rebuilt) == len(TEXTS) + 1
