"""Ingestion: throughput of the whole NLP-only pipeline against raw ``nlp.pipe`` (both backends),
memory over 1,000 documents, and recall of the sample corpus' gold facts.

Throughput and memory: :mod:`bench.workloads.musique_ingest` runs in its own process per
backend (so peak RSS is that run's alone) over the MuSiQue passages, in four slices: raw
``nlp.pipe`` on a slice's text, then the pipeline on the same text (chunking, extraction,
reconciliation, resolution and one graph transaction per document), so the machine's load
weighs on both alike; RSS is sampled after each slice. Goal from issue 4: pipeline words/s
>= 0.5 x raw ``nlp.pipe`` words/s.

Recall: the shipped sample corpus ingested NLP-only into an embedded store, with the settings
``make demo`` uses (the corpus is written by Lumenfold Systems: "we" is that company); recall of
``facts.json`` per kind (relations and observations by the shared id scheme, statements by
layer and text, links by their endpoints). These are NLP-only figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

from bench.context import BenchContext
from bench.report import Figure, Goal
from bench.scoring.facts import fact_recall
from kag.testing.neo4j_server import Neo4jEndpoint, clear_database

NAME: Final = "ingestion"
_ISSUE: Final = "issue 4"
_ROOT: Final = Path(__file__).resolve().parents[2]
_DOCS: Final = {"quick": 250, "full": 1000}
#: "we" in the sample corpus: the settings `make demo` ingests it with.
SAMPLE_FIRST_PERSON: Final = "Lumenfold Systems"


def _workload(ctx: BenchContext, store: str, docs: int, user: str = "", password: str = "") -> Any:
    args = [
        sys.executable, "-m", "bench.workloads.musique_ingest", "--store", store,
        "--docs", str(docs), "--eval-data", str(ctx.eval_data),
    ]  # fmt: skip
    if password:
        args += ["--user", user, "--password", password]
    done = subprocess.run(
        args, capture_output=True, text=True, cwd=_ROOT, timeout=3600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"ingestion workload on {store} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _throughput(backend: str, r: dict[str, Any]) -> list[Figure]:
    samples = r["rss_samples_mb"]
    growth = samples[-1][1] - samples[0][1] if len(samples) > 1 else None
    trail = ", ".join(f"{n} docs {mb:.0f} MB" for n, mb in samples)
    return [
        Figure(
            group=NAME,
            name=f"{backend} pipeline words/s",
            value=round(r["pipeline_words_per_s"]),
            unit="words/s",
            direction="higher",
            baselines={"raw nlp.pipe": round(r["raw_words_per_s"])},
            notes=f"{r['documents']} MuSiQue passages, {r['words']:,} words, NLP only, "
            f"{r['assertions']:,} assertions written",
        ),
        Figure(
            group=NAME,
            name=f"{backend} pipeline / raw nlp.pipe",
            value=round(r["ratio"], 3),
            unit="ratio",
            direction="higher",
            goal=Goal(comparator=">=", threshold=0.5, source=_ISSUE),
            notes="same text, interleaved per quarter, one loaded model; the pipeline includes "
            "chunking, extraction, resolution and the graph writes (one transaction per document)",
        ),
        Figure(
            group=NAME,
            name=f"{backend} peak RSS",
            value=round(r["peak_rss_mb"]),
            unit="MB",
            direction="lower",
            notes="the Python process"
            + (
                " (Neo4j's memory is its own)"
                if backend == "neo4j"
                else " (the embedded graph is held in memory)"
            ),
        ),
        Figure(
            group=NAME,
            name=f"{backend} RSS growth first to last quarter",
            value=None if growth is None else round(growth, 1),
            unit="MB",
            direction="lower",
            notes=f"RSS after GC: {trail}",
        ),
    ]


def _recall(ctx: BenchContext) -> list[Figure]:
    from ingestion.pipeline import IngestionPipeline
    from kag.samples import corpus_dir, load_facts
    from kag.settings import IngestionSettings, Settings
    from kag.store import open_store

    db = ctx.scratch / "sample-corpus.db"
    settings = Settings(
        store=f"embedded:{db}",
        llm="none",
        ingestion=IngestionSettings(first_person_entity=SAMPLE_FIRST_PERSON),
    )
    store = open_store(settings)
    try:
        report = IngestionPipeline(store, settings).ingest_paths([corpus_dir()])
        schema = store.schema
    finally:
        store.close()
    recall = fact_recall(db, load_facts(), schema)
    notes = f"sample corpus, {len(report.documents)} documents, NLP only"
    figures = [
        Figure(
            group=NAME,
            name=f"sample corpus {kind} recall",
            value=round(recall.recall(kind), 3),
            unit="ratio",
            direction="higher",
            notes=f"{recall.found.get(kind, 0)}/{recall.total[kind]}; {notes}",
        )
        for kind in ("relations", "observations", "statements", "links")
    ]
    for kind in ("relations", "observations"):
        for status in (None, "approved"):
            value = recall.precision(kind, status)
            label = "approved " if status else ""
            figures.append(
                Figure(
                    group=NAME,
                    name=f"sample corpus {label}{kind} precision",
                    value=None if value is None else round(value, 3),
                    unit="ratio",
                    direction="higher",
                    notes="share of written "
                    + (f"{status} " if status else "")
                    + f"{kind} that are gold facts; {notes}",
                )
            )
    figures.append(
        Figure(
            group=NAME,
            name="sample corpus assertions written",
            value=float(report.assertions),
            unit="count",
            direction="lower",
            notes=f"for {sum(recall.total.values())} gold facts; by layer {report.by_layer}",
        )
    )
    return figures


def run(ctx: BenchContext) -> list[Figure]:
    """Throughput and memory on both backends, then sample-corpus recall."""
    docs = _DOCS[ctx.mode]
    figures = _throughput(
        "embedded", _workload(ctx, f"embedded:{ctx.scratch / 'ingest-bench.db'}", docs)
    )
    endpoint = ctx.neo4j()
    plain = Neo4jEndpoint(endpoint.uri, endpoint.user, endpoint.password, "env")
    clear_database(plain)
    try:
        # The same run twice: a freshly started JVM compiles Neo4j's write path during the first
        # (reported apart, as the store group does); the second is a running server's pace.
        cold = _workload(ctx, endpoint.uri, docs, endpoint.user, endpoint.password)
        clear_database(plain)
        result = _workload(ctx, endpoint.uri, docs, endpoint.user, endpoint.password)
    finally:
        clear_database(plain)
    figures += _throughput("neo4j", result)
    figures.append(
        Figure(
            group=NAME,
            name="neo4j pipeline / raw nlp.pipe, cold server",
            value=round(cold["ratio"], 3),
            unit="ratio",
            direction="higher",
            notes=f"the same run on the freshly started server, before the measured one "
            f"({cold['pipeline_words_per_s']:.0f} words/s)",
        )
    )
    return figures + _recall(ctx)
