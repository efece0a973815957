"""The spaCy half: entity typing, the cue relation finder, observations, layers and links."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graph_schema import GraphSchema, Layer, RelType
from ingestion.chunking import chunk_text
from ingestion.models import ChunkExtraction
from ingestion.nlp.extractor import NlpExtractor, ParsedChunk
from ingestion.relations.cues import CueRelationFinder
from ingestion.relations.select import make_relation_finder
from kag.errors import ConfigurationError

if TYPE_CHECKING:
    from pathlib import Path

    from spacy.language import Language


@pytest.fixture
def extractor(nlp: Language, schema: GraphSchema) -> NlpExtractor:
    return NlpExtractor(schema, nlp, CueRelationFinder(schema))


def extract(extractor: NlpExtractor, text: str, source: str = "doc_test") -> ChunkExtraction:
    chunks = chunk_text(f"doc_{source}", 1, text, max_chars=5000)
    [extraction] = extractor.extract([ParsedChunk(c, "test") for c in chunks])
    return extraction


def triples(extraction: ChunkExtraction) -> set[tuple[str, str, str]]:
    return {(r.subject.name, r.predicate, r.object.name) for r in extraction.relations}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Orvik Sensors is headquartered in Gdansk.",
            ("Orvik Sensors", "HEADQUARTERED_IN", "Gdansk"),
        ),
        (
            "Brannock Industrial Group acquired Quillon Systems.",
            ("Brannock Industrial Group", "ACQUIRED", "Quillon Systems"),
        ),
        # passive with an agent turns around
        (
            "Quillon Systems was acquired by Brannock Industrial Group in 2023.",
            ("Brannock Industrial Group", "ACQUIRED", "Quillon Systems"),
        ),
        # a "... by" relation: the agent is the object
        (
            "Pellmark Software is led by Marcus Oyelaran, its founder.",
            ("Pellmark Software", "LED_BY", "Marcus Oyelaran"),
        ),
        # a cue with words between the verb and its preposition, phrased from the receiver
        (
            "Pellmark Software sources its cloud infrastructure from Stratacore Cloud.",
            ("Pellmark Software", "SUPPLIED_BY", "Stratacore Cloud"),
        ),
        # noun cues
        (
            "Halvorsen Logistics Cloud is a subsidiary of Nordavik Group.",
            ("Halvorsen Logistics Cloud", "SUBSIDIARY_OF", "Nordavik Group"),
        ),
        (
            "Tollbridge Pharma Distribution was a customer of Quillon Systems.",
            ("Tollbridge Pharma Distribution", "CUSTOMER_OF", "Quillon Systems"),
        ),
        # phrase concepts: a market is named without the word "market"
        (
            "Corvane Robotics operates in the warehouse robotics market.",
            ("Corvane Robotics", "OPERATES_IN", "warehouse robotics"),
        ),
        (
            "Pellmark Software targets mid-market distributors.",
            ("Pellmark Software", "TARGETS", "mid-market distributors"),
        ),
        # a technology from the ontology's examples
        (
            "Quillon YardView uses RFID to track trailers.",
            ("Quillon YardView", "USES_TECHNOLOGY", "RFID"),
        ),
    ],
)
def test_relations_from_cues_and_dependencies(
    extractor: NlpExtractor, sentence: str, expected: tuple[str, str, str]
) -> None:
    found = extract(extractor, sentence)
    assert expected in triples(found)
    relation = next(r for r in found.relations if r.predicate == expected[1])
    assert relation.evidence.text == sentence
    assert relation.extractor == "nlp-cues"


def test_symmetric_relation_and_type_fit(extractor: NlpExtractor) -> None:
    found = extract(
        extractor, "Pellmark Software competes with Lumenfold Systems in mid-market deals."
    )
    assert ("Pellmark Software", "COMPETES_WITH", "Lumenfold Systems") in triples(found)
    # a cue without fitting arguments gives nothing: a place cannot be acquired
    assert triples(extract(extractor, "Orvik Sensors acquired Gdansk harbour views.")) == set()


def test_entity_types(extractor: NlpExtractor) -> None:
    found = extract(
        extractor,
        "Marcus Oyelaran founded Pellmark Software in Austin. Pellmark Software offers Pellmark "
        "Stock, a cloud warehouse management system. Pellmark Stock uses machine learning.",
    )
    types = {m.name: m.type for m in found.entities}
    assert types["Marcus Oyelaran"] == "person"
    assert types["Pellmark Software"] == "company"  # the name's head "Software" is a cue
    assert types["Austin"] == "place"
    assert types["Pellmark Stock"] == "product"  # apposition with "system"
    assert types["machine learning"] == "technology"  # a concept example
    for mention in found.entities:  # spans point at the text
        assert (
            mention.span.text == mention.name or mention.span.text.lower() == mention.name.lower()
        )


def test_known_entities_feed_the_entity_ruler(extractor: NlpExtractor) -> None:
    extractor.add_known_entities([("product", "Zentrix", ["ZX Suite"])])
    found = extract(extractor, "Lumenfold Systems offers Zentrix and the ZX Suite.")
    kinds = {(m.name, m.type, m.confidence) for m in found.entities}
    assert ("Zentrix", "product", 0.95) in kinds
    assert ("ZX Suite", "product", 0.95) in kinds
    assert ("Lumenfold Systems", "OFFERS", "Zentrix") in triples(found)


def test_first_person_names_the_configured_organisation(nlp: Language, schema: GraphSchema) -> None:
    extractor = NlpExtractor(
        schema, nlp, CueRelationFinder(schema), first_person=("Lumenfold Systems", "company")
    )
    found = extract(extractor, "We operate in North America.")
    assert ("Lumenfold Systems", "OPERATES_IN", "North America") in triples(found)
    [we] = [m for m in found.entities if m.name == "Lumenfold Systems"]
    assert we.span.text == "We"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Pellmark Software's revenue in 2024 was $41.2 million.",
            ("Pellmark Software", "revenue", 41_200_000.0, "USD", "2024"),
        ),
        (
            "Pellmark's operating margin in 2023 was -4%.",
            ("Pellmark", "operating margin", -4.0, "percent", "2023"),
        ),
        (
            "In Q1 2024, Pellmark cut prices by 10% on Pellmark Stock.",
            ("Pellmark", "price change", -10.0, "percent", "2024-Q1"),
        ),
        (
            "In Q1 2024, Halvorsen raised prices by 6% for new contracts.",
            ("Halvorsen", "price change", 6.0, "percent", "2024-Q1"),
        ),
        (
            "In 2024, Lumenfold's win rate in competitive deals fell from 52% to 38%.",
            ("Lumenfold", "win rate", 38.0, "percent", "2024"),
        ),
        (
            "Corvane Robotics had 150 customers at the end of 2024.",
            ("Corvane Robotics", "customers", 150.0, "count", "2024"),
        ),
        (
            "In 2024, Corvane Robotics acquired Gridwell Analytics for $35 million.",
            ("Gridwell Analytics", "acquisition price", 35_000_000.0, "USD", "2024"),
        ),
        (
            "Brannock Industrial Group's revenue in the first half of 2024 was €2.1 billion.",
            ("Brannock Industrial Group", "revenue", 2_100_000_000.0, "EUR", "2024-H1"),
        ),
    ],
)
def test_observations(
    extractor: NlpExtractor, sentence: str, expected: tuple[str, str, float, str, str]
) -> None:
    found = extract(extractor, sentence)
    got = {(o.subject.name, o.metric, o.value, o.unit, o.period) for o in found.observations}
    assert expected in got


def test_no_observation_without_a_metric_or_a_subject(extractor: NlpExtractor) -> None:
    assert extract(extractor, "The meeting lasted 45 minutes in 2024.").observations == ()
    assert extract(extractor, "Revenue was $3 million.").observations == ()


def test_layers_conditions_and_links(extractor: NlpExtractor) -> None:
    found = extract(
        extractor,
        "When a competitor undercuts us on price, we should compete on integration depth.\n\n"
        "In the Kelburn Apparel deal, we kept our price, showed the integration and won the "
        "contract.\n\n"
        "However, in the Ardent deal we led with integration depth and lost on price.\n\n"
        "The pattern suggests that integration wins deals where price alone does not.\n\n"
        "Situation: A heavily funded competitor targets our segment with repeated price cuts.",
    )
    layers = [(s.layer, s.text) for s in found.statements]
    assert (
        Layer.WISDOM,
        "When a competitor undercuts us on price, we should compete on integration depth.",
    ) in layers
    assert (Layer.SITUATION, "a competitor undercuts us on price") in layers
    assert (
        Layer.INSIGHT,
        "The pattern suggests that integration wins deals where price alone does not.",
    ) in layers
    # a labelled statement keeps its text without the label
    assert (
        Layer.SITUATION,
        "A heavily funded competitor targets our segment with repeated price cuts.",
    ) in layers
    kinds = {
        (found.statements[k.source].layer, k.type, found.statements[k.target].layer)
        for k in found.links
    }
    assert (Layer.WISDOM, RelType.APPLIES_IN, Layer.SITUATION) in kinds
    assert (Layer.EXPERIENCE, RelType.SUPPORTS, Layer.WISDOM) in kinds
    assert (Layer.EXPERIENCE, RelType.CONTRADICTS, Layer.WISDOM) in kinds
    assert (Layer.INSIGHT, RelType.DERIVED_FROM, Layer.EXPERIENCE) in kinds
    for statement in found.statements:
        assert statement.evidence.text == statement.text


def test_relation_finder_selection(schema: GraphSchema, tmp_path: Path) -> None:
    assert isinstance(make_relation_finder(schema, None), CueRelationFinder)
    with pytest.raises(ConfigurationError, match="no such file"):
        make_relation_finder(schema, tmp_path / "missing.json")


def test_section_headings_give_uncued_sentences_their_layer(extractor: NlpExtractor) -> None:
    found = extract(
        extractor,
        "Analyst note\n\nThe facts\n\nPellmark Software's revenue growth in 2024 was 38%.\n\n"
        "Conclusion\n\nPellmark Software is gaining market share while losing money on the "
        "customers it adds.\n\nWhat happened\n\nAfter the outage, Priya Raman called Marrowgate "
        "Retail, and Marrowgate Retail renewed for two years.",
    )
    layers = {s.text: s.layer for s in found.statements}
    assert (
        layers[
            "Pellmark Software is gaining market share while losing money on the customers it adds."
        ]
        is Layer.INSIGHT
    )
    assert (
        layers[
            "After the outage, Priya Raman called Marrowgate Retail, and Marrowgate "
            "Retail renewed for two years."
        ]
        is Layer.EXPERIENCE
    )
