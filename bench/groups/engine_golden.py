"""Golden questions: answer accuracy and citation validity of the engine on both backends.

The sample corpus' gold graph (``kag.samples.gold_write_batches``) is written to a fresh embedded
store and to Neo4j; every golden question is asked without a language model and scored with
:mod:`bench.scoring.golden`. Goals (issue: wisdom engine): 100% accurate, 100% valid citations.
"""

from __future__ import annotations

import time
from statistics import fmean, median
from typing import Final

from bench.context import BenchContext
from bench.report import Figure, Goal
from bench.scoring.golden import GoldenOutcome, evaluate
from kag.engine import Engine
from kag.samples import gold_write_batches, load_golden_questions
from kag.settings import EngineSettings, Neo4jSettings, Settings
from kag.store import open_store
from kag.testing.neo4j_server import Neo4jEndpoint, clear_database

NAME: Final = "engine_golden"
_ISSUE: Final = "issue: wisdom engine"


def _run(settings: Settings) -> tuple[list[GoldenOutcome], list[float]]:
    store = open_store(settings)
    try:
        for batch in gold_write_batches(store.schema):
            store.write(batch)
        engine = Engine(store, settings)
        questions = load_golden_questions()
        engine.ask(questions[0].question)  # loads the question pipeline once
        outcomes, latencies = [], []
        for question in questions:
            started = time.perf_counter()
            answer = engine.ask(question.question)
            latencies.append((time.perf_counter() - started) * 1000)
            outcomes.append(evaluate(question, answer, store))
        return outcomes, latencies
    finally:
        store.close()


def _figures(backend: str, outcomes: list[GoldenOutcome], latencies: list[float]) -> list[Figure]:
    n = len(outcomes)
    failed = [f"{o.id}: {'; '.join(o.problems)}" for o in outcomes if not o.passed]
    notes = f"{n} golden questions" + (f"; failing: {' | '.join(failed)}" if failed else "")

    def ratio(name: str, value: float, goal: bool = True, extra: str = "") -> Figure:
        return Figure(
            group=NAME,
            name=f"{backend} {name}",
            value=round(value, 4),
            unit="ratio",
            direction="higher",
            goal=Goal(comparator=">=", threshold=1.0, source=_ISSUE) if goal else None,
            notes=extra or notes,
        )

    return [
        ratio("answer accuracy", sum(o.accurate for o in outcomes) / n),
        ratio("citation validity", sum(o.citations_valid for o in outcomes) / n),
        ratio(
            "cited-document precision",
            fmean(o.document_precision for o in outcomes),
            goal=False,
            extra="share of cited documents that are expected ones, mean over questions",
        ),
        Figure(
            group=NAME,
            name=f"{backend} ask latency median (gold graph)",
            value=round(median(latencies), 2),
            unit="ms",
            direction="lower",
            notes="no LLM, answers not stored",
        ),
    ]


def run(ctx: BenchContext) -> list[Figure]:
    """Ask every golden question on both backends."""
    engine = EngineSettings(store_answers=False)
    embedded = Settings(store=f"embedded:{ctx.scratch / 'golden.db'}", engine=engine)
    figures = _figures("embedded", *_run(embedded))
    endpoint = ctx.neo4j()
    server = Neo4jEndpoint(endpoint.uri, endpoint.user, endpoint.password, "env")
    clear_database(server)
    neo4j = Settings(
        store=endpoint.uri,
        neo4j=Neo4jSettings(user=endpoint.user, password=endpoint.password),
        engine=engine,
    )
    try:
        figures += _figures("neo4j", *_run(neo4j))
    finally:
        clear_database(server)
    return figures
