"""REST API under load, and schemathesis against it, on each backend.

For each backend the API runs as its own process (``uvicorn --factory api.app:create_app``, one
worker) over the sample corpus' gold graph. 50 concurrent clients on loopback ask the golden
questions round robin (``POST /v1/ask``; every answer is stored, as in production) for 60 s
(10 s in quick mode); the figures are the error count (goal 0), p50/p95 latency and throughput.
Then schemathesis runs every check against the same process with an admin key (goal: zero 5xx,
zero schema violations). The per-key rate limit is raised for the run: it is what the load would
otherwise measure.
"""

from __future__ import annotations

from typing import Final

import httpx
from pydantic import SecretStr

from bench.context import BenchContext
from bench.report import Figure, Goal
from bench.workloads.http_load import Request, run_load
from kag.samples import gold_write_batches, load_golden_questions
from kag.settings import ApiSettings, Neo4jSettings, Settings
from kag.state import KeyStore, Role, StateDB
from kag.store import open_store
from kag.testing.api_fuzz import FuzzResult, run_schemathesis
from kag.testing.api_process import ApiProcess, settings_env
from kag.testing.neo4j_server import Neo4jEndpoint, clear_database

NAME: Final = "api_load"
_ISSUE: Final = "issue: REST API"
CLIENTS: Final = 50
_UNLIMITED: Final = {
    "KAG_API__RATE_LIMIT_PER_MINUTE": "100000000",
    "KAG_API__RATE_LIMIT_BURST": "1000000",
}


def _seed(settings: Settings) -> tuple[list[str], list[str]]:
    """Write the gold graph; returns entity and document ids."""
    store = open_store(settings)
    entities: set[str] = set()
    documents: list[str] = []
    try:
        for batch in gold_write_batches(store.schema):
            store.write(batch)
            entities.update(e.id for e in batch.entities)
            documents += [d.id for d in batch.documents]
    finally:
        store.close()
    return sorted(entities), documents


def _keys(settings: Settings) -> dict[Role, str]:
    db = StateDB(settings.api.state_dir)
    try:
        keys = KeyStore(db)
        return {role: keys.create(f"bench-{role.value}", role).token for role in Role}
    finally:
        db.close()


def _questions() -> list[Request]:
    return [("POST", "/v1/ask", {"question": q.question}) for q in load_golden_questions()]


def _warm_up(url: str, token: str, requests: list[Request]) -> int:
    """Ask every golden question once (loads the models); returns how many were answered."""
    answered = 0
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        for _, path, body in requests:
            response = c.post(path, json=body)
            response.raise_for_status()
            answered += response.json()["outcome"] == "answered"
    return answered


def _fuzz(
    ctx: BenchContext, backend: str, url: str, token: str, entities: list[str], docs: list[str]
) -> FuzzResult:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        answer = c.post("/v1/ask", json={"question": "Describe Corvane Robotics."}).json()["id"]
    return run_schemathesis(
        url,
        token,
        ctx.scratch / f"fuzz-{backend}",
        max_examples=5 if ctx.quick else 25,
        dictionaries={"entities": entities[:50], "documents": docs, "answers": [answer]},
        bindings={
            "path.entity_id": "entities",
            "path.item_id": "entities",
            "query.source": "entities",
            "query.target": "entities",
            "path.document_id": "documents",
            "path.answer_id": "answers",
        },
    )


def _measure(ctx: BenchContext, backend: str, settings: Settings) -> list[Figure]:
    entities, documents = _seed(settings)
    tokens = _keys(settings)
    env = {**settings_env(settings), **_UNLIMITED}
    server = ApiProcess(env, ctx.scratch / f"api-{backend}.log").start()
    duration = 10.0 if ctx.quick else 60.0
    try:
        requests = _questions()
        answered = _warm_up(server.url, tokens[Role.ANALYST], requests)
        # The client waits longer than the API's ask limit (30 s), so a slow answer is the
        # API's 504, not a client time-out.
        load = run_load(
            server.url,
            tokens[Role.ANALYST],
            requests,
            clients=CLIENTS,
            duration_s=duration,
            timeout_s=60,
        )
        fuzz = _fuzz(ctx, backend, server.url, tokens[Role.ADMIN], entities, documents)
    finally:
        server.stop()
    shape = (
        f"{CLIENTS} clients, {load.seconds:.0f} s, {load.requests:,} asks over the "
        f"{len(requests)} golden questions ({answered} answered in the warm-up); loopback, one "
        f"uvicorn worker; statuses {dict(load.statuses)}"
    )
    fuzzed = f"{fuzz.operations} operations, {fuzz.test_cases} test cases, {fuzz.seconds:.0f} s"
    return [
        Figure(
            group=NAME,
            name=f"{backend} ask errors",
            value=load.errors,
            unit="count",
            direction="lower",
            goal=Goal(comparator="<=", threshold=0, source=_ISSUE),
            notes=shape,
        ),
        Figure(
            group=NAME,
            name=f"{backend} ask p50",
            value=round(load.percentile(50), 1),
            unit="ms",
            direction="lower",
        ),
        Figure(
            group=NAME,
            name=f"{backend} ask p95",
            value=round(load.percentile(95), 1),
            unit="ms",
            direction="lower",
        ),
        Figure(
            group=NAME,
            name=f"{backend} ask throughput",
            value=round(load.throughput, 1),
            unit="requests/s",
            direction="higher",
        ),
        Figure(
            group=NAME,
            name=f"{backend} schemathesis 5xx",
            value=fuzz.server_errors,
            unit="count",
            direction="lower",
            goal=Goal(comparator="<=", threshold=0, source=_ISSUE),
            notes=fuzzed,
        ),
        Figure(
            group=NAME,
            name=f"{backend} schemathesis schema violations",
            value=fuzz.schema_violations,
            unit="count",
            direction="lower",
            goal=Goal(comparator="<=", threshold=0, source=_ISSUE),
            notes=f"every check; {fuzz.errors} errors; exit code {fuzz.exit_code}",
        ),
    ]


def run(ctx: BenchContext) -> list[Figure]:
    """Load and fuzz the API on the embedded store, then on Neo4j."""
    embedded = Settings(
        store=f"embedded:{ctx.scratch / 'api-load.db'}",
        api=ApiSettings(state_dir=ctx.scratch / "api-state-embedded"),
    )
    figures = _measure(ctx, "embedded", embedded)
    endpoint = ctx.neo4j()
    clearable = Neo4jEndpoint(endpoint.uri, endpoint.user, endpoint.password, "env")
    clear_database(clearable)
    neo4j = Settings(
        store=endpoint.uri.replace("bolt://", "neo4j://", 1),
        neo4j=Neo4jSettings(user=endpoint.user, password=SecretStr(endpoint.password)),
        api=ApiSettings(state_dir=ctx.scratch / "api-state-neo4j"),
    )
    try:
        figures += _measure(ctx, "neo4j", neo4j)
    finally:
        clear_database(clearable)
    return figures
