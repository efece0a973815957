"""The fixed part of the graph model: labels, layers, statuses and structural relationship types.

Entity-to-entity relationship types are not listed here: they come from the domain ontology
(:mod:`graph_schema.ontology`), so a new domain is configuration, not code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from enum import StrEnum
from functools import lru_cache
from typing import Final


class Label(StrEnum):
    """Every node label the engine writes."""

    ENTITY = "Entity"
    DOCUMENT = "Document"
    CHUNK = "Chunk"
    KNOWLEDGE = "Knowledge"
    EXPERIENCE = "Experience"
    WISDOM = "Wisdom"
    INSIGHT = "Insight"
    SITUATION = "Situation"
    DECISION = "Decision"
    ANSWER = "Answer"
    FEEDBACK = "Feedback"
    SCHEMA_META = "SchemaMeta"


class Layer(StrEnum):
    """The five knowledge layers; each value is also the node label of that layer."""

    KNOWLEDGE = "Knowledge"
    EXPERIENCE = "Experience"
    WISDOM = "Wisdom"
    INSIGHT = "Insight"
    SITUATION = "Situation"

    @property
    def label(self) -> Label:
        """The node label of this layer."""
        return Label(self.value)


class Status(StrEnum):
    """Review status of entities, assertions and their relationships."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


#: Statuses the engine may use for answers by default.
USABLE_STATUSES: Final[tuple[Status, ...]] = (Status.APPROVED,)


class AssertionKind(StrEnum):
    """What an assertion node states."""

    RELATION = "relation"  # subject -[predicate]-> object, mirrored by a typed entity relationship
    OBSERVATION = "observation"  # entity, metric, value, unit, period
    STATEMENT = "statement"  # free text (principle, episode, conclusion, condition)


class RelType(StrEnum):
    """Structural relationship types (entity relations come from the ontology)."""

    HAS_CHUNK = "HAS_CHUNK"
    MENTIONS = "MENTIONS"
    EVIDENCED_BY = "EVIDENCED_BY"
    ABOUT = "ABOUT"
    APPLIES_IN = "APPLIES_IN"
    IN_SITUATION = "IN_SITUATION"
    SUPPORTS = "SUPPORTS"
    CONTRADICTS = "CONTRADICTS"
    DERIVED_FROM = "DERIVED_FROM"
    DECIDED = "DECIDED"
    CITES = "CITES"
    FEEDBACK_ON = "FEEDBACK_ON"


LAYER_LABELS: Final[frozenset[Label]] = frozenset(layer.label for layer in Layer)

#: Allowed (source label, type, target label) patterns for structural relationships.
STRUCTURAL_PATTERNS: Final[frozenset[tuple[Label, RelType, Label]]] = frozenset(
    [
        (Label.DOCUMENT, RelType.HAS_CHUNK, Label.CHUNK),
        (Label.CHUNK, RelType.MENTIONS, Label.ENTITY),
        *((layer, RelType.EVIDENCED_BY, Label.CHUNK) for layer in LAYER_LABELS),
        *((layer, RelType.ABOUT, Label.ENTITY) for layer in LAYER_LABELS),
        (Label.WISDOM, RelType.APPLIES_IN, Label.SITUATION),
        (Label.EXPERIENCE, RelType.IN_SITUATION, Label.SITUATION),
        *(
            (src, RelType.SUPPORTS, dst)
            for src in (Label.EXPERIENCE, Label.KNOWLEDGE, Label.INSIGHT)
            for dst in (Label.WISDOM, Label.INSIGHT)
        ),
        *(
            (src, RelType.CONTRADICTS, dst)
            for src in (Label.EXPERIENCE, Label.KNOWLEDGE, Label.INSIGHT)
            for dst in (Label.WISDOM, Label.INSIGHT, Label.KNOWLEDGE)
        ),
        *((Label.INSIGHT, RelType.DERIVED_FROM, src) for src in LAYER_LABELS),
        *(
            (Label.DECISION, RelType.DECIDED, dst)
            for dst in (*LAYER_LABELS, Label.ENTITY, Label.FEEDBACK)
        ),
        *((Label.ANSWER, RelType.CITES, dst) for dst in (*LAYER_LABELS, Label.ENTITY)),
        (Label.FEEDBACK, RelType.FEEDBACK_ON, Label.ANSWER),
        (Label.EXPERIENCE, RelType.ABOUT, Label.ANSWER),
    ]
)

#: Id prefix of each label; ids are minted by the engine, so an id tells its node's label.
ID_PREFIX: Final[dict[Label, str]] = {
    Label.ENTITY: "ent",
    Label.DOCUMENT: "doc",
    Label.CHUNK: "chk",
    Label.KNOWLEDGE: "kno",
    Label.EXPERIENCE: "exp",
    Label.WISDOM: "wis",
    Label.INSIGHT: "ins",
    Label.SITUATION: "sit",
    Label.DECISION: "dec",
    Label.ANSWER: "ans",
    Label.FEEDBACK: "fbk",
    Label.SCHEMA_META: "meta",
}
_LABEL_BY_PREFIX: Final[dict[str, Label]] = {prefix: label for label, prefix in ID_PREFIX.items()}
EVIDENCE_PREFIX: Final[str] = "evd"

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def normalise_name(text: str) -> str:
    """Normalise a name or value for identity: NFKC, case-folded, single-spaced, trimmed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return _SPACES.sub(" ", text).strip(" \t\n.,;:")


def stable_id(label: Label, *parts: str) -> str:
    """A deterministic id for ``label`` from identifying parts (re-ingestion finds the same id)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=10).hexdigest()
    return f"{ID_PREFIX[label]}_{digest}"


def evidence_id(assertion_id: str, chunk_id: str, start: int, end: int) -> str:
    """The id of one evidence link (assertion, chunk, char span)."""
    digest = hashlib.blake2b(
        f"{assertion_id}\x1f{chunk_id}\x1f{start}\x1f{end}".encode(), digest_size=10
    ).hexdigest()
    return f"{EVIDENCE_PREFIX}_{digest}"


def label_of(node_id: str) -> Label | None:
    """The label a node id was minted for, or ``None`` when the id is not one of ours."""
    prefix, sep, _ = node_id.partition("_")
    return _LABEL_BY_PREFIX.get(prefix) if sep else None


def rel_id(rel_type: str, source_id: str, target_id: str) -> str:
    """The id of a structural relationship, determined by its type and endpoints."""
    digest = hashlib.blake2b(
        f"{rel_type}\x1f{source_id}\x1f{target_id}".encode(), digest_size=10
    ).hexdigest()
    return f"rel_{digest}"
