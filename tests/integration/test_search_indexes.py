"""Neo4j's full-text indexes from schema 4: eventually consistent, rebuilt by the upgrade."""

from __future__ import annotations

import pytest
from neo4j import GraphDatabase

from kag.store import WriteBatch, open_store
from kag.testing.neo4j_server import Neo4jEndpoint
from tests.conftest import clear_neo4j, neo4j_settings
from tests.support.builders import entity

pytestmark = pytest.mark.neo4j


def _fulltext(endpoint: Neo4jEndpoint) -> dict[str, bool]:
    with GraphDatabase.driver(endpoint.uri, auth=endpoint.auth) as driver:
        records = driver.execute_query("SHOW FULLTEXT INDEXES YIELD name, options").records
    return {
        r["name"]: r["options"]["indexConfig"]["fulltext.eventually_consistent"] for r in records
    }


def test_upgrade_to_schema_4_rebuilds_the_full_text_indexes(neo4j_endpoint: Neo4jEndpoint) -> None:
    clear_neo4j(neo4j_endpoint)
    settings = neo4j_settings(neo4j_endpoint)
    store = open_store(settings)
    try:
        assert _fulltext(neo4j_endpoint) == {"entity_names": True, "statements": True}
        acme = entity("Acme Corp")
        store.write(WriteBatch(entities=(acme,)))
        # A graph at schema 3: the indexes as migration 2 made them.
        with GraphDatabase.driver(neo4j_endpoint.uri, auth=neo4j_endpoint.auth) as driver:
            driver.execute_query("DROP INDEX entity_names")
            driver.execute_query(
                "CREATE FULLTEXT INDEX entity_names FOR (n:Entity) ON EACH [n.search_text]"
            )
            driver.execute_query("CALL db.awaitIndexes(60)")
            driver.execute_query("MATCH (m:SchemaMeta {id: 'schema'}) SET m.version = 3")
        assert _fulltext(neo4j_endpoint)["entity_names"] is False
        assert store.apply_schema() == [4]
        assert _fulltext(neo4j_endpoint) == {"entity_names": True, "statements": True}
        # The rebuilt index holds what was written before the upgrade.
        assert [m.entity.id for m in store.find_entities("Acme Crop", min_score=70)] == [acme.id]
    finally:
        store.close()
