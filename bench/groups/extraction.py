"""Extraction quality on Text2KGBench (tekgen, ontologies 1-5), NLP only, through the product.

For each ontology a relation lexicon is built from the train split (``build_lexicon``, the same
code as ``kag lexicon build``, default settings: those were chosen on the validation split), then
every test sentence is ingested as a document by the product pipeline
(:class:`~ingestion.pipeline.IngestionPipeline`, NLP only, the learned relation finder selected by
``KAG_INGESTION__RELATION_LEXICON``) into a fresh embedded store, and the relation assertions are
read back as triples by the sentence their evidence comes from. Nothing here chooses what to emit:
the triples are what the product writes to the graph (any status).

Scored with :mod:`bench.scoring.text2kgbench`: the benchmark's relation-filtered per-sentence
P/R/F1 (mean over sentences, then over ontologies), strict micro P/R/F1 (no filter, pooled),
ontology conformance, subject/object hallucination and triples per sentence (gold beside it).
Quick mode scores the first 40 test sentences of each ontology; full mode all of them.
"""

from __future__ import annotations

from pathlib import Path
from statistics import fmean
from typing import Final

from bench.context import BenchContext
from bench.data.text2kgbench import dataset_dir, list_ontologies, load_ground_truth, load_ontology
from bench.extraction_eval import build_ontology_lexicon, pipeline_triples
from bench.report import Direction, Figure, Goal
from bench.scoring.text2kgbench import (
    VICUNA_13B_REFERENCE,
    BenchmarkScore,
    OntologyScore,
    score_benchmark,
    score_ontology,
)

NAME: Final = "extraction"
_ISSUE: Final = "issue 4"
QUICK_SENTENCES: Final = 40
FILTERED_F1_GOAL: Final = 0.50
STRICT_F1_GOAL: Final = 0.40
_VICUNA: Final = "Vicuna-13B few-shot"


def _figure(
    name: str,
    value: float | None,
    unit: str = "ratio",
    direction: Direction = "higher",
    *,
    goal: Goal | None = None,
    baselines: dict[str, float | None] | None = None,
    notes: str = "",
) -> Figure:
    return Figure(
        group=NAME,
        name=name,
        value=None if value is None else round(value, 4),
        unit=unit,
        direction=direction,
        goal=goal,
        baselines=baselines or {},
        notes=notes,
    )


def _common(
    prefix: str, score: OntologyScore | BenchmarkScore, gold_tps: float, notes: str
) -> list[Figure]:
    strict = score.strict
    return [
        _figure(f"{prefix} filtered precision", score.precision, notes=notes),
        _figure(f"{prefix} filtered recall", score.recall, notes=notes),
        _figure(f"{prefix} strict precision", strict.precision, notes="micro, no filter"),
        _figure(f"{prefix} strict recall", strict.recall, notes="micro, no filter"),
        _figure(f"{prefix} ontology conformance", score.conformance),
        _figure(f"{prefix} subject hallucination", score.subject_hallucination, direction="lower"),
        _figure(f"{prefix} object hallucination", score.object_hallucination, direction="lower"),
        _figure(
            f"{prefix} triples per sentence",
            score.mean_triples_per_sentence,
            unit="triples",
            baselines={"gold": round(gold_tps, 3)},
            notes="system triples as written to the graph; gold 1.0-2.7 on these ontologies",
        ),
    ]


def figures_for(total: BenchmarkScore, gold_tps: dict[str, float], sentences: str) -> list[Figure]:
    """The group's figures for a set of ontology scores (per ontology, then the mean)."""
    out: list[Figure] = []
    for score in total.ontologies:
        key = score.ontology
        out.append(
            _figure(
                f"{key} filtered F1",
                score.f1,
                baselines={_VICUNA: VICUNA_13B_REFERENCE.f1_by_ontology.get(key)},
                notes=f"{len(score.sentences)} test sentences",
            )
        )
        out.append(_figure(f"{key} strict F1", score.strict.f1, notes="micro, no filter"))
        out.extend(_common(key, score, gold_tps[key], f"{len(score.sentences)} test sentences"))
    out.append(
        _figure(
            "mean filtered F1",
            total.f1,
            goal=Goal(comparator=">=", threshold=FILTERED_F1_GOAL, source=_ISSUE),
            baselines={_VICUNA: VICUNA_13B_REFERENCE.f1_mean},
            notes=f"benchmark scoring, mean over {len(total.ontologies)} ontologies; {sentences}",
        )
    )
    out.append(
        _figure(
            "strict micro F1",
            total.strict.f1,
            goal=Goal(comparator=">=", threshold=STRICT_F1_GOAL, source=_ISSUE),
            notes=f"every triple, pooled over {total.sentences} sentences",
        )
    )
    out.extend(_common("mean", total, fmean(gold_tps.values()), sentences))
    return out


def run(ctx: BenchContext) -> list[Figure]:
    """Build the lexicons on train, ingest the test sentences, score (see the module docstring)."""
    from ingestion.nlp.model import load_model

    limit = QUICK_SENTENCES if ctx.quick else None
    parses = ctx.scratch / "extraction-parses"
    build_nlp = load_model()
    scores: list[OntologyScore] = []
    gold_tps: dict[str, float] = {}
    for key in list_ontologies(ctx.eval_data):
        _, lexicon = build_ontology_lexicon(ctx.eval_data, key, build_nlp, parses)
        cases = load_ground_truth(ctx.eval_data, key)[:limit]
        ontology_path = dataset_dir(ctx.eval_data) / "ontologies" / f"{key}_ontology.json"
        # a fresh model per store: the pipeline adds an EntityRuler fed by that store's entities
        triples = pipeline_triples(
            Path(ontology_path), lexicon, cases, ctx.scratch / f"extraction-{key}", load_model()
        )
        scores.append(score_ontology(load_ontology(ctx.eval_data, key), cases, triples))
        gold_tps[key] = fmean(len(c.triples) for c in cases)
    sentences = (
        f"first {QUICK_SENTENCES} test sentences per ontology"
        if ctx.quick
        else "all test sentences"
    )
    return figures_for(
        score_benchmark(scores), gold_tps, f"{sentences}; product pipeline, NLP only"
    )
