"""Engine latency: p50/p95 of ``ask`` (no LLM) on both backends at 10k and 100k nodes.

Each (backend, size) runs :mod:`bench.workloads.engine_graph` in its own process: a synthetic graph
of that size, 56 questions of every shape generated from facts that exist, each asked once in a
first pass (reported apart: it includes loading spaCy and Neo4j planning each query shape for the
first time) and then three times measured (168 asks per percentile). Beside ``ask`` it times the
raw execution of the same queries (the compiled Cypher through the driver on Neo4j, the native plan
executor on the embedded store) and reports the ratio. Goals (issue: wisdom engine): p95 <= 50 ms
embedded, <= 150 ms Neo4j, ratio <= 1.3. Quick mode runs 10k nodes only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

from bench.context import BenchContext
from bench.report import Figure, Goal
from kag.testing.neo4j_server import Neo4jEndpoint, clear_database

NAME: Final = "engine_latency"
_ISSUE: Final = "issue: wisdom engine"
_ROOT: Final = Path(__file__).resolve().parents[2]
_P95_GOAL: Final = {"embedded": 50.0, "neo4j": 150.0}


def _workload(store: str, nodes: int, user: str = "", password: str = "") -> Any:
    args = [sys.executable, "-m", "bench.workloads.engine_graph", "--store", store]
    args += ["--nodes", str(nodes)]
    if password:
        args += ["--user", user, "--password", password]
    done = subprocess.run(
        args, capture_output=True, text=True, cwd=_ROOT, timeout=3600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"engine workload on {store} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _figures(backend: str, size: str, r: dict[str, Any]) -> list[Figure]:
    shape = (
        f"{r['nodes']:,} nodes, {r['relationships']:,} relationships; "
        f"{r['answered']}/{r['asks']} asks answered ({r['questions']} questions, "
        f"{r['asks'] // max(r['questions'], 1)} measured passes)"
    )

    def ms(name: str, value: float, goal: Goal | None = None, notes: str = "") -> Figure:
        return Figure(
            group=NAME,
            name=f"{backend} {size} {name}",
            value=round(value, 2),
            unit="ms",
            direction="lower",
            goal=goal,
            notes=notes,
        )

    return [
        ms("ask p50", r["ask_p50_ms"], notes=shape),
        ms(
            "ask p95",
            r["ask_p95_ms"],
            Goal(comparator="<=", threshold=_P95_GOAL[backend], source=_ISSUE),
        ),
        ms(
            "ask p95 first pass",
            r["first_pass_p95_ms"],
            notes=f"p50 {r['first_pass_p50_ms']:.1f} ms; every question once before the measured "
            "pass: spaCy loading and, on Neo4j, the first planning of each query shape",
        ),
        ms("raw query p50", r["raw_p50_ms"], notes="the answer's queries run again, summed"),
        ms("raw query p95", r["raw_p95_ms"]),
        Figure(
            group=NAME,
            name=f"{backend} {size} ask/plan queries ratio p95",
            value=round(r["ratio_p95"], 2),
            unit="ratio",
            direction="lower",
            notes=(
                f"p50 ratio {r['ratio_p50']:.1f}; raw = the answer's plan queries only; the rest "
                "of ask is linking (spaCy, entity lookups), precedents, evidence reads, composing"
            ),
        ),
        *(
            [
                ms("all queries of ask p95", r["all_queries_p95_ms"]),
                Figure(
                    group=NAME,
                    name=f"{backend} {size} ask/raw ratio p95",
                    value=round(r["all_ratio_p95"], 2),
                    unit="ratio",
                    direction="lower",
                    goal=Goal(comparator="<=", threshold=1.3, source=_ISSUE),
                    notes=(
                        f"p50 ratio {r['all_ratio_p50']:.2f}; raw = every Cypher query the ask "
                        "sent (linking, precedents, plans, evidence), replayed through the driver; "
                        "the rest is spaCy on the question, planning and composing"
                    ),
                ),
            ]
            if "all_ratio_p95" in r
            else []
        ),
        Figure(
            group=NAME,
            name=f"{backend} {size} execute_plan/raw ratio p50",
            value=round(r["plan_ratio_p50"], 2),
            unit="ratio",
            direction="lower",
            notes="the plan layer alone: compile or execute, decode into paths and values",
        ),
    ]


def run(ctx: BenchContext) -> list[Figure]:
    """Measure both backends at each size."""
    sizes = [("10k", 10_000)] if ctx.quick else [("10k", 10_000), ("100k", 100_000)]
    figures: list[Figure] = []
    for label, nodes in sizes:
        path = ctx.scratch / f"engine-{label}.db"
        figures += _figures("embedded", label, _workload(f"embedded:{path}", nodes))
    endpoint = ctx.neo4j()
    server = Neo4jEndpoint(endpoint.uri, endpoint.user, endpoint.password, "env")
    for label, nodes in sizes:
        clear_database(server)
        result = _workload(endpoint.uri, nodes, endpoint.user, endpoint.password)
        figures += _figures("neo4j", label, result)
    clear_database(server)
    return figures
