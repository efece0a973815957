"""The answer the engine returns: text, confidence, cited paths with evidence, Cypher and trace.

Every statement of the text rests on a :class:`Citation`: a traversed path (ordered nodes and
relationships, each with id, label or type, name, confidence and status) with, for each hop, the
evidence spans it was read from (document, version, chunk, character offsets, quote). Numbers are
:class:`Quantity` values computed by the query executor (Cypher on Neo4j), never by a language
model.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graph_schema import Label, Status
from kag.plan import QueryPlan, QuestionShape

Outcome = Literal["answered", "partial", "insufficient_evidence", "cannot_answer"]
CitationRole = Literal["answer", "supports", "contradicts", "context"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CitedNode(_Frozen):
    """A node on a cited path."""

    id: str
    label: Label
    name: str
    type: str | None = Field(default=None, description="entity type, for entities")
    text: str | None = Field(default=None, description="full text of a statement")
    metric: str | None = Field(default=None, description="observations: the metric")
    value: float | None = Field(default=None, description="observations: the stored value")
    unit: str | None = None
    period: str | None = None
    confidence: float | None = None
    status: Status | None = None


class CitedRelationship(_Frozen):
    """A relationship on a cited path (source -> target as stored)."""

    id: str
    type: str
    source_id: str
    target_id: str
    confidence: float | None = None
    status: Status | None = None


class EvidenceRef(_Frozen):
    """One evidence span: where a hop's fact was read."""

    id: str
    assertion_id: str
    document_id: str
    document_source: str
    document_title: str
    version: int
    chunk_id: str
    start: int
    end: int
    quote: str


class HopEvidence(_Frozen):
    """The evidence of hop ``index`` (between ``nodes[index]`` and ``nodes[index + 1]``)."""

    index: int
    relationship_id: str
    spans: tuple[EvidenceRef, ...]


class Citation(_Frozen):
    """A cited path with per-hop evidence; ``proposed`` flags unreviewed facts on it."""

    id: str = Field(description="c1, c2, ... referenced from the answer text as [c1]")
    role: CitationRole = "answer"
    nodes: tuple[CitedNode, ...]
    relationships: tuple[CitedRelationship, ...]
    hops: tuple[HopEvidence, ...]
    confidence: float
    proposed: bool = False

    @property
    def documents(self) -> list[str]:
        """Sources of the documents the path's evidence comes from, in order of appearance."""
        return list(dict.fromkeys(s.document_source for h in self.hops for s in h.spans))

    @property
    def fully_evidenced(self) -> bool:
        """Whether every hop has at least one evidence span."""
        return len(self.hops) == len(self.relationships) and all(h.spans for h in self.hops)

    def chain(self) -> str:
        """The path as a readable chain: ``A -[TYPE]-> B <-[TYPE]- C``."""
        parts = [self.nodes[0].name]
        for i, rel in enumerate(self.relationships):
            forward = rel.source_id == self.nodes[i].id
            arrow = f"-[{rel.type}]->" if forward else f"<-[{rel.type}]-"
            parts += [arrow, self.nodes[i + 1].name]
        return " ".join(parts)


class Quantity(_Frozen):
    """A number computed by the query executor, with its unit, period and citations."""

    label: str = Field(description="entity name, period, or 'all'")
    metric: str
    kind: Literal[
        "value", "total", "average", "minimum", "maximum", "count", "difference", "change"
    ]
    value: float
    unit: str
    period: str | None = None
    rank: int | None = None
    citation_ids: tuple[str, ...] = ()


class CypherQuery(_Frozen):
    """A query the engine ran (or would run on Neo4j), with its parameters."""

    purpose: str
    cypher: str
    params: dict[str, Any]
    plan: QueryPlan | None = None
    executed_as: Literal["cypher", "embedded-plan"] = "cypher"
    rows: int = 0


class TraceRecord(_Frozen):
    """One engine step, query or LLM call, with its timing."""

    step: str
    name: str
    start_ms: float
    duration_ms: float
    ok: bool = True
    detail: dict[str, str | int | float | bool] = Field(default_factory=dict)


class Answer(_Frozen):
    """The engine's answer to one question."""

    id: str
    question: str
    text: str
    short: str | None = Field(
        default=None, description="the answer slot alone (the entities a chain ends at)"
    )
    outcome: Outcome
    confidence: float = Field(ge=0, le=1)
    shape: QuestionShape | None = None
    citations: tuple[Citation, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    cypher: tuple[CypherQuery, ...] = ()
    trace: tuple[TraceRecord, ...] = ()
    flags: tuple[str, ...] = ()
    composer: Literal["template", "llm"] = "template"
    created_at: str

    @property
    def documents(self) -> list[str]:
        """Every document the citations rest on."""
        return list(dict.fromkeys(d for c in self.citations for d in c.documents))

    @property
    def cited_ids(self) -> list[str]:
        """Ids of the facts (layer nodes, relation assertions) and entities the answer cites."""
        ids: dict[str, None] = {}
        for citation in self.citations:
            for node in citation.nodes:
                if node.label is not Label.DOCUMENT and node.label is not Label.CHUNK:
                    ids[node.id] = None
            for hop in citation.hops:
                for span in hop.spans:
                    ids[span.assertion_id] = None
        return list(ids)
