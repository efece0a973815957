"""Opening a store from settings, with the schema-version check."""

from __future__ import annotations

from pathlib import Path

from graph_schema import GraphSchema, OntologyError, schema_version
from kag.errors import ConfigurationError, SchemaMismatch
from kag.settings import Settings
from kag.store.base import GraphStore
from kag.store.embedded.store import EmbeddedStore
from kag.store.neo4j.store import Neo4jStore


def load_schema(settings: Settings) -> GraphSchema:
    """The graph schema for the configured ontology (or the shipped default)."""
    try:
        return GraphSchema.load(settings.ontology)
    except OntologyError as exc:
        raise ConfigurationError(str(exc)) from exc


def open_store(
    settings: Settings, *, schema: GraphSchema | None = None, check_schema: bool = True
) -> GraphStore:
    """Open the store named by ``settings.store``.

    A brand-new, empty store gets the schema applied at once. A store whose schema version
    differs from the code's is refused with :class:`SchemaMismatch` saying what to run, unless
    ``check_schema`` is false (``kag schema apply`` opens it that way).

    Raises:
        StoreUnavailable: the store cannot be reached or opened.
        SchemaMismatch: the graph's schema version is not the code's.
    """
    schema = schema or load_schema(settings)
    store: EmbeddedStore | Neo4jStore
    if settings.store.startswith("embedded:"):
        store = EmbeddedStore(Path(settings.store.removeprefix("embedded:")), schema)
    else:
        store = Neo4jStore(settings.store, settings.neo4j, schema)
    try:
        if isinstance(store, Neo4jStore):
            store.verify()
        if check_schema:
            ensure_schema(store)
    except BaseException:
        store.close()  # an unreachable server must not leave its driver (and pool) behind
        raise
    return store


def ensure_schema(store: EmbeddedStore | Neo4jStore) -> None:
    """Apply the schema to an empty store; refuse one whose version is not the code's."""
    found, expected = store.schema_version(), schema_version()
    if found == expected:
        return
    if found == 0 and store.is_empty():
        store.apply_schema()
        return
    if found < expected:
        raise SchemaMismatch(
            f"the graph at {store.location} has schema version {found}, this code needs "
            f"{expected}: run `kag schema apply` (with the same KAG_STORE) to migrate it",
            found=found,
            expected=expected,
        )
    raise SchemaMismatch(
        f"the graph at {store.location} has schema version {found}, newer than this code's "
        f"{expected}: upgrade kag-advisory to a version that knows schema {found}",
        found=found,
        expected=expected,
    )
