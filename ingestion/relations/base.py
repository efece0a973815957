"""The relation-finder port used by the NLP extractor.

A relation finder reads one parsed sentence (a spaCy ``Span``) with the entity mentions found in
it and returns :class:`~ingestion.models.RelationCandidate` objects whose predicate is a relation
type of the ontology. Implementations: a cue-based finder driven by the ontology's ``cues`` (the
default) and a finder driven by a relation lexicon learned from labelled sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

from graph_schema import GraphSchema
from ingestion.models import EntityMention, RelationCandidate

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan


class SentenceContext(BaseModel):
    """What a finder may know besides the sentence itself."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    graph_schema: GraphSchema
    document_title: str | None = None
    document_offset: int = 0  # char offset of the spaCy doc's text in the normalised document


class RelationFinder(Protocol):
    """Finds relation candidates in one sentence."""

    name: str

    def find(
        self,
        sentence: SpacySpan,
        mentions: Sequence[EntityMention],
        context: SentenceContext,
    ) -> list[RelationCandidate]:
        """Relation candidates stated by ``sentence`` between (or about) the ``mentions``."""
        ...
