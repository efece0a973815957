"""Schemathesis against the served API with an admin key, on both backends: every check
(5xx, status codes, content types, response schemas and headers, auth, negative data, ...),
a bounded number of examples; the goal is zero failures. Figures are printed for the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from kag.settings import Settings
from kag.state import Role
from kag.store import WriteBatch, open_store
from kag.testing.api_fuzz import run_schemathesis
from tests.e2e.api.conftest import api_settings
from tests.support.api_server import issue_keys, serve
from tests.support.builders import entity, relation

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ENTITIES = (entity("Acme Corp", aliases=("Acme",)), entity("Globex"), entity("Initech"))
RELATIONS = (
    relation(ENTITIES[0], "COMPETES_WITH", ENTITIES[1]),
    relation(ENTITIES[1], "SUPPLIED_BY", ENTITIES[2]),
)


def test_schemathesis_finds_nothing(store_settings: Settings, tmp_path: Path) -> None:
    # The fuzzer may send thousands of requests: the rate limit is not what is tested here.
    settings = api_settings(
        store_settings, tmp_path / "state", rate_limit_per_minute=600_000, rate_limit_burst=10_000
    )
    store = open_store(settings)
    store.write(WriteBatch(entities=ENTITIES, assertions=RELATIONS))
    store.close()
    token = issue_keys(settings)[Role.ADMIN]
    ids = [e.id for e in ENTITIES]
    with serve(settings) as url:
        result = run_schemathesis(
            url,
            token,
            tmp_path / "fuzz",
            max_examples=25,
            dictionaries={"entities": ids},
            bindings={
                "path.entity_id": "entities",
                "query.source": "entities",
                "query.target": "entities",
            },
        )
    print(
        f"\nschemathesis [{store_settings.store.split(':', 1)[0]}]: {result.operations} "
        f"operations, {result.test_cases} test cases, {result.server_errors} 5xx, "
        f"{result.schema_violations} schema violations, {result.errors} errors, "
        f"{result.seconds} s"
    )
    assert result.operations >= 9
    assert result.test_cases > 100
    assert result.clean, result.output_tail
