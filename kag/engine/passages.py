"""Hybrid passage search: BM25 over chunk text, spread through the chunk-entity mention graph.

When no reviewed fact answers a question, the engine still points the reader at the passages
most likely to hold the answer — clearly as passages, not as facts. Words alone (BM25) find the
passage that shares the question's words; a multi-hop question's *second* passage often shares
few of them and is instead about an entity the first passage names (the bridge). So the score
of a passage is its BM25 score plus a graph score: entities the question names, and entities
named by the best lexical passages, pass weight to the other passages that mention them,
damped by how common the entity is (an entity mentioned everywhere links nothing).

The index is built from :meth:`kag.store.GraphStore.list_passages` (live chunks and their
``MENTIONS``), the same on both backends, and rebuilt when the store's passages stamp
changes (``GraphStore.passages_stamp``).
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

import snowballstemmer
from spacy.lang.en.stop_words import STOP_WORDS

from kag.store import GraphStore, PassageView

_WORD: Final = re.compile(r"[0-9a-z]+")
_PAGE: Final = 2000
_STEMMER: Final = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def terms(text: str) -> list[str]:
    """Index terms of a text: lower-cased words without English stop words, stemmed."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


@dataclass(frozen=True)
class PassageWeights:
    """How the passage score mixes words and the mention graph.

    The defaults were chosen on MuSiQue dev questions 0-49 (``bench/groups/qa_musique.py``
    reports 50-99 apart); the score was flat around them.

    Attributes:
        k1, b: BM25 parameters.
        graph: weight of the graph score relative to the (max-normalised) BM25 score.
        seeds_from_top: how many of the best lexical passages lend their entities as seeds.
        question_entity: seed weight of an entity the question names.
    """

    k1: float = 1.2
    b: float = 0.75
    graph: float = 1.0
    seeds_from_top: int = 1
    question_entity: float = 1.0


@dataclass(frozen=True)
class PassageHit:
    """A passage found for a question, with its scores and the entities that led to it."""

    passage: PassageView
    score: float
    lexical: float
    graph: float
    via: tuple[str, ...]


@dataclass
class PassageIndex:
    """An in-memory BM25 index over live chunks plus their mentioned entities."""

    passages: list[PassageView]
    postings: dict[str, list[tuple[int, int]]]
    lengths: list[int]
    by_entity: dict[str, list[int]]
    stamp: tuple[object, ...] = ()
    _mean_length: float = field(init=False, default=1.0)

    def __post_init__(self) -> None:
        self._mean_length = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0

    @classmethod
    def build(cls, store: GraphStore, stamp: tuple[object, ...] = ()) -> PassageIndex:
        """Read every live chunk from the store (a page at a time) and index it."""
        passages: list[PassageView] = []
        after: str | None = None
        while True:
            page = store.list_passages(after=after, limit=_PAGE)
            passages += page
            if len(page) < _PAGE:
                break
            after = page[-1].chunk_id
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths: list[int] = []
        by_entity: dict[str, list[int]] = defaultdict(list)
        for i, passage in enumerate(passages):
            words = terms(f"{passage.document_title}\n{passage.text}")
            lengths.append(len(words))
            for term, tf in Counter(words).items():
                postings[term].append((i, tf))
            for entity_id in passage.entity_ids:
                by_entity[entity_id].append(i)
        return cls(passages, dict(postings), lengths, dict(by_entity), stamp)

    def __len__(self) -> int:
        return len(self.passages)

    def lexical(self, question: str, weights: PassageWeights) -> dict[int, float]:
        """BM25 scores (Lucene idf) of the passages sharing a term with the question."""
        n = len(self.passages)
        scores: dict[int, float] = defaultdict(float)
        for term in set(terms(question)):
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for i, tf in posting:
                norm = weights.k1 * (
                    1 - weights.b + weights.b * self.lengths[i] / self._mean_length
                )
                scores[i] += idf * tf * (weights.k1 + 1) / (tf + norm)
        return scores

    def search(
        self,
        question: str,
        question_entities: Sequence[str],
        *,
        limit: int = 5,
        weights: PassageWeights | None = None,
    ) -> list[PassageHit]:
        """The best passages for a question, best first (ties broken by chunk id)."""
        w = weights or PassageWeights()
        lexical = self.lexical(question, w)
        top = max(lexical.values(), default=0.0)
        lex = {i: s / top for i, s in lexical.items()} if top > 0 else {}
        seeds: dict[str, float] = {}
        for entity_id in question_entities:
            seeds[entity_id] = max(seeds.get(entity_id, 0.0), w.question_entity)
        best = sorted(lex, key=lambda i: (-lex[i], self.passages[i].chunk_id))
        for i in best[: w.seeds_from_top]:
            for entity_id in self.passages[i].entity_ids:
                seeds[entity_id] = max(seeds.get(entity_id, 0.0), lex[i])
        graph, via = self._spread(seeds)
        gtop = max(graph.values(), default=0.0)
        scored = {
            i: lex.get(i, 0.0) + (w.graph * graph.get(i, 0.0) / gtop if gtop > 0 else 0.0)
            for i in set(lex) | set(graph)
        }
        ranked = sorted(scored, key=lambda i: (-scored[i], self.passages[i].chunk_id))
        return [
            PassageHit(
                passage=self.passages[i],
                score=round(scored[i], 6),
                lexical=round(lex.get(i, 0.0), 6),
                graph=round(graph.get(i, 0.0) / gtop if gtop > 0 else 0.0, 6),
                via=tuple(sorted(via.get(i, ()))),
            )
            for i in ranked[: max(limit, 0)]
        ]

    def _spread(self, seeds: Mapping[str, float]) -> tuple[dict[int, float], dict[int, set[str]]]:
        """Each seed entity passes its weight, damped by its commonness, to its passages."""
        graph: dict[int, float] = defaultdict(float)
        via: dict[int, set[str]] = defaultdict(set)
        for entity_id, weight in seeds.items():
            mentioned_in = self.by_entity.get(entity_id, [])
            if not mentioned_in or weight <= 0:
                continue
            damp = 1.0 / math.log(2 + len(mentioned_in))
            for i in mentioned_in:
                graph[i] += weight * damp
                via[i].add(entity_id)
        return graph, via


class PassageCache:
    """One passage index per store, shared by the engines of a process (the API builds an
    engine per request), rebuilt when the store's passages stamp changes; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: PassageIndex | None = None

    def get(self, store: GraphStore) -> PassageIndex:
        """The current index of ``store`` (built or rebuilt as needed)."""
        stamp = (store.location, store.passages_stamp())
        with self._lock:
            if self._index is None or self._index.stamp != stamp:
                self._index = PassageIndex.build(store, stamp)
            return self._index


_SENTENCE: Final = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def best_quote(passage: PassageView, question: str, *, max_chars: int = 300) -> tuple[int, str]:
    """The passage sentence sharing most terms with the question: (offset in the document, text).

    Ties go to the earlier sentence; a sentence longer than ``max_chars`` is cut there.
    """
    wanted = set(terms(question))
    best: tuple[int, int, str] = (-1, 0, "")
    for match in _SENTENCE.finditer(passage.text):
        text = match.group().strip()
        if not text:
            continue
        shared = len(wanted & set(terms(text)))
        if shared > best[0]:
            offset = match.start() + (len(match.group()) - len(match.group().lstrip()))
            best = (shared, offset, text)
    _, offset, text = best
    if not text:
        text = passage.text.strip()
        offset = passage.text.find(text) if text else 0
    return passage.start + offset, text[:max_chars]
