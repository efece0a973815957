"""The MuSiQue QA group's engine side, on the tiny MuSiQue-shaped data.

The ingestion pipeline is another issue's; here a hand-written ingest adapter writes the tiny
corpus's facts through the real storage API (documents, chunks, entities, relations with
evidence), as the pipeline would, so the engine side (asking, citing passages, scoring beside
BM25) runs for real.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.context import BenchContext
from bench.data.musique import CorpusPassage
from bench.errors import BenchError
from bench.groups import qa_musique
from bench.groups.qa_musique import IngestedCorpus
from bench.scoring.qa import PassageKey
from graph_schema import AssertionKind, Label, Layer, Status, evidence_id, stable_id
from graph_schema.properties import (
    AssertionRecord,
    ChunkRecord,
    DocumentRecord,
    EntityRecord,
    EvidenceRecord,
)
from kag.settings import EngineSettings, Settings
from kag.store import WriteBatch, open_store

ONTOLOGY = {
    "id": "tiny_movies",
    "concepts": [
        {"qid": "studio", "label": "company"},
        {"qid": "film", "label": "film"},
        {"qid": "person", "label": "person"},
        {"qid": "place", "label": "place"},
    ],
    "relations": [
        {"pid": "p", "label": "produced", "domain": "studio", "range": "film", "cues": ["produce"]},
        {"pid": "d", "label": "directed by", "domain": "film", "range": "person",
         "cues": ["direct"]},
    ],
}  # fmt: skip
FACTS = [  # (passage title, subject, predicate, object, quote)
    ("Zorblax Studios", ("Zorblax Studios", "company"), "PRODUCED", ("Quintessa", "film")),
    ("Quintessa", ("Quintessa", "film"), "DIRECTED_BY", ("Marvella Oduya", "person")),
]


def _entity(name: str, kind: str) -> EntityRecord:
    return EntityRecord(
        id=stable_id(Label.ENTITY, kind, name.lower()), name=name, type=kind, status=Status.APPROVED
    )


def tiny_ingest(ontology: Path) -> qa_musique.MusiqueIngest:
    def ingest(store: str, passages: Sequence[CorpusPassage]) -> IngestedCorpus:
        settings = Settings(
            store=store, ontology=ontology, engine=EngineSettings(store_answers=False)
        )
        graph = open_store(settings)
        documents: dict[str, PassageKey] = {}
        for i, passage in enumerate(passages):
            doc_id = stable_id(Label.DOCUMENT, f"musique/{i}")
            text = passage.text
            doc = DocumentRecord(
                id=doc_id,
                source=f"musique/{i}",
                title=passage.title,
                media_type="text/plain",
                content_hash=str(i),
                version=1,
                char_count=len(text),
            )
            chunk = ChunkRecord(
                id=stable_id(Label.CHUNK, doc_id, "1", "0"),
                document_id=doc_id,
                version=1,
                position=0,
                start=0,
                end=len(text),
                text=text,
            )
            batch = WriteBatch(documents=(doc,), chunks=(chunk,))
            for title, (s, st), predicate, (o, ot) in FACTS:
                if title != passage.title:
                    continue
                subject, obj = _entity(s, st), _entity(o, ot)
                fact = AssertionRecord(
                    id=stable_id(Label.KNOWLEDGE, s, predicate, o), layer=Layer.KNOWLEDGE,
                    kind=AssertionKind.RELATION, text=text, fingerprint=f"{s}|{predicate}|{o}",
                    status=Status.APPROVED, confidence=0.9, subject_id=subject.id,
                    predicate=predicate, object_id=obj.id,
                )  # fmt: skip
                span = EvidenceRecord(
                    id=evidence_id(fact.id, chunk.id, 0, len(text)), assertion_id=fact.id,
                    chunk_id=chunk.id, document_id=doc_id, start=0, end=len(text), quote=text,
                    extractor="tiny",
                )  # fmt: skip
                batch = batch.model_copy(
                    update={"entities": (subject, obj), "assertions": (fact,), "evidence": (span,)}
                )
            graph.write(batch)
            documents[doc_id] = passage.key
        graph.close()
        return IngestedCorpus(settings, documents)

    return ingest


def test_engine_answers_are_scored_beside_bm25(bench_ctx: BenchContext, tmp_path: Path) -> None:
    bench_ctx.scratch.mkdir(parents=True, exist_ok=True)
    ontology = tmp_path / "movies.json"
    ontology.write_text(json.dumps(ONTOLOGY), encoding="utf-8")
    figures = {f.name: f for f in qa_musique.measure(bench_ctx, tiny_ingest(ontology))}
    # q1 "Who directed the film Zorblax Studios produced?" is a 2-hop chain in the graph;
    # q2 (cheese in Fendrick) has no fact at all.
    assert figures["exact_match"].value == pytest.approx(0.5)
    assert figures["supporting_recall@2"].value == pytest.approx(0.5)
    assert figures["supporting_recall@2"].baselines == {"bm25": pytest.approx(2 / 3, abs=1e-4)}
    goal = figures["supporting_recall@5"].goal
    assert goal is not None
    assert goal.comparator == ">"
    assert figures["supporting_recall@5"].met is False
    assert all(f.group == "qa_musique" for f in figures.values())


def test_without_an_ingestion_pipeline_the_group_says_so(
    bench_ctx: BenchContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(qa_musique.INGEST_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "ingestion.pipeline", None)  # as in a checkout without it
    bench_ctx.scratch.mkdir(parents=True, exist_ok=True)
    with pytest.raises(BenchError, match=r"needs the ingestion pipeline \(ingestion.pipeline"):
        qa_musique.run(bench_ctx)
