"""The BM25 baseline group on the tiny MuSiQue-shaped data."""

import pytest

from bench.context import BenchContext
from bench.data.musique import load_corpus
from bench.groups import qa_bm25


def test_baseline_ranks_the_passage_sharing_the_question_words_first(
    bench_ctx: BenchContext,
) -> None:
    ranked = qa_bm25.bm25_rank(bench_ctx, "Which harbour town is Fendrick?", k=3)
    assert [r.rank for r in ranked] == [1, 2, 3]
    assert ranked[0].passage.title == "Fendrick"
    assert ranked[0].score > ranked[1].score


def test_baseline_is_built_once_per_run(bench_ctx: BenchContext) -> None:
    assert qa_bm25.get_bm25_baseline(bench_ctx) is qa_bm25.get_bm25_baseline(bench_ctx)


def test_k_larger_than_the_corpus_returns_every_passage(bench_ctx: BenchContext) -> None:
    assert len(qa_bm25.bm25_rank(bench_ctx, "cheese", k=50)) == len(
        load_corpus(bench_ctx.eval_data)
    )


def test_empty_corpus_is_refused() -> None:
    with pytest.raises(ValueError, match="empty corpus"):
        qa_bm25.Bm25Baseline([])


def test_run_reports_recall_overall_and_by_hops(bench_ctx: BenchContext) -> None:
    figures = {f.name: f for f in qa_bm25.run(bench_ctx)}

    # 2-hop question: both gold passages share its words -> recall@2 = 1.
    # 3-hop question: only "Fendrick" (gold) and "Kettleworth" (cheese, not gold) match -> 1/3.
    assert figures["supporting_recall@2_2hop"].value == pytest.approx(1.0)
    assert figures["supporting_recall@2_3hop"].value == pytest.approx(1 / 3)
    assert figures["supporting_recall@2"].value == pytest.approx(2 / 3)
    assert figures["supporting_recall@5_4hop"].value is None  # no 4-hop question here
    assert figures["supporting_recall@5_4hop"].notes == "mean over 0 questions"
    assert all(f.group == "qa_bm25" for f in figures.values())
    assert figures["index_time"].unit == "s"
    assert figures["query_latency_mean"].value is not None
    assert figures["query_latency_mean"].value > 0
