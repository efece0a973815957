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
from typing import Any

from bench.data.musique import CorpusPassage, load_corpus
from bench.data.paths import resolve_eval_root
from ingestion.pipeline import IngestionPipeline, ProgressSink, TextInput
from ingestion.report import DocumentOutcome, IngestReport
from kag.settings import Neo4jSettings, Settings
from kag.store import GraphStore, open_store


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


class _RssSampler:
    """Samples resident memory after every quarter of the documents."""

    def __init__(self, total: int) -> None:
        self.marks = {round(total * q / 4) for q in (1, 2, 3, 4)}
        self.done = 0
        self.samples: list[tuple[int, float]] = []

    def started(self, documents: int) -> None:
        del documents

    def document_done(self, outcome: DocumentOutcome, tokens: int) -> None:
        del outcome, tokens
        self.done += 1
        if self.done in self.marks:
            gc.collect()
            self.samples.append((self.done, round(_rss_mb(), 1)))


def _raw_pipe_seconds(texts: list[str], batch_size: int, model: str | None) -> float:
    from ingestion.nlp.model import load_model

    nlp = load_model(model)
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=batch_size):
        pass
    elapsed = time.perf_counter() - started
    del nlp
    gc.collect()
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    """Measure raw ``nlp.pipe`` and the pipeline on the same passages; print JSON."""
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
    passages = load_corpus(resolve_eval_root(args.eval_data))[: args.docs]
    texts = [p.text for p in passages]
    words = sum(len(t.split()) for t in texts)
    raw_seconds = _raw_pipe_seconds(
        texts, settings.ingestion.nlp_batch_size, settings.ingestion.spacy_model
    )
    store = open_store(settings)
    sampler = _RssSampler(len(passages))
    rss_start = _rss_mb()
    try:
        started = time.perf_counter()
        report = ingest_musique(store, settings, passages, progress=sampler)
        seconds = time.perf_counter() - started
        counts = store.counts()
    finally:
        store.close()
    result: dict[str, Any] = {
        "documents": len(passages),
        "words": words,
        "raw_pipe_seconds": raw_seconds,
        "pipeline_seconds": seconds,
        "raw_words_per_s": words / raw_seconds,
        "pipeline_words_per_s": words / seconds,
        "ratio": raw_seconds / seconds,
        "rss_start_mb": round(rss_start, 1),
        "rss_samples_mb": sampler.samples,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "assertions": report.assertions,
        "outcomes": report.counts,
        "nodes": sum(counts.nodes.values()),
        "relationships": sum(counts.relationships.values()),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
