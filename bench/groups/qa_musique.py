"""MuSiQue through the engine: answer EM/F1 and supporting-passage recall@2/@5, beside BM25.

The 1,890 passages are ingested NLP-only into a fresh embedded store by an *ingest adapter*;
each question is asked without a language model; the prediction is the answer's slot
(``Answer.short``, the entities a chain ends at) and the cited passages are the documents of the
answer's evidence spans, in citation order. Scores follow :mod:`bench.scoring.qa`; BM25 recall
over the same passages comes from :mod:`bench.groups.qa_bm25` in the same run. Goal (issue: wisdom
engine): recall@5 above BM25's. Quick mode: the first 20 questions over their own 20 paragraphs
each (supporting passages and distractors).

The adapter (:data:`MusiqueIngest`) is ``ingest(store, passages) -> IngestedCorpus``: given a
store URL (``embedded:<path>``) and passages, write them and return the settings to open the
store with and, for each written Document id, the passage it holds. The default,
:func:`ingest_with_pipeline`, uses ``ingestion.pipeline.IngestionPipeline.ingest_texts`` (the
ingestion issue's); ``KAG_BENCH_MUSIQUE_INGEST=module:function`` names another.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import fmean, median
from typing import Any, Final

from bench.context import BenchContext
from bench.data.musique import CorpusPassage, MusiqueQuestion, load_corpus, load_questions
from bench.errors import BenchError
from bench.groups.qa_bm25 import Bm25Baseline, get_bm25_baseline
from bench.report import Figure, Goal
from bench.scoring.qa import PassageKey, exact_match, recall_at_k, token_f1
from graph_schema import Label, stable_id
from kag.engine import Answer, Engine
from kag.settings import EngineSettings, Settings
from kag.store import open_store

NAME: Final = "qa_musique"
INGEST_ENV: Final = "KAG_BENCH_MUSIQUE_INGEST"
CUTOFFS: Final = (2, 5)
_ISSUE: Final = "issue: wisdom engine"
_QUICK_QUESTIONS: Final = 20


@dataclass(frozen=True)
class IngestedCorpus:
    """What an ingest adapter wrote: how to open the store, and each document's passage."""

    settings: Settings
    documents: dict[str, PassageKey]


MusiqueIngest = Callable[[str, Sequence[CorpusPassage]], IngestedCorpus]


def ingest_with_pipeline(store: str, passages: Sequence[CorpusPassage]) -> IngestedCorpus:
    """The default adapter: the ingestion pipeline, NLP only, one text document per passage.

    Raises:
        BenchError: the ingestion pipeline is not available in this checkout.
    """
    try:
        pipeline_module = importlib.import_module("ingestion.pipeline")
    except ImportError as exc:
        raise BenchError(
            "MuSiQue QA needs the ingestion pipeline (ingestion.pipeline.IngestionPipeline, "
            f"from the ingestion issue), which this checkout lacks: {exc}; or set {INGEST_ENV}"
        ) from exc
    settings = Settings(store=store, llm="none", engine=EngineSettings(store_answers=False))
    graph = open_store(settings)
    try:
        pipeline = pipeline_module.IngestionPipeline(graph, settings)
        texts = [
            pipeline_module.TextInput(
                source=f"musique/{i:04d}", title=p.title, text=f"{p.title}\n{p.text}"
            )
            for i, p in enumerate(passages)
        ]
        pipeline.ingest_texts(texts)
        documents = {
            stable_id(Label.DOCUMENT, f"musique/{i:04d}"): p.key for i, p in enumerate(passages)
        }
        found = {n.id for n in graph.get_nodes(list(documents))}
    finally:
        graph.close()
    if not found:
        raise BenchError("the ingestion pipeline wrote no Document with the expected ids")
    return IngestedCorpus(settings, {d: k for d, k in documents.items() if d in found})


def load_ingest() -> MusiqueIngest:
    """The adapter named by ``KAG_BENCH_MUSIQUE_INGEST``, else :func:`ingest_with_pipeline`."""
    named = os.environ.get(INGEST_ENV, "").strip()
    if not named:
        return ingest_with_pipeline
    module, _, function = named.partition(":")
    adapter: MusiqueIngest = getattr(importlib.import_module(module), function)
    return adapter


