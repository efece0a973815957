"""The graph schema: the fixed model plus a domain ontology, and the one quoting function.

Labels and relationship types reach Cypher only through :func:`cypher_label` and
:meth:`GraphSchema.cypher_rel_type`, which accept nothing outside the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from graph_schema.model import LAYER_LABELS, STRUCTURAL_PATTERNS, Label, RelType
from graph_schema.ontology import Ontology, RelationType, load_ontology

_STRUCTURAL_NAMES = frozenset(t.value for t in RelType)


class SchemaViolation(ValueError):
    """A label, relationship type or pattern outside the schema."""


def cypher_label(label: Label) -> str:
    """Quote a node label for Cypher. Only :class:`Label` members are accepted."""
    if not isinstance(label, Label):
        raise SchemaViolation(f"{label!r} is not a label of the graph model")
    return f"`{label.value}`"


@dataclass(frozen=True)
class GraphSchema:
    """The graph model of one deployment: structural model + the domain ontology."""

    ontology: Ontology

    @classmethod
    def load(cls, ontology_path: Path | str | None = None) -> GraphSchema:
        """Build the schema for an ontology file (or the shipped default)."""
        return cls(ontology=load_ontology(ontology_path))

    @cached_property
    def relation_types(self) -> dict[str, RelationType]:
        """Entity-to-entity relationship types by name."""
        return dict(self.ontology.relation_types)

    @cached_property
    def all_rel_types(self) -> frozenset[str]:
        """Every relationship type the graph may hold."""
        return frozenset({t.value for t in RelType} | set(self.relation_types))

    def is_relation_type(self, name: str) -> bool:
        """Whether ``name`` is an entity-to-entity relation type of the ontology."""
        return name in self.relation_types

    def require_relation_type(self, name: str) -> RelationType:
        """Return the ontology relation ``name`` or raise :class:`SchemaViolation`."""
        try:
            return self.relation_types[name]
        except KeyError:
            known = ", ".join(sorted(self.relation_types)) or "(none)"
            raise SchemaViolation(
                f"relation type {name!r} is not in ontology {self.ontology.id!r}; "
                f"known relation types: {known}. Add it to the ontology file to allow it."
            ) from None

    def check_pattern(self, source: Label, rel_type: str, target: Label) -> None:
        """Refuse a (source label, type, target label) pattern outside the schema."""
        if rel_type in self.relation_types:
            allowed = source is Label.ENTITY and target is Label.ENTITY
        else:
            allowed = (
                rel_type in _STRUCTURAL_NAMES
                and (source, RelType(rel_type), target) in STRUCTURAL_PATTERNS
            )
        if not allowed:
            raise SchemaViolation(
                f"({source.value})-[:{rel_type}]->({target.value}) is not an allowed pattern "
                "of the graph schema"
            )

    def cypher_rel_type(self, rel_type: str) -> str:
        """Quote a relationship type for Cypher; refuses anything outside the schema."""
        if rel_type not in self.all_rel_types:
            raise SchemaViolation(f"relationship type {rel_type!r} is not in the graph schema")
        return f"`{rel_type}`"

    @staticmethod
    def layer_labels() -> frozenset[Label]:
        """The labels of the five knowledge layers."""
        return LAYER_LABELS
