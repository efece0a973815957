"""Statement search (situations, principles, episodes, ...) by words, the same on every backend.

A query's *terms* are its word tokens without stop words, cut to a crude stem ("prices" ->
"pric", "cuts" -> "cut"). A statement is a candidate when one of its tokens starts with a term
(Lucene's ``term*``). The Neo4j backend asks its ``statements`` full-text index for exactly these
prefix terms; the embedded backend keeps a token index. Candidates are ranked here, once:
score = share of the query's terms the statement contains (0-100), then the share of the
statement's own tokens that matched (a specific statement before a long one), then id.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from graph_schema import LAYER_LABELS, Label, Status, normalise_name
from kag.store.base import StatementMatch
from kag.store.views import node_view

_TOKEN = re.compile(r"\w+", re.UNICODE)
_SUFFIXES: Final = ("ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly")
MIN_STEM: Final = 3
_STOP_TEXT: Final = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each few for
    from further had has have having he her here hers him his how i if in into is it its itself
    just know let me more most my no nor not now of off on once only or other our ours out over
    own same she should so some such tell than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours happen happened happens"""
STOP_WORDS: Final = frozenset(_STOP_TEXT.split())


def statement_tokens(text: str) -> list[str]:
    """Lower-case word tokens of a text (as a standard full-text analyzer splits it)."""
    return _TOKEN.findall(normalise_name(text))


def stem(token: str) -> str:
    """A crude stem: the token without one common English suffix (kept at 3+ characters, 5+
    for "-ly"), and without the doubled consonant "-ing"/"-ed" leave ("cutting" -> "cut")."""
    for suffix in _SUFFIXES:
        keep = len(token) - len(suffix)
        if token.endswith(suffix) and keep >= (5 if suffix == "ly" else MIN_STEM):
            base = token[:keep]
            if (
                suffix in ("ing", "ed")
                and len(base) > MIN_STEM
                and base[-1] == base[-2]
                and base[-1] not in "aeiouls"
            ):
                base = base[:-1]
            return base
    return token


def statement_terms(text: str) -> list[str]:
    """The search terms of a query text, in order, distinct."""
    terms = []
    for tok in statement_tokens(text):
        if tok in STOP_WORDS or (len(tok) < MIN_STEM and not tok.isdigit()):
            continue
        terms.append(stem(tok))
    return list(dict.fromkeys(terms))


def lucene_prefix_query(terms: Sequence[str]) -> str:
    """The full-text query for ``terms`` (tokens are word characters: nothing to escape)."""
    return " OR ".join(f"{t}*" for t in terms)


class _Tokens:
    """Token -> ids for the statements of one label."""

    def __init__(self) -> None:
        self.ids: dict[str, set[str]] = {}
        self.vocab: list[str] | None = None

    def candidates(self, terms: Iterable[str], found: set[str]) -> None:
        for term in terms:
            found.update(self.matching(term))

    def matching(self, term: str) -> set[str]:
        """Ids of the statements with a token starting with ``term``."""
        if self.vocab is None:
            self.vocab = sorted(self.ids)
        vocab = self.vocab
        ids: set[str] = set()
        i = bisect_left(vocab, term)
        while i < len(vocab) and vocab[i].startswith(term):
            ids.update(self.ids[vocab[i]])
            i += 1
        return ids


