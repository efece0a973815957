"""Reconciling the NLP and LLM halves per chunk.

Candidates of both halves are keyed by what they state (relation: subject, predicate, object;
observation: subject, metric, period, value, unit; statement: layer and overlapping span). When
both halves state the same thing the confidences combine (noisy-OR: 1 - (1-a)(1-b)) and both are
recorded as its extractors. An LLM candidate whose subject or object (or, for a statement, whose
text) does not occur in its chunk is dropped as *ungrounded* and counted: the model read it
somewhere else, or made it up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from graph_schema import Layer, normalise_name
from ingestion.models import (
    ChunkExtraction,
    EntityMention,
    LinkCandidate,
    ObservationCandidate,
    RelationCandidate,
    StatementCandidate,
)

C = TypeVar("C", RelationCandidate, ObservationCandidate, StatementCandidate)
_LEGAL_SUFFIX = re.compile(
    r"\s+(inc|incorporated|corp|corporation|ltd|limited|llc|plc|gmbh|ag|sa|co|company)$"
)
_WS = re.compile(r"\s+")


@dataclass
class Kept(Generic[C]):
    """A reconciled candidate: the candidate (of the most confident half), who produced it,
    and the combined confidence."""

    candidate: C
    extractors: tuple[str, ...]
    confidence: float


@dataclass
class ReconciledChunk:
    """What one chunk states after reconciliation."""

    chunk_id: str
    entities: list[EntityMention] = field(default_factory=list)
    relations: list[Kept[RelationCandidate]] = field(default_factory=list)
    observations: list[Kept[ObservationCandidate]] = field(default_factory=list)
    statements: list[Kept[StatementCandidate]] = field(default_factory=list)
    links: list[LinkCandidate] = field(default_factory=list)
    agreed: int = 0
    ungrounded: int = 0


def match_key(name: str) -> str:
    """A name as compared between the halves: normalised, legal-form suffix removed."""
    return _LEGAL_SUFFIX.sub("", normalise_name(name))


def _grounded(text: str, chunk_text: str) -> bool:
    """Whether ``text`` occurs in the chunk (case and spacing ignored)."""
    needle = _WS.sub(" ", text.casefold()).strip()
    return bool(needle) and needle in _WS.sub(" ", chunk_text.casefold())


def combine(a: float, b: float) -> float:
    """Confidence of a statement two independent extractors made (noisy-OR)."""
    return round(1 - (1 - a) * (1 - b), 4)


def _relation_key(c: RelationCandidate, symmetric: bool) -> Hashable:
    s, o = match_key(c.subject.name), match_key(c.object.name)
    if symmetric and o < s:
        s, o = o, s
    return (s, c.predicate, o)


def _observation_key(c: ObservationCandidate) -> Hashable:
    return (match_key(c.subject.name), c.metric, c.period, round(c.value, 6), c.unit)


def _merge(
    kept: list[Kept[C]],
    candidate: C,
    half: str,
    key: Callable[[C], Hashable],
    index: dict[Hashable, int],
) -> bool:
    """Add a candidate of extractor ``half`` or merge it into an equal one; returns whether it
    agreed with another half."""
    k = key(candidate)
    if k not in index:
        index[k] = len(kept)
        kept.append(Kept(candidate, (half,), candidate.confidence))
        return False
    current: Kept[C] = kept[index[k]]
    if half in current.extractors:
        if candidate.confidence > current.confidence:
            current.candidate = candidate
            current.confidence = candidate.confidence
        return False
    current.extractors = tuple(sorted({*current.extractors, half}))
    current.confidence = combine(current.confidence, candidate.confidence)
    return True


def _statements_agree(a: StatementCandidate, b: StatementCandidate) -> bool:
    if a.layer is not b.layer:
        return False
    overlap = min(a.evidence.end, b.evidence.end) - max(a.evidence.start, b.evidence.start)
    shorter = min(a.evidence.end - a.evidence.start, b.evidence.end - b.evidence.start)
    return overlap > 0 and overlap >= shorter / 2


class _Reconciler:
    """State of one chunk's reconciliation."""

    def __init__(self, chunk_text: str, symmetric: frozenset[str], chunk_id: str) -> None:
        self.text = chunk_text
        self.symmetric = symmetric
        self.out = ReconciledChunk(chunk_id=chunk_id)
        self.rel_index: dict[Hashable, int] = {}
        self.obs_index: dict[Hashable, int] = {}
        self.statement_map: dict[tuple[str, int], int] = {}
        self.seen_entities: set[tuple[str, str]] = set()

    def rel_key(self, c: RelationCandidate) -> Hashable:
        return _relation_key(c, c.predicate in self.symmetric)

    def grounded(self, check: bool, *texts: str) -> bool:
        if not check or all(_grounded(t, self.text) for t in texts):
            return True
        self.out.ungrounded += 1
        return False

    def entities(self, extraction: ChunkExtraction, check: bool) -> None:
        for mention in extraction.entities:
            if check and not _grounded(mention.name, self.text):
                continue  # an entity that is not in the chunk is not a mention of it
            key = (match_key(mention.name), mention.type)
            if key not in self.seen_entities:
                self.seen_entities.add(key)
                self.out.entities.append(mention)

    def facts(self, extraction: ChunkExtraction, half: str, check: bool) -> None:
        out = self.out
        for relation in extraction.relations:
            if self.grounded(check, relation.subject.name, relation.object.name):
                out.agreed += _merge(out.relations, relation, half, self.rel_key, self.rel_index)
        for observation in extraction.observations:
            if self.grounded(check, observation.subject.name):
                out.agreed += _merge(
                    out.observations, observation, half, _observation_key, self.obs_index
                )

    def statements(self, extraction: ChunkExtraction, half: str, check: bool) -> None:
        out = self.out
        for i, statement in enumerate(extraction.statements):
            if not self.grounded(check, statement.text):
                continue
            match = next(
                (
                    j
                    for j, k in enumerate(out.statements)
                    if _statements_agree(k.candidate, statement)
                ),
                None,
            )
            if match is None:
                self.statement_map[(half, i)] = len(out.statements)
                out.statements.append(Kept(statement, (half,), statement.confidence))
                continue
            self.statement_map[(half, i)] = match
            kept = out.statements[match]
            if half not in kept.extractors:
                kept.extractors = tuple(sorted({*kept.extractors, half}))
                kept.confidence = combine(kept.confidence, statement.confidence)
                out.agreed += 1
        for link in extraction.links:
            source = self.statement_map.get((half, link.source))
            target = self.statement_map.get((half, link.target))
            if source is not None and target is not None and source != target:
                out.links.append(link.model_copy(update={"source": source, "target": target}))