def cited_passages(answer: Answer, documents: dict[str, PassageKey]) -> list[PassageKey]:
    """Passages of the answer's evidence, in citation order, each once."""
    ranked: dict[PassageKey, None] = {}
    for citation in answer.citations:
        for hop in citation.hops:
            for span in hop.spans:
                key = documents.get(span.document_id)
                if key is not None:
                    ranked[key] = None
    return list(ranked)


@dataclass(frozen=True)
class _Scored:
    em: float
    f1: float
    recall: dict[int, float]
    bm25: dict[int, float]
    answered: bool
    ms: float


def _score(
    engine: Engine,
    question: MusiqueQuestion,
    documents: dict[str, PassageKey],
    bm25: Bm25Baseline,
) -> _Scored:
    started = time.perf_counter()
    answer = engine.ask(question.question, save=False)
    ms = (time.perf_counter() - started) * 1000
    prediction = (answer.short or "") if answer.outcome != "insufficient_evidence" else ""
    cited = cited_passages(answer, documents)
    ranked = [r.key for r in bm25.rank(question.question, k=max(CUTOFFS))]
    gold = question.supporting_keys
    return _Scored(
        em=exact_match(prediction, question.gold_answers),
        f1=token_f1(prediction, question.gold_answers),
        recall={k: recall_at_k(cited, gold, k) for k in CUTOFFS},
        bm25={k: recall_at_k(ranked, gold, k) for k in CUTOFFS},
        answered=answer.outcome in ("answered", "partial"),
        ms=ms,
    )


def _subset(ctx: BenchContext) -> tuple[list[MusiqueQuestion], list[CorpusPassage], Bm25Baseline]:
    questions = load_questions(ctx.eval_data)
    if not ctx.quick:
        return questions, load_corpus(ctx.eval_data), get_bm25_baseline(ctx)
    questions = questions[:_QUICK_QUESTIONS]
    own: dict[PassageKey, CorpusPassage] = {}
    for q in questions:
        for p in q.paragraphs:
            own.setdefault(p.key, CorpusPassage(title=p.title, text=p.paragraph_text))
    passages = list(own.values())
    return questions, passages, Bm25Baseline(passages)


def measure(ctx: BenchContext, ingest: MusiqueIngest) -> list[Figure]:
    """Ingest with ``ingest``, answer every question and score it beside BM25."""
    questions, passages, bm25 = _subset(ctx)
    started = time.perf_counter()
    corpus = ingest(f"embedded:{ctx.scratch / 'musique.db'}", passages)
    ingest_s = time.perf_counter() - started
    store = open_store(corpus.settings)
    try:
        engine = Engine(store, corpus.settings)
        scored = [_score(engine, q, corpus.documents, bm25) for q in questions]
    finally:
        store.close()
    notes = f"{len(questions)} questions over {len(passages)} passages, NLP-only, no LLM"

    def figure(name: str, value: float, unit: str = "ratio", **extra: Any) -> Figure:
        return Figure(
            group=NAME,
            name=name,
            value=round(value, 4),
            unit=unit,
            direction=extra.pop("direction", "higher"),
            notes=extra.pop("notes", notes),
            **extra,
        )

    figures = [
        figure("exact_match", fmean(s.em for s in scored)),
        figure("token_f1", fmean(s.f1 for s in scored)),
    ]
    for k in CUTOFFS:
        ours, theirs = fmean(s.recall[k] for s in scored), fmean(s.bm25[k] for s in scored)
        goal = Goal(comparator=">", threshold=round(theirs, 4), source=f"{_ISSUE}: above BM25")
        figures.append(
            figure(
                f"supporting_recall@{k}",
                ours,
                baselines={"bm25": round(theirs, 4)},
                goal=goal if k == 5 else None,
            )
        )
    figures += [
        figure("answered_share", fmean(s.answered for s in scored)),
        figure("ask_latency_median", median(s.ms for s in scored), "ms", direction="lower"),
        figure("ingest_time", ingest_s, "s", direction="lower", notes=f"{len(passages)} passages"),
    ]
    return figures


def run(ctx: BenchContext) -> list[Figure]:
    """Measure with the configured ingest adapter (fails clearly when there is none)."""
    return measure(ctx, load_ingest())
