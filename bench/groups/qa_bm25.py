"""BM25 baseline on MuSiQue: supporting-passage recall@2/@5 over the 1,890-passage corpus.

Each passage is indexed as its title and text; questions and passages are lower-cased, split
into words, stripped of English stop words and Porter-stemmed (bm25s defaults otherwise: Lucene
BM25, k1=1.5, b=0.75). Recall@k follows :func:`bench.scoring.qa.recall_at_k`.

Both modes use all 100 questions: indexing and querying take about a second, and the figures are
then the same in quick and full runs. Other groups reuse the index through
:func:`get_bm25_baseline` / :func:`bm25_rank` to report the product beside the baseline.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean, quantiles
from time import perf_counter
from typing import Final

import bm25s

from bench.context import BenchContext
from bench.data.musique import CorpusPassage, MusiqueQuestion, load_corpus, load_questions
from bench.report import Direction, Figure
from bench.scoring.qa import PassageKey, recall_at_k
from bench.scoring.stemming import stem_word

NAME: Final = "qa_bm25"
RECALL_CUTOFFS: Final = (2, 5)
HOP_COUNTS: Final = (2, 3, 4)
_CACHE_KEY: Final = f"{NAME}.baseline"


@dataclass(frozen=True)
class RankedPassage:
    """A passage returned by the baseline, best first."""

    rank: int
    score: float
    passage: CorpusPassage

    @property
    def key(self) -> PassageKey:
        """The passage's identity, comparable with a question's supporting passages."""
        return self.passage.key


def _stem_words(words: list[str]) -> list[str]:
    return [stem_word(word) for word in words]


def _tokenize(texts: list[str]) -> list[list[str]]:
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=_stem_words, return_ids=False, show_progress=False
    )
    return [list(words) for words in tokens]


class Bm25Baseline:
    """A BM25 index over a passage corpus."""

    def __init__(self, passages: Sequence[CorpusPassage]) -> None:
        """Index ``passages``; the time taken is kept in :attr:`index_seconds`.

        Raises:
            ValueError: ``passages`` is empty.
        """
        if not passages:
            raise ValueError("cannot build a BM25 index over an empty corpus")
        started = perf_counter()
        self._passages = tuple(passages)
        self._index = bm25s.BM25()
        self._index.index(
            _tokenize([f"{p.title}\n{p.text}" for p in self._passages]), show_progress=False
        )
        self.index_seconds = perf_counter() - started

    def __len__(self) -> int:
        return len(self._passages)

    def rank(self, question: str, k: int = 5) -> list[RankedPassage]:
        """Return the ``k`` best passages for ``question``, best first.

        A question sharing no word with the corpus gets ``k`` passages scored 0.
        """
        k = min(k, len(self._passages))
        documents, scores = self._index.retrieve(_tokenize([question]), k=k, show_progress=False)
        return [
            RankedPassage(rank=rank, score=float(score), passage=self._passages[int(doc)])
            for rank, (doc, score) in enumerate(zip(documents[0], scores[0], strict=True), 1)
        ]


def get_bm25_baseline(ctx: BenchContext) -> Bm25Baseline:
    """The run's baseline over the MuSiQue corpus, built on first use and shared by groups."""
    return ctx.cached(_CACHE_KEY, lambda: Bm25Baseline(load_corpus(ctx.eval_data)))


def bm25_rank(ctx: BenchContext, question: str, k: int = 5) -> list[RankedPassage]:
    """Rank MuSiQue passages for ``question`` with the run's shared baseline."""
    return get_bm25_baseline(ctx).rank(question, k)


@dataclass(frozen=True)
class _Measured:
    question: MusiqueQuestion
    recall: dict[int, float]
    seconds: float


def _measure(baseline: Bm25Baseline, questions: Sequence[MusiqueQuestion]) -> list[_Measured]:
    measured: list[_Measured] = []
    depth = max(RECALL_CUTOFFS)
    for question in questions:
        started = perf_counter()
        ranked = baseline.rank(question.question, k=depth)
        seconds = perf_counter() - started
        cited = [r.key for r in ranked]
        recall = {k: recall_at_k(cited, question.supporting_keys, k) for k in RECALL_CUTOFFS}
        measured.append(_Measured(question=question, recall=recall, seconds=seconds))
    return measured


def _figure(name: str, value: float | None, unit: str, direction: Direction, notes: str) -> Figure:
    return Figure(group=NAME, name=name, value=value, unit=unit, direction=direction, notes=notes)


def _recall_figures(measured: Sequence[_Measured]) -> list[Figure]:
    subsets: list[tuple[str, int | None]] = [("", None), *((f"_{h}hop", h) for h in HOP_COUNTS)]
    figures: list[Figure] = []
    for k in RECALL_CUTOFFS:
        for suffix, hops in subsets:
            chosen = [m for m in measured if hops is None or m.question.hops == hops]
            value = fmean(m.recall[k] for m in chosen) if chosen else None
            figures.append(
                _figure(
                    f"supporting_recall@{k}{suffix}",
                    value,
                    "ratio",
                    "higher",
                    f"mean over {len(chosen)} questions",
                )
            )
    return figures


def run(ctx: BenchContext) -> list[Figure]:
    """Index the corpus, rank passages for every question and report recall and timings."""
    baseline = get_bm25_baseline(ctx)
    questions = load_questions(ctx.eval_data)
    measured = _measure(baseline, questions)
    latencies_ms = [m.seconds * 1000 for m in measured]
    p95 = quantiles(latencies_ms, n=20, method="inclusive")[-1] if len(measured) > 1 else None
    return [
        *_recall_figures(measured),
        _figure("index_time", baseline.index_seconds, "s", "lower", f"{len(baseline)} passages"),
        _figure(
            "query_latency_mean",
            fmean(latencies_ms),
            "ms",
            "lower",
            f"tokenise + retrieve top {max(RECALL_CUTOFFS)}, {len(measured)} questions",
        ),
        _figure("query_latency_p95", p95, "ms", "lower", f"{len(measured)} questions"),
    ]
