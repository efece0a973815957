"""Schema migrations: idempotent, versioned, and a clear refusal on a version mismatch."""

from __future__ import annotations

import sqlite3

import pytest
from neo4j import GraphDatabase

from graph_schema import schema_version
from kag.errors import SchemaMismatch
from kag.settings import Settings
from kag.store import GraphStore, WriteBatch, open_store
from kag.testing.neo4j_server import Neo4jEndpoint
from tests.support.builders import entity


def _force_version(settings: Settings, version: int, request: pytest.FixtureRequest) -> None:
    if settings.store.startswith("embedded:"):
        with sqlite3.connect(settings.store.removeprefix("embedded:")) as conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
        return
    endpoint: Neo4jEndpoint = request.getfixturevalue("neo4j_endpoint")
    with GraphDatabase.driver(endpoint.uri, auth=endpoint.auth) as driver:
        driver.execute_query("MATCH (m:SchemaMeta {id: 'schema'}) SET m.version = $v", v=version)


def test_apply_is_idempotent(store: GraphStore) -> None:
    assert store.schema_version() == schema_version()
    assert store.apply_schema() == []
    assert store.schema_version() == schema_version()


@pytest.mark.parametrize(
    ("version", "message"),
    [(1, r"run `kag schema apply`"), (99, r"newer than this code's .*upgrade")],
)
def test_mismatched_version_is_refused_with_what_to_run(
    store_settings: Settings, request: pytest.FixtureRequest, version: int, message: str
) -> None:
    store = open_store(store_settings)
    store.write(WriteBatch(entities=(entity("Acme"),)))
    store.close()
    _force_version(store_settings, version, request)
    with pytest.raises(SchemaMismatch, match=message):
        open_store(store_settings)
    if version < schema_version():
        migrated = open_store(store_settings, check_schema=False)
        assert migrated.apply_schema() == list(range(version + 1, schema_version() + 1))
        migrated.close()
        reopened = open_store(store_settings)
        assert reopened.counts().nodes == {"Entity": 1}
        reopened.close()
