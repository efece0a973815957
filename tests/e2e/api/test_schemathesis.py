"""Schemathesis against the served API with an admin key, on both backends: every check
(5xx, status codes, content types, response schemas and headers, auth, negative data, ...),
a bounded number of examples; the goal is zero failures. Figures are printed for the report.

The graph holds the sample corpus' gold facts, one stored answer and one finished job, and the
fuzzer draws path and query ids from them 70% of the time, so it reaches the routes' logic
rather than only their 404s.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from kag.samples import gold_write_batches
from kag.settings import Settings
from kag.state import Role
from kag.store import open_store
from kag.testing.api_fuzz import run_schemathesis
from tests.e2e.api.conftest import api_settings
from tests.support.api_server import issue_keys, serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MAX_EXAMPLES = 20


def test_schemathesis_finds_nothing(store_settings: Settings, tmp_path: Path) -> None:
    # The fuzzer sends thousands of requests: the rate limit is not what is tested here.
    settings = api_settings(
        store_settings, tmp_path / "state", rate_limit_per_minute=600_000, rate_limit_burst=10_000
    )
    store = open_store(settings)
    entities: list[str] = []
    documents: list[str] = []
    for batch in gold_write_batches(store.schema):
        store.write(batch)
        entities += [e.id for e in batch.entities]
        documents += [d.id for d in batch.documents]
    store.close()
    token = issue_keys(settings)[Role.ADMIN]
    with serve(settings) as url:
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            answer = client.post("/v1/ask", json={"question": "Describe Corvane Robotics."})
            job = client.post(
                "/v1/documents",
                json={"documents": [{"source": "fuzz/seed.txt", "text": "Acme competes."}]},
            )
            while client.get(job.headers["location"]).json()["status"] in {"queued", "running"}:
                time.sleep(0.2)
        result = run_schemathesis(
            url,
            token,
            tmp_path / "fuzz",
            max_examples=MAX_EXAMPLES,
            dictionaries={
                "entities": sorted(set(entities))[:50],
                "documents": sorted(set(documents)),
                "answers": [answer.json()["id"]],
                "jobs": [job.json()["id"]],
            },
            bindings={
                "path.entity_id": "entities",
                "path.item_id": "entities",
                "query.source": "entities",
                "query.target": "entities",
                "path.document_id": "documents",
                "path.answer_id": "answers",
                "path.job_id": "jobs",
            },
        )
    backend = store_settings.store.split(":", 1)[0]
    print(
        f"\nschemathesis [{backend}]: {result.operations} operations, {result.test_cases} test "
        f"cases, {result.server_errors} 5xx, {result.schema_violations} schema violations, "
        f"{result.errors} errors, {result.seconds} s"
    )
    assert result.operations >= 19
    assert result.test_cases > 500
    assert result.clean, f"{result.failures}\n{result.output_tail}"
