"""``Neo4jStore.capture_reads``: every read query sent inside the block, with its parameters."""

from __future__ import annotations

import pytest

from kag.store import WriteBatch, open_store
from kag.store.neo4j.store import Neo4jStore
from kag.testing.neo4j_server import Neo4jEndpoint
from tests.conftest import clear_neo4j, neo4j_settings
from tests.support.builders import entity

pytestmark = pytest.mark.neo4j


def test_capture_reads_records_the_queries_of_the_block_only(neo4j_endpoint: Neo4jEndpoint) -> None:
    clear_neo4j(neo4j_endpoint)
    store = open_store(neo4j_settings(neo4j_endpoint))
    try:
        assert isinstance(store, Neo4jStore)
        acme = entity("Acme Corp")
        store.write(WriteBatch(entities=(acme,)))
        with store.capture_reads() as sent:
            [node] = store.get_nodes([acme.id])
            store.read_query("MATCH (n:Entity {id: $id}) RETURN n.name AS name", {"id": acme.id})
        store.get_nodes([acme.id])  # after the block: not recorded
        assert node.name == "Acme Corp"
        assert len(sent) == 2
        assert sent[0].params == {"ids": [acme.id]}
        assert sent[1].params == {"id": acme.id}
        replayed = store.read_query(sent[1].query, sent[1].params)
        assert replayed == [{"name": "Acme Corp"}]
    finally:
        store.close()