class StatementIndex:
    """Token -> statement ids per label, for the embedded backend's candidate generation.

    A statement with a ``source`` property (a feedback episode, say) is also indexed in a table
    of its own, so a search restricted to that source reads only those statements.
    """

    def __init__(self) -> None:
        self._labels: dict[tuple[Label, str | None], _Tokens] = {}

    def _tables(self, label: Label, source: str | None) -> list[tuple[Label, str | None]]:
        return [(label, None)] + ([(label, source)] if source else [])

    def add(self, node_id: str, label: Label, text: str, source: str | None = None) -> None:
        """Index a statement's text (under its source too, when it has one)."""
        tokens = set(statement_tokens(text))
        for key in self._tables(label, source):
            table = self._labels.setdefault(key, _Tokens())
            for tok in tokens:
                ids = table.ids.setdefault(tok, set())
                if not ids:
                    table.vocab = None
                ids.add(node_id)

    def remove(self, node_id: str, label: Label, text: str, source: str | None = None) -> None:
        """Forget a statement's tokens (before re-indexing it)."""
        tokens = set(statement_tokens(text))
        for key in self._tables(label, source):
            table = self._labels.get(key)
            if table is None:
                continue
            for tok in tokens:
                ids = table.ids.get(tok)
                if ids is not None:
                    ids.discard(node_id)
                    if not ids:
                        del table.ids[tok]
                        table.vocab = None

    def candidates(
        self, terms: Sequence[str], labels: Iterable[Label], source: str | None = None
    ) -> set[str]:
        """Ids of statements of these labels (and source) with a token starting with any term."""
        found: set[str] = set()
        for label in set(labels):
            table = self._labels.get((label, source))
            if table is not None:
                table.candidates(terms, found)
        return found

    def scoring(
        self,
        terms: Sequence[str],
        labels: Iterable[Label],
        min_score: float,
        source: str | None = None,
    ) -> set[str]:
        """The candidates whose share of matched terms reaches ``min_score`` — the same share
        :func:`rank_statements` computes, so the others need not be read at all."""
        hits: Counter[str] = Counter()
        for label in set(labels):
            table = self._labels.get((label, source))
            if table is not None:
                for term in terms:
                    hits.update(table.matching(term))
        needed = _terms_needed(len(terms), min_score)
        return {i for i, n in hits.items() if n >= needed}


def is_statement(label: Label, props: Mapping[str, Any]) -> bool:
    """Whether a node is indexed for statement search (a layer node with text)."""
    return label in LAYER_LABELS and isinstance(props.get("text"), str)


def statement_source(props: Mapping[str, Any]) -> str | None:
    """The ``source`` a statement was recorded by (``"feedback"`` for episodes), if any."""
    source = props.get("source")
    return source if isinstance(source, str) and source else None


def rank_statements(
    text: str,
    candidates: Iterable[tuple[str, Label, Mapping[str, Any]]],
    *,
    labels: Sequence[Label],
    statuses: Sequence[Status],
    limit: int,
    min_score: float,
) -> list[StatementMatch]:
    """Rank candidate statements ``(id, label, props)`` for a query text (see the module
    docstring); only the ``limit`` best become node views.

    A Neo4j search ranks up to a thousand candidates, so the per-candidate work is string
    operations: a term is in a statement when it follows a space in ``" " + " ".join(tokens)``
    (tokens are word characters, so that is exactly "some token starts with the term").
    """
    terms = statement_terms(text)
    if not terms:
        return []
    needed = _terms_needed(len(terms), min_score)
    spaced = [(term, " " + term) for term in terms]
    wanted = set(labels)
    allowed = {status.value for status in statuses}
    ranked: list[tuple[float, float, str, Label, Mapping[str, Any], tuple[str, ...]]] = []
    seen: set[str] = set()
    for node_id, label, props in candidates:
        if node_id in seen or label not in wanted:
            continue
        seen.add(node_id)
        if props.get("status") not in allowed:
            continue
        tokens = statement_tokens(str(props.get("text", "")))
        joined = " " + " ".join(tokens)
        matched = tuple(term for term, key in spaced if key in joined)
        if not matched or len(matched) < needed:
            continue
        score = _share(len(matched), len(terms))
        hit = sum(1 for tok in tokens if tok.startswith(matched))
        ranked.append((-score, -hit / len(tokens), node_id, label, props, matched))
    ranked.sort(key=lambda item: item[:3])
    return [
        StatementMatch(node=node_view(node_id, label, props), score=-score, matched=matched)
        for score, _, node_id, label, props, matched in ranked[:limit]
    ]


def _share(matched: int, terms: int) -> float:
    """The score of a statement matching ``matched`` of ``terms`` query terms (0-100)."""
    return round(100.0 * matched / terms, 6)


def _terms_needed(terms: int, min_score: float) -> int:
    """The fewest matched terms whose share reaches ``min_score`` (``terms + 1``: none does)."""
    return next((k for k in range(terms + 1) if _share(k, terms) >= min_score), terms + 1)
