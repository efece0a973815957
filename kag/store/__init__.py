"""Graph storage: the ``GraphStore`` port and its embedded and Neo4j backends."""

from kag.store.base import (
    AggregateRow,
    DocumentPage,
    DocumentSummary,
    EntityMatch,
    EvidenceSpan,
    GraphPath,
    GraphStore,
    NodeView,
    ObservationQuery,
    RelView,
    ReplaceSummary,
    StoreCounts,
    Subgraph,
    WriteBatch,
    WriteSummary,
)
from kag.store.factory import ensure_schema, load_schema, open_store

__all__ = [
    "AggregateRow",
    "DocumentPage",
    "DocumentSummary",
    "EntityMatch",
    "EvidenceSpan",
    "GraphPath",
    "GraphStore",
    "NodeView",
    "ObservationQuery",
    "RelView",
    "ReplaceSummary",
    "StoreCounts",
    "Subgraph",
    "WriteBatch",
    "WriteSummary",
    "ensure_schema",
    "load_schema",
    "open_store",
]
