"""Store throughput: bulk upsert of ~100k nodes + ~200k relationships, then 3-hop reads.

Each backend runs :mod:`bench.workloads.store_graph` in its own process, so the peak RSS is that
backend's alone. Goals from the foundation issue: Neo4j >= 20k elements/s (batched UNWIND),
embedded >= 50k elements/s, 3-hop read p95 <= 20 ms on either backend.
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

NAME: Final = "store_writes"
_ISSUE: Final = "issue: foundation"
_FULL: Final = {"entities": 40_000, "assertions": 50_000, "chunks": 10_000, "reads": 300}
_QUICK: Final = {"entities": 4_000, "assertions": 5_000, "chunks": 1_000, "reads": 100}
_ROOT: Final = Path(__file__).resolve().parents[2]


def _workload(store: str, size: dict[str, int], user: str = "", password: str = "") -> Any:
    args = [sys.executable, "-m", "bench.workloads.store_graph", "--store", store]
    for key, value in size.items():
        args += [f"--{key}", str(value)]
    if password:
        args += ["--user", user, "--password", password]
    done = subprocess.run(
        args, capture_output=True, text=True, cwd=_ROOT, timeout=1800, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"store workload on {store} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _figures(backend: str, result: dict[str, Any], write_goal: float) -> list[Figure]:
    shape = f"{result['nodes']:,} nodes + {result['relationships']:,} relationships"
    return [
        Figure(
            group=NAME,
            name=f"{backend} bulk upsert",
            value=round(result["elements_per_s"]),
            unit="elements/s",
            direction="higher",
            goal=Goal(comparator=">=", threshold=write_goal, source=_ISSUE),
            notes=f"{shape}, one transaction per document batch",
        ),
        Figure(
            group=NAME,
            name=f"{backend} 3-hop neighbourhood p50",
            value=round(result["read_p50_ms"], 2),
            unit="ms",
            direction="lower",
            notes=f"mean {result['read_mean_nodes']:.0f} nodes per neighbourhood",
        ),
        Figure(
            group=NAME,
            name=f"{backend} 3-hop neighbourhood p95",
            value=round(result["read_p95_ms"], 2),
            unit="ms",
            direction="lower",
            goal=Goal(comparator="<=", threshold=20.0, source=_ISSUE),
        ),
        Figure(
            group=NAME,
            name=f"{backend} client peak RSS",
            value=round(result["peak_rss_mb"]),
            unit="MB",
            direction="lower",
            notes="the Python process; the Neo4j server's memory is its own"
            if backend == "neo4j"
            else "the whole graph is held in memory",
        ),
    ]


def run(ctx: BenchContext) -> list[Figure]:
    """Measure both backends on the same synthetic graph."""
    size = _QUICK if ctx.quick else _FULL
    embedded = _workload(f"embedded:{ctx.scratch / 'store-bench.db'}", size)
    figures = _figures("embedded", embedded, 50_000)
    endpoint = ctx.neo4j()
    target = Neo4jEndpoint(endpoint.uri, endpoint.user, endpoint.password, "env")
    # Warm the server's JIT and plan cache with a small run first, as a running service is warm;
    # the cold figure is reported too, for the record.
    clear_database(target)
    cold = _workload(endpoint.uri, _QUICK, endpoint.user, endpoint.password)
    clear_database(target)
    neo4j = _workload(endpoint.uri, size, endpoint.user, endpoint.password)
    clear_database(target)
    cold_figure = Figure(
        group=NAME,
        name="neo4j bulk upsert, cold server",
        value=round(cold["elements_per_s"]),
        unit="elements/s",
        direction="higher",
        notes="first writes into a freshly started JVM (small graph), before JIT warm-up",
    )
    return [*figures, *_figures("neo4j", neo4j, 20_000), cold_figure]
