"""The graph model as code: labels, relationship types, allowed patterns, property models,
domain ontologies and versioned migrations."""

from graph_schema.migrations import Migration, migrations, schema_version
from graph_schema.model import (
    LAYER_LABELS,
    AssertionKind,
    Label,
    Layer,
    RelType,
    Status,
    evidence_id,
    label_of,
    normalise_name,
    rel_id,
    stable_id,
)
from graph_schema.ontology import Ontology, OntologyError, RelationType, load_ontology
from graph_schema.schema import GraphSchema, SchemaViolation, cypher_label

__all__ = [
    "LAYER_LABELS",
    "AssertionKind",
    "GraphSchema",
    "Label",
    "Layer",
    "Migration",
    "Ontology",
    "OntologyError",
    "RelType",
    "RelationType",
    "SchemaViolation",
    "Status",
    "cypher_label",
    "evidence_id",
    "label_of",
    "load_ontology",
    "migrations",
    "normalise_name",
    "rel_id",
    "schema_version",
    "stable_id",
]
