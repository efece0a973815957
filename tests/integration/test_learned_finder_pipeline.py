"""The learned relation finder inside the ingestion pipeline, on both backends (Neo4j is a real
Neo4j 5.26): a lexicon built from labelled sentences is selected by
``KAG_INGESTION__RELATION_LEXICON`` and its relations land in the graph with their evidence."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from graph_schema import GraphSchema, Status
from ingestion.pipeline import IngestionPipeline
from ingestion.relations.lexicon import save_lexicon
from ingestion.relations.training import build_lexicon
from ingestion.relations.value_learning import LabelledSentence, LabelledTriple
from kag.settings import IngestionSettings, Settings
from kag.store import GraphStore

if TYPE_CHECKING:
    from spacy.language import Language

COMPANIES = [
    "Brannock Freight", "Corvane Analytics", "Dellmore Robotics", "Estrada Logistics",
    "Fallowby Systems", "Gantry Works", "Halvern Data", "Irongate Labs", "Juniper Hollow",
    "Kestrel Dynamics", "Lattimer Group", "Morrow Instruments",
]  # fmt: skip
CITIES = ["Austin", "Lyon", "Osaka", "Denver", "Porto", "Tallinn"]


def labelled() -> list[LabelledSentence]:
    out = []
    for i, company in enumerate(COMPANIES):
        rival, city = COMPANIES[(i + 5) % len(COMPANIES)], CITIES[i % len(CITIES)]
        if i % 2:
            text = f"{company} is headquartered in {city} and competes with {rival}."
            triples = [
                LabelledTriple(company, "HEADQUARTERED_IN", city),
                LabelledTriple(company, "COMPETES_WITH", rival),
            ]
        else:
            text = f"Based in {city}, {company} competes with {rival} for retail customers."
            triples = [
                LabelledTriple(company, "HEADQUARTERED_IN", city),
                LabelledTriple(company, "COMPETES_WITH", rival),
            ]
        out.append(LabelledSentence(text, tuple(triples)))
    return out


@pytest.fixture(scope="module")
def nlp() -> Language:
    from ingestion.nlp.model import load_model

    return load_model()


@pytest.fixture(scope="module")
def lexicon_path(tmp_path_factory: pytest.TempPathFactory, nlp: Language) -> Path:
    schema = GraphSchema.load()
    path = tmp_path_factory.mktemp("lexicon") / "lexicon.json"
    save_lexicon(build_lexicon(labelled(), schema, nlp), path)
    return path


def test_the_learned_finder_writes_typed_relations_with_evidence(
    store: GraphStore, nlp: Language, lexicon_path: Path
) -> None:
    from ingestion.nlp.model import load_model

    settings = Settings(
        store="embedded:unused.db", ingestion=IngestionSettings(relation_lexicon=lexicon_path)
    )
    text = "Quarrington Labs is headquartered in Bergen and competes with Solvay Tooling."
    pipeline = IngestionPipeline(store, settings, nlp=load_model())
    report = pipeline.ingest_texts([("memo/quarrington", text)])
    assert report.documents[0].status == "ingested"

    by_name = {e.name: e.id for e in store.list_entities()}
    assert {"Quarrington Labs", "Bergen", "Solvay Tooling"} <= set(by_name)
    found = store.neighbourhood(
        [by_name["Quarrington Labs"]],
        hops=1,
        rel_types=["HEADQUARTERED_IN", "COMPETES_WITH"],
        statuses=list(Status),
    )
    names = {n.id: n.name for n in found.nodes}
    relations = {(r.type, names[r.target_id]) for r in found.relationships}
    assert ("HEADQUARTERED_IN", "Bergen") in relations
    assert any(t == "COMPETES_WITH" for t, _ in relations)

    [hq] = [r for r in found.relationships if r.type == "HEADQUARTERED_IN"]
    [span] = store.evidence([hq.id])[hq.id]
    assert span.document_source == "memo/quarrington"
    assert span.quote == text
    assert span.extractor == "nlp"  # the extraction half; the finder is part of it