def reconcile(
    chunk_text: str,
    extractions: Sequence[ChunkExtraction],
    *,
    symmetric: frozenset[str],
    llm_extractors: frozenset[str] = frozenset({"llm"}),
) -> ReconciledChunk:
    """Merge the extractions of one chunk (NLP first, then LLM).

    Args:
        chunk_text: the chunk's text (grounding is checked against it).
        extractions: one per extractor that ran on the chunk.
        symmetric: the ontology's symmetric relation types (their arguments are unordered).
        llm_extractors: extractor names whose candidates must be grounded.
    """
    if not extractions:
        raise ValueError("reconcile needs at least one extraction")
    state = _Reconciler(chunk_text, symmetric, extractions[0].chunk_id)
    for extraction in extractions:
        half = extraction.extractor
        check = half in llm_extractors
        state.entities(extraction, check)
        state.facts(extraction, half, check)
        state.statements(extraction, half, check)
    state.out.links = _unique_links(state.out.links)
    return state.out


def _unique_links(links: list[LinkCandidate]) -> list[LinkCandidate]:
    best: dict[tuple[int, str, int], LinkCandidate] = {}
    for link in links:
        key = (link.source, link.type.value, link.target)
        if key not in best or link.confidence > best[key].confidence:
            best[key] = link
    return list(best.values())


def layer_of(kept: Kept[StatementCandidate]) -> Layer:
    """The layer of a kept statement."""
    return kept.candidate.layer
