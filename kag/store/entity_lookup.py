"""Entity lookup by name, with one candidate rule and one ranking for every backend.

Candidates are entities with a name or alias token that equals a query token, is within one edit
of it (query tokens of 4+ characters; Damerau/OSA distance, as Lucene's ``term~1``) or starts
with it (query tokens of 3+ characters, as ``term*``). The Neo4j backend asks its full-text index
for exactly these terms; the embedded backend keeps a token index. Candidates are then ranked by
:func:`rank_entity_props`: exact (normalised) name or alias first, then rapidfuzz ``WRatio``,
then id.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from graph_schema import Label, Status, normalise_name
from kag.store.views import display_name

_TOKEN = re.compile(r"\w+", re.UNICODE)
FUZZY_MIN_LEN = 4
#: Candidates ranked per lookup; the Neo4j backend asks its full-text index for as many.
CANDIDATE_LIMIT = 100
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
        self._by_length: dict[int, list[str]] = {}

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

    def _vocabulary(self) -> tuple[list[str], dict[int, list[str]]]:
        if self._vocab is None:
            self._vocab = sorted(self._ids)
            self._by_length = {}
            for tok in self._vocab:
                self._by_length.setdefault(len(tok), []).append(tok)
        return self._vocab, self._by_length

    def candidates(self, text: str, *, limit: int | None = None) -> set[str]:
        """Ids of entities matching any query term.

        With ``limit``, at most that many: those whose matched terms are rarest (summed inverse
        document frequency, exact token matches counting double), as a full-text index ranks
        them; ties by id. This is what keeps a common word ("Systems") from bringing every
        entity that has it, as the Neo4j backend's full-text shortlist does.
        """
        vocab, by_length = self._vocabulary()
        per_term: list[tuple[set[str], set[str]]] = []  # (exact-match ids, loose-match ids)
        for term in query_terms(text):
            loose: set[str] = set()
            if term.fuzzy:
                # an edit distance of 1 needs a length within 1: only those buckets are scanned
                for size in (len(term.text) - 1, len(term.text), len(term.text) + 1):
                    for tok, _dist, _i in process.extract(
                        term.text,
                        by_length.get(size, []),
                        scorer=OSA.distance,
                        score_cutoff=1,
                        limit=None,
                    ):
                        loose.add(tok)
            if term.prefix:
                i = bisect_left(vocab, term.text)
                while i < len(vocab) and vocab[i].startswith(term.text):
                    loose.add(vocab[i])
                    i += 1
            exact = set(self._ids.get(term.text, ()))
            loose.discard(term.text)
            per_term.append((exact, {i for tok in loose for i in self._ids[tok]}))
        found = {i for exact, loose in per_term for i in exact | loose}
        if limit is None or len(found) <= limit:
            return found
        total = len(found)
        weight: dict[str, float] = {}
        for exact, loose in per_term:
            idf = math.log(1 + total / max(len(exact | loose), 1))
            for node_id in loose:
                weight[node_id] = weight.get(node_id, 0.0) + idf
            for node_id in exact:
                weight[node_id] = weight.get(node_id, 0.0) + 2 * idf
        return set(heapq.nsmallest(limit, found, key=lambda n: (-weight[n], n)))


def _entity_tokens(props: Mapping[str, Any]) -> set[str]:
    names = [props.get("name", ""), *(props.get("aliases") or [])]
    return {tok for name in names if isinstance(name, str) for tok in tokens(name)}


def _names(props: Mapping[str, Any]) -> list[str]:
    aliases = props.get("aliases") or []
    name = display_name(Label.ENTITY, props)
    return [name, *[a for a in aliases if isinstance(a, str)]]


def _score_names(query_norm: str, names: Sequence[str]) -> tuple[float, str, bool]:
    best: tuple[float, str, bool] = (0.0, names[0], False)
    for name in names:
        norm = normalise_name(name)
        if norm == query_norm:
            return (100.0, name, True)
        score = float(fuzz.WRatio(query_norm, norm))
        if score > best[0]:
            best = (score, name, False)
    return best


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate that passed, before its view is built."""

    id: str
    matched: str
    score: float
    exact: bool


def rank_entity_props(
    text: str,
    candidates: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    limit: int,
    min_score: float,
    types: Sequence[str] | None,
    statuses: Sequence[Status],
) -> list[Ranked]:
    """Rank candidate entities, given as raw ``(id, properties)`` pairs, for ``text``: exact
    matches, then score, then id. Views are built by the caller for the results only (the
    embedded token index finds thousands of candidates for a common word such as "Systems")."""
    query = normalise_name(text)
    if not query:
        return []
    wanted_types = set(types) if types else None
    allowed = {s.value for s in statuses}
    ranked: list[Ranked] = []
    seen: set[str] = set()
    for node_id, props in candidates:
        if node_id in seen:
            continue
        seen.add(node_id)
        status = props.get("status")
        if (
            isinstance(status, str)
            and status in Status._value2member_map_
            and status not in allowed
        ):
            continue
        if wanted_types is not None and props.get("type") not in wanted_types:
            continue
        score, matched, exact = _score_names(query, _names(props))
        if exact or score >= min_score:
            ranked.append(Ranked(node_id, matched, score, exact))
    ranked.sort(key=lambda m: (not m.exact, -m.score, m.id))
    return ranked[:limit]
