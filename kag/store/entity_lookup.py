"""Entity lookup by name, with one candidate rule and one ranking for every backend.

Candidates are entities with a name or alias token that equals a query token, is within one edit
of it (query tokens of 4+ characters; Damerau/OSA distance, as Lucene's ``term~1``) or starts
with it (query tokens of 3+ characters, as ``term*``). The Neo4j backend asks its full-text index
for exactly these terms; the embedded backend keeps a token index. Candidates are then ranked by
:func:`rank_entities`: exact (normalised) name or alias first, then rapidfuzz ``WRatio``, then id.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from graph_schema import Status, normalise_name
from kag.store.base import EntityMatch, NodeView

_TOKEN = re.compile(r"\w+", re.UNICODE)
FUZZY_MIN_LEN = 4
PREFIX_MIN_LEN = 3


@dataclass(frozen=True, slots=True)
class Term:
    """One query term and how loosely it may match."""

    text: str
    fuzzy: bool
    prefix: bool


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of a name (as a standard full-text analyzer splits it)."""
    return _TOKEN.findall(normalise_name(text))


def query_terms(text: str) -> list[Term]:
    """The candidate terms of a lookup text."""
    return [
        Term(tok, fuzzy=len(tok) >= FUZZY_MIN_LEN, prefix=len(tok) >= PREFIX_MIN_LEN)
        for tok in dict.fromkeys(tokens(text))
    ]


class TokenIndex:
    """Token -> entity ids, for the embedded backend's candidate generation."""

    def __init__(self) -> None:
        self._ids: dict[str, set[str]] = {}
        self._vocab: list[str] | None = None

    def add(self, entity_id: str, props: Mapping[str, Any]) -> None:
        """Index an entity's name and aliases."""
        for tok in _entity_tokens(props):
            ids = self._ids.setdefault(tok, set())
            if not ids:
                self._vocab = None
            ids.add(entity_id)

    def remove(self, entity_id: str, props: Mapping[str, Any]) -> None:
        """Forget an entity's tokens (before re-indexing it with new properties)."""
        for tok in _entity_tokens(props):
            ids = self._ids.get(tok)
            if ids is not None:
                ids.discard(entity_id)
                if not ids:
                    del self._ids[tok]
                    self._vocab = None

    def candidates(self, text: str) -> set[str]:
        """Ids of entities matching any query term."""
        if self._vocab is None:
            self._vocab = sorted(self._ids)
        vocab = self._vocab
        found: set[str] = set()
        for term in query_terms(text):
            matched = {term.text} if term.text in self._ids else set()
            if term.fuzzy:
                for tok, _dist, _i in process.extract(
                    term.text, vocab, scorer=OSA.distance, score_cutoff=1, limit=None
                ):
                    matched.add(tok)
            if term.prefix:
                i = bisect_left(vocab, term.text)
                while i < len(vocab) and vocab[i].startswith(term.text):
                    matched.add(vocab[i])
                    i += 1
            for tok in matched:
                found.update(self._ids[tok])
        return found


def _entity_tokens(props: Mapping[str, Any]) -> set[str]:
    names = [props.get("name", ""), *(props.get("aliases") or [])]
    return {tok for name in names if isinstance(name, str) for tok in tokens(name)}


def entity_names(node: NodeView) -> list[str]:
    """The names an entity answers to: its name and aliases, as stored."""
    aliases = node.props.get("aliases") or []
    return [node.name, *[a for a in aliases if isinstance(a, str)]]


def score_entity(query_norm: str, node: NodeView) -> tuple[float, str, bool]:
    """Best score of a normalised query against an entity's names: (score, matched, exact)."""
    best: tuple[float, str, bool] = (0.0, node.name, False)
    for name in entity_names(node):
        norm = normalise_name(name)
        if norm == query_norm:
            return (100.0, name, True)
        score = float(fuzz.WRatio(query_norm, norm))
        if score > best[0]:
            best = (score, name, False)
    return best


def rank_entities(
    text: str,
    candidates: Iterable[NodeView],
    *,
    limit: int,
    min_score: float,
    types: Sequence[str] | None,
    statuses: Sequence[Status],
) -> list[EntityMatch]:
    """Rank candidate entities for ``text``: exact matches, then score, then id."""
    query = normalise_name(text)
    if not query:
        return []
    wanted_types = set(types) if types else None
    matches: list[EntityMatch] = []
    seen: set[str] = set()
    for node in candidates:
        if node.id in seen:
            continue
        seen.add(node.id)
        if node.status is not None and node.status not in statuses:
            continue
        if wanted_types is not None and node.props.get("type") not in wanted_types:
            continue
        score, matched, exact = score_entity(query, node)
        if exact or score >= min_score:
            matches.append(EntityMatch(entity=node, matched=matched, score=score, exact=exact))
    matches.sort(key=lambda m: (not m.exact, -m.score, m.entity.id))
    return matches[:limit]
