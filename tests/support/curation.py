"""Helpers for the curation tests: the sample corpus ingested through the real pipeline, and a
complete dump of a store's graph to compare states exactly."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph_schema import Label, RelType, Status
from ingestion.pipeline import IngestionPipeline
from ingestion.report import IngestReport
from kag.samples import corpus_dir, document_paths
from kag.settings import IngestionSettings, Settings
from kag.store import GraphStore

if TYPE_CHECKING:
    from spacy.language import Language

#: "We" in the sample corpus is Lumenfold Systems.
FIRST_PERSON = "Lumenfold Systems"

#: What a revised copy of a sample document ends with (no fact in it).
REVISION = b"\n\nReviewed.\n"

Dump = tuple[dict[str, Any], dict[str, Any]]


def corpus_pipeline(store: GraphStore, nlp: Language) -> IngestionPipeline:
    """The NLP-only ingestion pipeline as ``make demo`` runs it."""
    settings = Settings(
        store="embedded:unused.db",
        ingestion=IngestionSettings(first_person_entity=FIRST_PERSON),
    )
    return IngestionPipeline(store, settings, nlp=nlp)


def ingest_corpus(store: GraphStore, nlp: Language) -> IngestReport:
    """Ingest the whole sample corpus (sources relative to the corpus folder)."""
    return corpus_pipeline(store, nlp).ingest_paths([corpus_dir()])


def ingest_corpus_revised(store: GraphStore, nlp: Language, folder: Path) -> IngestReport:
    """Ingest every sample document again as a new version (the same file with a review
    note, copied under ``folder``), so every fact is extracted and written anew."""
    for source in document_paths():
        copy = folder / source
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes((corpus_dir() / source).read_bytes() + REVISION)
    return corpus_pipeline(store, nlp).ingest_paths([folder])


def dump(store: GraphStore) -> Dump:
    """Every node (decisions aside) and relationship with all properties."""
    labels = [label for label in Label if label is not Label.DECISION]
    types = [
        *store.schema.relation_types,
        *(t.value for t in RelType if t is not RelType.DECIDED),
    ]
    graph = store.export_subgraph(
        labels, types, statuses=list(Status), entity_statuses=list(Status)
    )
    return (
        {n.id: (n.label.value, dict(n.props)) for n in graph.nodes},
        {r.id: (r.type, r.source_id, r.target_id, dict(r.props)) for r in graph.relationships},
    )
