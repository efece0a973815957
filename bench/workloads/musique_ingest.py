"""Ingesting the MuSiQue passages with the product's pipeline (NLP only), for benchmarks.

:func:`ingest_musique` is what the QA benchmark calls to build its graph: each of the 1,890
passages of ``musique-dev/train_corpus.json`` becomes one document whose source is
``"<title>#<index>"`` (index: the passage's position in the file) and whose title is the
passage's title.

Run as ``python -m bench.workloads.musique_ingest --store STORE --docs N`` it measures, in one
process, raw ``nlp.pipe`` on the passages' text and then the whole pipeline (loading, chunking,
extraction, reconciliation, resolution, graph writes) on the same text, sampling RSS every
quarter of the documents; it prints one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.data.musique import CorpusPassage, load_corpus
from bench.data.paths import resolve_eval_root
from ingestion.nlp.ruler import RULER_NAME
from ingestion.pipeline import IngestionPipeline, ProgressSink, TextInput
from ingestion.report import IngestReport
from kag.settings import Neo4jSettings, Settings
from kag.store import GraphStore, open_store

if TYPE_CHECKING:
    from spacy.language import Language


def passage_source(index: int, passage: CorpusPassage) -> str:
    """The document source of passage ``index``: ``"<title>#<index>"``."""
    return f"{passage.title}#{index}"


def passage_inputs(passages: Sequence[CorpusPassage]) -> list[TextInput]:
    """One text input per passage, in corpus order."""
    return [
        TextInput(source=passage_source(i, p), text=p.text, title=p.title)
        for i, p in enumerate(passages)
    ]


def ingest_musique(
    store: GraphStore,
    settings: Settings,
    passages: Sequence[CorpusPassage] | None = None,
    *,
    eval_root: Path | None = None,
    limit: int | None = None,
    progress: ProgressSink | None = None,
) -> IngestReport:
    """Ingest MuSiQue passages into ``store`` with the product's pipeline and ``settings``.

    Args:
        store: an open, migrated store (embedded or Neo4j).
        settings: the settings the pipeline runs with (``KAG_LLM=none`` for NLP only).
        passages: the passages; by default the whole corpus from ``eval_root``.
        eval_root: the evaluation data folder (default: ``KAG_EVAL_DATA`` or ../shared/eval).
        limit: ingest only the first ``limit`` passages.
        progress: receives progress events.

    Returns:
        The ingestion report (re-running on the same store reports every passage unchanged).
    """
    if passages is None:
        passages = load_corpus(resolve_eval_root(eval_root))
    chosen = list(passages[:limit] if limit is not None else passages)
    pipeline = IngestionPipeline(store, settings, progress=progress)
    return pipeline.ingest_texts(passage_inputs(chosen))


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 1_048_576


def _raw_pipe(nlp: Language, texts: list[str], batch_size: int) -> float:
    """Seconds of plain ``nlp.pipe`` over ``texts`` (the pipeline's EntityRuler switched off)."""
    extra = [name for name in nlp.pipe_names if name == RULER_NAME]
    with nlp.select_pipes(disable=extra):
        started = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=batch_size):
            pass
        return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    """Measure raw ``nlp.pipe`` and the pipeline on the same passages; print JSON.

    The passages are taken in four slices; for each, raw ``nlp.pipe`` runs on the slice and then
    the pipeline ingests it, so the machine's load weighs on both measurements alike. Both use
    the same loaded model (loaded once, outside the timings). RSS is sampled after each slice.
    """
    parser = argparse.ArgumentParser(prog="python -m bench.workloads.musique_ingest")
    parser.add_argument("--store", required=True)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--eval-data", type=Path, default=None)
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default="")
    args = parser.parse_args(argv)
    settings = Settings(
        store=args.store, llm="none", neo4j=Neo4jSettings(user=args.user, password=args.password)
    )
    from ingestion.nlp.model import load_model

    passages = load_corpus(resolve_eval_root(args.eval_data))[: args.docs]
    inputs = passage_inputs(passages)
    words = sum(len(p.text.split()) for p in passages)
    nlp = load_model(settings.ingestion.spacy_model)
    store = open_store(settings)
    pipeline = IngestionPipeline(store, settings, nlp=nlp)
    raw_seconds = pipeline_seconds = 0.0
    samples: list[tuple[int, float]] = []
    assertions = 0
    outcomes: dict[str, int] = {}
    rss_start = _rss_mb()
    quarter = max(1, len(inputs) // 4)
    try:
        for start in range(0, len(inputs), quarter):
            part = inputs[start : start + quarter]
            raw_seconds += _raw_pipe(nlp, [t.text for t in part], settings.ingestion.nlp_batch_size)
            started = time.perf_counter()
            report = pipeline.ingest_texts(part)
            pipeline_seconds += time.perf_counter() - started
            assertions += report.assertions
            for key, value in report.counts.items():
                outcomes[key] = outcomes.get(key, 0) + value
            gc.collect()
            samples.append((start + len(part), round(_rss_mb(), 1)))
        counts = store.counts()
    finally:
        store.close()
    result: dict[str, Any] = {
        "documents": len(passages),
        "words": words,
        "raw_pipe_seconds": raw_seconds,
        "pipeline_seconds": pipeline_seconds,
        "raw_words_per_s": words / raw_seconds,
        "pipeline_words_per_s": words / pipeline_seconds,
        "ratio": raw_seconds / pipeline_seconds,
        "rss_start_mb": round(rss_start, 1),
        "rss_samples_mb": samples,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "assertions": assertions,
        "outcomes": outcomes,
        "nodes": sum(counts.nodes.values()),
        "relationships": sum(counts.relationships.values()),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
