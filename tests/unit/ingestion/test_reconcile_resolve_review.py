"""Reconciliation of the two halves, entity resolution and the review policy."""

from __future__ import annotations

import json

import pytest

from graph_schema import Label, Layer, RelType, Status, stable_id
from ingestion.models import (
    ChunkExtraction,
    EntityMention,
    LinkCandidate,
    ObservationCandidate,
    RelationCandidate,
    Span,
    StatementCandidate,
)
from ingestion.reconcile import combine, reconcile
from ingestion.resolve import EntityResolver, entity_id
from ingestion.review import ReviewPolicy, rejected_fingerprints
from kag.settings import IngestionSettings
from kag.store import NodeView
from kag.store.views import node_view

TEXT = "Acme Corp competes with Globex. Acme Corp's revenue in 2024 was $5 million."
SYMMETRIC = frozenset({"COMPETES_WITH"})


def mention(name: str, extractor: str, type_: str = "company", conf: float = 0.8) -> EntityMention:
    start = TEXT.find(name)
    span = (
        Span(start=start, end=start + len(name), text=name)
        if start >= 0
        else Span(start=0, end=0, text="")
    )
    return EntityMention(name=name, type=type_, span=span, extractor=extractor, confidence=conf)


def sentence(i: int) -> Span:
    text = TEXT.split(". ")[i]
    start = TEXT.index(text)
    return Span(start=start, end=start + len(text), text=text)


def relation(s: str, o: str, extractor: str, conf: float) -> RelationCandidate:
    return RelationCandidate(
        subject=mention(s, extractor),
        predicate="COMPETES_WITH",
        object=mention(o, extractor),
        evidence=sentence(0),
        extractor=extractor,
        confidence=conf,
    )


def extraction(extractor: str, **parts: object) -> ChunkExtraction:
    return ChunkExtraction(chunk_id="chk_1", extractor=extractor, **parts)  # type: ignore[arg-type]


def test_agreement_raises_confidence_and_records_both_extractors() -> None:
    nlp = extraction("nlp", relations=(relation("Acme Corp", "Globex", "nlp-cues", 0.7),))
    # the LLM states it the other way round: a symmetric relation is the same fact
    llm = extraction("llm", relations=(relation("Globex", "Acme Corp", "llm", 0.6),))
    out = reconcile(TEXT, [nlp, llm], symmetric=SYMMETRIC)
    [kept] = out.relations
    assert kept.extractors == ("llm", "nlp")
    assert kept.confidence == pytest.approx(combine(0.7, 0.6)) == pytest.approx(0.88)
    assert out.agreed == 1
    assert out.ungrounded == 0


def test_ungrounded_llm_candidates_are_dropped_and_counted() -> None:
    nlp = extraction("nlp")
    llm = extraction(
        "llm",
        relations=(relation("Acme Corp", "Initech", "llm", 0.7),),  # Initech is not in the chunk
        observations=(
            ObservationCandidate(
                subject=mention("Hooli", "llm"),
                metric="revenue",
                value=5e6,
                unit="USD",
                period="2024",
                evidence=sentence(1),
                extractor="llm",
                confidence=0.7,
            ),
        ),
        statements=(
            StatementCandidate(
                layer=Layer.WISDOM,
                text="Never compete on price.",
                evidence=Span(start=0, end=0, text=""),
                extractor="llm",
                confidence=0.7,
            ),
        ),
        entities=(mention("Initech", "llm"),),
    )
    out = reconcile(TEXT, [nlp, llm], symmetric=SYMMETRIC)
    assert out.relations == []
    assert out.observations == []
    assert out.statements == []
    assert out.ungrounded == 3
    assert out.entities == []  # an entity absent from the chunk is no mention of it


def test_nlp_candidates_are_kept_alone_and_statements_agree_by_span() -> None:
    statement = StatementCandidate(
        layer=Layer.KNOWLEDGE,
        text=sentence(0).text,
        evidence=sentence(0),
        extractor="nlp",
        confidence=0.6,
    )
    second = statement.model_copy(update={"text": "Acme Corp's revenue", "evidence": sentence(1)})
    llm_statement = statement.model_copy(update={"extractor": "llm", "confidence": 0.5})
    nlp = extraction(
        "nlp",
        relations=(relation("Acme Corp", "Globex", "nlp-cues", 0.7),),
        statements=(statement, second),
        links=(
            LinkCandidate(
                source=1, type=RelType.SUPPORTS, target=0, extractor="nlp", confidence=0.5
            ),
        ),
    )
    llm = extraction("llm", statements=(llm_statement,))
    out = reconcile(TEXT, [nlp, llm], symmetric=SYMMETRIC)
    assert [k.extractors for k in out.relations] == [("nlp",)]
    assert [k.extractors for k in out.statements] == [("llm", "nlp"), ("nlp",)]
    assert [(link.source, link.target) for link in out.links] == [(1, 0)]


