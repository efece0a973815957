"""Property models of the graph: what each node and relationship carries.

These are the write-side records of the storage contract. ``props()`` gives the exact property map
both backends store (``None`` values are never stored: Neo4j cannot hold them, so neither does the
embedded backend), with timestamps as ISO-8601 UTC strings so they compare the same everywhere.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graph_schema.model import (
    ID_PREFIX,
    AssertionKind,
    Label,
    Layer,
    RelType,
    Status,
    label_of,
    normalise_name,
)

#: Properties set only when a node is created; later writes never overwrite them (status and
#: belief change through review decisions and feedback, not by re-ingestion).
CREATE_ONLY_KEYS = frozenset({"created_at", "status", "alpha", "beta"})


#: Properties the typed entity relationship of a relation assertion carries.
RELATION_KEYS = ("id", "status", "confidence", "alpha", "beta", "valid_from", "valid_to")


def utc_now() -> str:
    """The current time as an ISO-8601 UTC string with microseconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Record(BaseModel):
    """Base of every stored record: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def props(self) -> dict[str, Any]:
        """The property map to store (no ``None`` values; tuples become lists)."""
        return self.model_dump(mode="json", exclude_none=True)


def _check_prefix(node_id: str, *labels: Label) -> str:
    if label_of(node_id) not in labels:
        expected = " or ".join(f"{ID_PREFIX[label]}_..." for label in labels)
        raise ValueError(f"id {node_id!r} is not a {expected} id")
    return node_id


class DocumentRecord(Record):
    """A source document; one node per source, its ``version`` bumped when the content changes."""

    id: str
    source: str = Field(min_length=1)
    title: str
    media_type: str
    content_hash: str
    version: int = Field(ge=1)
    char_count: int = Field(ge=0)
    created_at: str = Field(default_factory=utc_now)
    updated_at: str = Field(default_factory=utc_now)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _check_prefix(v, Label.DOCUMENT)


class ChunkRecord(Record):
    """A chunk of a document version, with character offsets into the normalised document text."""

    id: str
    document_id: str
    version: int = Field(ge=1)
    position: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str

    @model_validator(mode="after")
    def _span(self) -> ChunkRecord:
        _check_prefix(self.id, Label.CHUNK)
        _check_prefix(self.document_id, Label.DOCUMENT)
        if self.end - self.start != len(self.text):
            raise ValueError(
                f"chunk {self.id}: span {self.start}..{self.end} does not match its text length "
                f"{len(self.text)}"
            )
        return self


class EntityRecord(Record):
    """An entity (company, product, person, ...) with its aliases."""

    id: str
    name: str = Field(min_length=1)
    type: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    status: Status = Status.PROPOSED
    confidence: float = Field(default=0.5, ge=0, le=1)
    created_at: str = Field(default_factory=utc_now)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _check_prefix(v, Label.ENTITY)

    def props(self) -> dict[str, Any]:
        """Stored properties, plus the normalised keys used for lookup and full-text search."""
        out = super().props()
        names = [self.name, *self.aliases]
        out["name_norm"] = normalise_name(self.name)
        out["aliases_norm"] = sorted({normalise_name(n) for n in names})
        out["search_text"] = " | ".join(dict.fromkeys(names))
        return out


class AssertionRecord(Record):
    """A node of one of the five layers: a relation, an observation or a statement.

    A relation also becomes a typed entity relationship ``(subject)-[PREDICATE]->(object)`` whose
    ``id`` is this assertion's id; an observation is (entity, metric, value, unit, period).
    """

    id: str
    layer: Layer
    kind: AssertionKind
    text: str = Field(min_length=1)
    fingerprint: str = Field(min_length=1, description="normalised identity of what is asserted")
    status: Status = Status.PROPOSED
    confidence: float = Field(default=0.5, ge=0, le=1)
    alpha: float = Field(default=1.0, gt=0)
    beta: float = Field(default=1.0, gt=0)
    extractors: tuple[str, ...] = ()
    created_at: str = Field(default_factory=utc_now)
    valid_from: str | None = None
    valid_to: str | None = None
    subject_id: str | None = None
    predicate: str | None = None
    object_id: str | None = None
    metric: str | None = None
    value: float | None = None
    unit: str | None = None
    period: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    entity_ids: tuple[str, ...] = Field(default=(), description="entities the statement is about")

    @model_validator(mode="after")
    def _shape(self) -> AssertionRecord:
        _check_prefix(self.id, self.layer.label)
        if self.kind is AssertionKind.RELATION and not (
            self.subject_id and self.predicate and self.object_id
        ):
            raise ValueError(f"relation {self.id} needs subject_id, predicate and object_id")
        if self.kind is AssertionKind.OBSERVATION and (
            self.subject_id is None or self.metric is None or self.value is None
        ):
            raise ValueError(f"observation {self.id} needs subject_id, metric and value")
        if self.kind is not AssertionKind.RELATION and self.predicate is not None:
            raise ValueError(f"{self.kind.value} {self.id} cannot carry a predicate")
        return self

    def props(self) -> dict[str, Any]:
        """Stored properties (the ``entity_ids`` list is stored as ``ABOUT`` relationships)."""
        out = super().props()
        out.pop("entity_ids", None)
        out.pop("layer", None)
        return out

    def relation_props(self, props: dict[str, Any] | None = None) -> dict[str, Any]:
        """Properties of the typed entity relationship mirroring a relation assertion.

        Args:
            props: this record's :meth:`props`, when the caller has them already.
        """
        props = self.props() if props is None else props
        return {k: props[k] for k in RELATION_KEYS if k in props}


class EvidenceRecord(Record):
    """``(assertion)-[:EVIDENCED_BY {span, quote}]->(chunk)``: where an assertion was read."""

    id: str
    assertion_id: str
    chunk_id: str
    document_id: str
    start: int = Field(ge=0, description="char offset into the normalised document text")
    end: int = Field(ge=0)
    quote: str
    extractor: str

    @model_validator(mode="after")
    def _span(self) -> EvidenceRecord:
        if self.end < self.start:
            raise ValueError(f"evidence {self.id}: end {self.end} before start {self.start}")
        return self

    def props(self) -> dict[str, Any]:
        """Stored relationship properties (the endpoints are not properties)."""
        out = super().props()
        out.pop("assertion_id")
        out.pop("chunk_id")
        return out


class LinkRecord(Record):
    """A structural relationship between two nodes (``APPLIES_IN``, ``SUPPORTS``, ...)."""

    id: str
    type: RelType
    source_id: str
    target_id: str
    confidence: float = Field(default=0.5, ge=0, le=1)
    status: Status = Status.PROPOSED
    role: str | None = None

    def props(self) -> dict[str, Any]:
        """Stored relationship properties."""
        out = super().props()
        for key in ("type", "source_id", "target_id"):
            out.pop(key)
        return out


class MentionRecord(Record):
    """``(chunk)-[:MENTIONS]->(entity)``."""

    chunk_id: str
    entity_id: str
    count: int = Field(default=1, ge=1)


class DecisionRecord(Record):
    """A review decision: who decided what about which node, before and after, and why.

    ``before``/``after`` describe the target (the properties the decision changed, plus the
    outcome keys readers rely on: ``into`` and ``names`` of merges and splits, ``replaced_by``
    of edits); ``changes`` is the exact record of every node and relationship the decision
    created, changed or deleted (a :class:`kag.store.GraphPatch` as JSON), from which an undo
    restores the previous state.
    """

    id: str
    target_id: str
    action: str
    actor: str
    role: str
    reason: str | None = None
    before: str | None = Field(default=None, description="JSON of the target before")
    after: str | None = Field(default=None, description="JSON of the target after")
    created_at: str = Field(default_factory=utc_now)
    undone: bool = False
    changes: str | None = Field(default=None, description="JSON of every change it made")
    batch_id: str | None = Field(default=None, description="decisions taken together share it")
    undoes: str | None = Field(default=None, description="the decision an undo reverses")


class AnswerRecord(Record):
    """A question and the engine's answer, stored so it can be fetched and receive feedback.

    ``payload`` is the full answer as JSON (citations, plans, Cypher, trace); the node also gets
    ``CITES`` links to every fact and entity the answer cites.
    """

    id: str
    question: str = Field(min_length=1)
    text: str
    outcome: str = Field(description="answered | partial | insufficient_evidence | cannot_answer")
    confidence: float = Field(ge=0, le=1)
    payload: str = Field(description="the full answer as JSON")
    created_at: str = Field(default_factory=utc_now)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _check_prefix(v, Label.ANSWER)


# -- feedback (issue 7 stores it, issue 8 acts on it) ---------------------------------------------
CitationFlagKind = Literal["wrong_path", "outdated", "untrustworthy_source"]


class CitationFlag(BaseModel):
    """A flag on one citation of an answer: this path is wrong, this fact is outdated, or this
    source is not trustworthy, with an optional note."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    citation_id: str = Field(pattern=r"^c[1-9][0-9]{0,2}$", description="c1, c2, ... of the answer")
    flag: CitationFlagKind
    note: str | None = Field(default=None, max_length=2000)


