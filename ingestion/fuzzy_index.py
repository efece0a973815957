"""Candidate entities for fuzzy name matching, cheap to update while a run adds entities.

A name's words are indexed; a query word finds entities with the same word or a word within one
edit of it (words of 4+ letters, bucketed by their first two letters and length, so a lookup
looks at a handful of words however large the graph grows; a typo in the first two letters is
not found, the exact and alias lookups before it still are).
"""

from __future__ import annotations

from rapidfuzz.distance import OSA

from kag.store.entity_lookup import tokens

FUZZY_MIN_LEN = 4


class FuzzyIndex:
    """Word -> entity ids, with buckets for one-edit lookups."""

    def __init__(self) -> None:
        self._ids: dict[str, set[str]] = {}
        self._buckets: dict[tuple[str, int], set[str]] = {}

    def add(self, entity_id: str, names: list[str]) -> None:
        """Index the words of an entity's names."""
        for name in names:
            for word in tokens(name):
                self._ids.setdefault(word, set()).add(entity_id)
                if len(word) >= FUZZY_MIN_LEN:
                    self._buckets.setdefault((word[:2], len(word)), set()).add(word)

    def candidates(self, name: str) -> set[str]:
        """Ids of entities sharing a word (or a word one edit away) with ``name``."""
        found: set[str] = set()
        for word in tokens(name):
            found.update(self._ids.get(word, ()))
            if len(word) < FUZZY_MIN_LEN:
                continue
            for size in (len(word) - 1, len(word), len(word) + 1):
                for other in self._buckets.get((word[:2], size), ()):
                    if other != word and OSA.distance(word, other, score_cutoff=1) <= 1:
                        found.update(self._ids[other])
        return found