def _entity(
    name: str, type_: str = "company", *, aliases: tuple[str, ...] = (), status: str = "approved"
) -> NodeView:
    eid = entity_id(type_, name)
    return node_view(
        eid,
        Label.ENTITY,
        {
            "id": eid,
            "name": name,
            "type": type_,
            "aliases": list(aliases),
            "status": status,
            "confidence": 0.9,
        },
    )


def test_resolution_exact_alias_prefix_fuzzy_and_new() -> None:
    acme = _entity("Acme Corporation", aliases=("ACME",))
    globex = _entity("Globex Logistics")
    resolver = EntityResolver([acme, globex], fuzzy_threshold=90)
    assert resolver.resolve("acme", "company").id == acme.id
    assert resolver.resolve("Acme Corporation", "organization").id == acme.id
    prefixed = resolver.resolve("Globex", "company")
    assert prefixed.id == globex.id
    assert "Globex" in prefixed.aliases
    assert prefixed.changed
    fuzzy = resolver.resolve("Acme Corporaton", "company")  # a typo
    assert fuzzy.id == acme.id
    assert resolver.resolve("Acme Corporation", "place").id != acme.id
    new = resolver.resolve("Initech", "company", confidence=0.8)
    assert new.id == entity_id("company", "Initech")
    assert not new.stored
    assert resolver.resolve("initech", "company").id == new.id


def test_expert_merge_and_split_decisions_are_honoured() -> None:
    big = _entity("Acme Corporation")
    dup = _entity("Acme Holdings")
    mixed = _entity("Apex", aliases=("Apex Labs",))
    merge = node_view(
        stable_id(Label.DECISION, "m"),
        Label.DECISION,
        {"action": "merge", "target_id": dup.id, "after": json.dumps({"into": big.id})},
    )
    split = node_view(
        stable_id(Label.DECISION, "s"),
        Label.DECISION,
        {"action": "split", "target_id": mixed.id, "after": json.dumps({"names": ["Apex Labs"]})},
    )
    undone = node_view(
        stable_id(Label.DECISION, "u"),
        Label.DECISION,
        {
            "action": "merge",
            "target_id": mixed.id,
            "undone": True,
            "after": json.dumps({"into": big.id}),
        },
    )
    resolver = EntityResolver([big, dup, mixed], [merge, split, undone])
    assert resolver.resolve("Acme Holdings", "company").id == big.id
    assert resolver.merged_into(big.id) == {big.id, dup.id}
    labs = resolver.resolve("Apex Labs", "company")
    assert labs.id == entity_id("company", "Apex Labs") != mixed.id
    assert resolver.resolve("Apex", "company").id == mixed.id


def test_review_policy() -> None:
    settings = IngestionSettings(auto_approve_threshold=0.8, nlp_only_auto_approve_threshold=0.9)
    hybrid = ReviewPolicy.from_settings(settings, hybrid=True)
    assert hybrid.status(0.85, ["llm", "nlp"]) is Status.APPROVED
    assert hybrid.status(0.95, ["nlp"]) is Status.PROPOSED  # no agreement, no approval
    assert hybrid.status(0.75, ["llm", "nlp"]) is Status.PROPOSED
    nlp_only = ReviewPolicy.from_settings(settings, hybrid=False)
    assert nlp_only.status(0.85, ["nlp"]) is Status.PROPOSED
    assert nlp_only.status(0.92, ["nlp"]) is Status.APPROVED
    rejected = node_view("kno_a", Label.KNOWLEDGE, {"fingerprint": "f1", "status": "rejected"})
    kept = node_view("kno_b", Label.KNOWLEDGE, {"fingerprint": "f2", "status": "approved"})
    assert rejected_fingerprints([rejected, kept]) == {"f1"}


def test_fuzzy_resolution_keeps_names_that_differ_by_a_word_apart() -> None:
    actress = _entity("Academy Award for Best Actress", "award")
    resolver = EntityResolver([actress], fuzzy_threshold=90)
    assert resolver.resolve("Academy Award for Best Actress.", "award").id == actress.id
    assert resolver.resolve("Academy Award for Best Actor", "award").id != actress.id
    supporting = resolver.resolve("Academy Award for Best Supporting Actress", "award")
    assert supporting.id != actress.id
    # a dropped first name and an initial still merge; so does a typo
    singer = _entity("Gwen Stefani", "person")
    president = _entity("John F. Kennedy", "person")
    resolver = EntityResolver([singer, president], fuzzy_threshold=90)
    assert resolver.resolve("Gwen Stefanie", "person").id == singer.id
    assert resolver.resolve("John Kennedy", "person").name == "John F. Kennedy"


def test_a_title_keeps_its_article_until_written() -> None:
    resolver = EntityResolver([], fuzzy_threshold=90)
    first = resolver.resolve("Secret Life of Pets", "film")
    again = resolver.resolve("The Secret Life of Pets", "film")
    assert again.id == first.id
    assert again.name == "The Secret Life of Pets"
    assert "Secret Life of Pets" in again.aliases
    assert resolver.resolve("Secret Life of Pets", "film").name == "The Secret Life of Pets"
