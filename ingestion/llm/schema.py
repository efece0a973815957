"""The structured output asked of the LLM, one object per chunk (``ChunkFacts``).

It mirrors :mod:`ingestion.models` without offsets (models cannot count characters): names,
verbatim quotes and values, which :mod:`ingestion.llm.convert` validates against the ontology and
locates in the chunk.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LayerName = Literal["Wisdom", "Experience", "Insight", "Situation", "Knowledge"]
LinkName = Literal["APPLIES_IN", "IN_SITUATION", "SUPPORTS", "CONTRADICTS", "DERIVED_FROM"]


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LlmEntity(_Item):
    """A named entity of the text."""

    name: str = Field(description="the name exactly as written in the text")
    type: str = Field(description="one of the ontology's concept labels")


class LlmRelation(_Item):
    """subject -[predicate]-> object, stated by the text."""

    subject: str = Field(description="subject name exactly as written")
    subject_type: str
    predicate: str = Field(description="one of the relation types, e.g. COMPETES_WITH")
    object: str = Field(description="object name exactly as written")
    object_type: str
    quote: str = Field(default="", description="the sentence stating it, verbatim")


class LlmObservation(_Item):
    """A figure the text states about an entity."""

    subject: str = Field(description="entity name exactly as written")
    subject_type: str
    metric: str = Field(description="one of the metric names")
    value: float = Field(description="value in absolute units: 2.5 billion -> 2500000000")
    unit: str = Field(description="ISO currency code for money, 'percent', or 'count'")
    period: str | None = Field(
        default=None, description="YYYY, YYYY-Qn, YYYY-Hn or YYYY-MM, or null"
    )
    quote: str = Field(default="", description="the sentence stating it, verbatim")


class LlmStatement(_Item):
    """A sentence or clause of one of the layers, quoted verbatim."""

    layer: LayerName
    text: str = Field(description="the statement, verbatim from the text")
    entities: list[str] = Field(default_factory=list, description="entity names it is about")


class LlmLink(_Item):
    """A link between two statements of this answer (indices into ``statements``)."""

    source: int = Field(ge=0)
    type: LinkName
    target: int = Field(ge=0)


class ChunkFacts(_Item):
    """Everything the text states, constrained to the ontology."""

    entities: list[LlmEntity] = Field(default_factory=list)
    relations: list[LlmRelation] = Field(default_factory=list)
    observations: list[LlmObservation] = Field(default_factory=list)
    statements: list[LlmStatement] = Field(default_factory=list)
    links: list[LlmLink] = Field(default_factory=list)