class FeedbackRecord(Record):
    """Feedback on an answer: helpful or wrong, an optional correction in words, optional flags
    on individual citations, and who gave it in which role.

    Stored as a ``Feedback`` node with ``FEEDBACK_ON`` to its ``Answer``; the citation flags are
    kept as one JSON property (Neo4j properties cannot hold maps). ``applied`` is set when its
    effects (belief updates, review items) have been carried out.
    """

    id: str
    answer_id: str
    verdict: Literal["helpful", "wrong"]
    correction: str | None = Field(default=None, max_length=5000)
    citation_flags: tuple[CitationFlag, ...] = ()
    actor: str = Field(min_length=1, description="who gave it (the API key's name)")
    actor_id: str | None = Field(default=None, description="the API key's id")
    role: str = Field(min_length=1, description="analyst, expert or admin")
    created_at: str = Field(default_factory=utc_now)
    applied: bool = False

    @model_validator(mode="after")
    def _ids(self) -> FeedbackRecord:
        _check_prefix(self.id, Label.FEEDBACK)
        _check_prefix(self.answer_id, Label.ANSWER)
        return self

    def props(self) -> dict[str, Any]:
        """Stored properties (citation flags as a JSON string)."""
        out = super().props()
        out["citation_flags"] = json.dumps(
            [flag.model_dump(mode="json", exclude_none=True) for flag in self.citation_flags]
        )
        return out

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> FeedbackRecord:
        """The record stored as ``props``."""
        data = dict(props)
        data["citation_flags"] = tuple(json.loads(data.get("citation_flags") or "[]"))
        return cls.model_validate(data)
