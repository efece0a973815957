"""Links between statements of different documents: an episode to the situation it happened in
and to the principles it bears on, a catalogued situation to the principles that apply in it.

Statements are compared by their content words (lower-cased, stop words removed, crudely
stemmed); two statements are related when they share at least ``MIN_SHARED`` of them, and each
statement links to its best match only (two principles at most for an episode). These links are
proposals (confidence 0.5) for an expert to keep or drop:

- Experience -[IN_SITUATION]-> the best matching Situation;
- Experience -[SUPPORTS]-> matching Wisdom, or -[CONTRADICTS]-> when the episode reads as a
  contrast ("..., but ...", "however");
- Wisdom -[APPLIES_IN]-> the best matching catalogued Situation, from either side;
- Insight -[DERIVED_FROM]-> matching Experience, -[SUPPORTS]-> the best matching Wisdom.

Within a chunk, the NLP extractor links statements already (conditions, contrasts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from spacy.lang.en.stop_words import STOP_WORDS

from graph_schema import Label, Layer, RelType
from kag.store import NodeView

MIN_SHARED: Final = 2
CONFIDENCE: Final = 0.5
MAX_PRINCIPLES: Final = 2
LAYERS: Final = (Label.WISDOM, Label.SITUATION, Label.EXPERIENCE, Label.INSIGHT)
_WORD = re.compile(r"[a-z][a-z0-9\-]+")
_CONTRAST = re.compile(r"\b(but|however|although|though|despite|yet|nevertheless)\b", re.I)
_STOP: Final = STOP_WORDS | {"one", "two", "three", "new"}


def _stem(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    for suffix, keep in (("ing", 6), ("ed", 5)):
        if word.endswith(suffix) and len(word) > keep:
            word = word[: -len(suffix)]
            break
    return word.rstrip("e") or word


def content_words(text: str) -> frozenset[str]:
    """The words a statement is about, comparable across statements."""
    return frozenset(_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2)


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement the linker knows: id, layer, content words, document, whether it is linked
    to a situation within its own chunk already."""

    id: str
    layer: Layer
    words: frozenset[str]
    document_id: str | None = None
    situated: bool = False


@dataclass(frozen=True, slots=True)
class CrossLink:
    """A proposed link between statements of two documents."""

    source: str
    type: RelType
    target: str
    confidence: float = CONFIDENCE


class StatementLinker:
    """Remembers statements (from the graph, and written in this run) and proposes links."""

    def __init__(self, stored: Iterable[NodeView] = ()) -> None:
        self._known: dict[str, Statement] = {}
        self._pending: dict[str, list[Statement]] = {}
        for node in stored:
            layer = Layer(node.label.value)
            text = str(node.props.get("text", node.name))
            self._known[node.id] = Statement(node.id, layer, content_words(text))

    def known(self, statement_id: str) -> bool:
        """Whether a statement is in the graph (stored before, or written in this run)."""
        return statement_id in self._known

    def _best(
        self, words: frozenset[str], layer: Layer, document_id: str, limit: int = 1
    ) -> list[Statement]:
        # documents still being written count too: a link is written only once both of its
        # ends are (documents finish in order, so an earlier one has by then)
        candidates = [*self._known.values(), *(s for p in self._pending.values() for s in p)]
        scored = [
            (len(words & other.words), other.id, other)
            for other in candidates
            if other.layer is layer and other.document_id != document_id
        ]
        scored = [s for s in scored if s[0] >= MIN_SHARED]
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [s[2] for s in scored[:limit]]

    def propose(
        self, document_id: str, statements: Sequence[tuple[str, Layer, str, bool]]
    ) -> list[CrossLink]:
        """Links from (or to) a document's new statements ``(id, layer, text, situated)``,
        to statements of other documents; the new ones are remembered as pending."""
        links: list[CrossLink] = []
        new = [
            Statement(i, layer, content_words(text), document_id, situated)
            for i, layer, text, situated in statements
        ]
        for st in new:
            if st.layer is Layer.EXPERIENCE:
                for situation in self._best(st.words, Layer.SITUATION, document_id):
                    links.append(CrossLink(st.id, RelType.IN_SITUATION, situation.id))
                kind = (
                    RelType.CONTRADICTS
                    if _CONTRAST.search(_text(statements, st.id))
                    else (RelType.SUPPORTS)
                )
                for principle in self._best(st.words, Layer.WISDOM, document_id, MAX_PRINCIPLES):
                    links.append(CrossLink(st.id, kind, principle.id))
            elif st.layer is Layer.INSIGHT:
                for episode in self._best(st.words, Layer.EXPERIENCE, document_id, MAX_PRINCIPLES):
                    links.append(CrossLink(st.id, RelType.DERIVED_FROM, episode.id))
                for principle in self._best(st.words, Layer.WISDOM, document_id):
                    links.append(CrossLink(st.id, RelType.SUPPORTS, principle.id))
            elif st.layer is Layer.WISDOM:
                for situation in self._best(st.words, Layer.SITUATION, document_id):
                    links.append(CrossLink(st.id, RelType.APPLIES_IN, situation.id))
            elif st.layer is Layer.SITUATION and not st.situated:
                for principle in self._best(st.words, Layer.WISDOM, document_id):
                    links.append(CrossLink(principle.id, RelType.APPLIES_IN, st.id))
        self._pending[document_id] = new
        return links

    def confirm(self, document_id: str, written: set[str]) -> None:
        """A document's write committed: its written statements become linkable."""
        for st in self._pending.pop(document_id, []):
            if st.id in written:
                self._known[st.id] = st

    def discard(self, document_id: str) -> None:
        """A document's write failed: forget its statements."""
        self._pending.pop(document_id, None)


def _text(statements: Sequence[tuple[str, Layer, str, bool]], statement_id: str) -> str:
    return next((text for i, _, text, _ in statements if i == statement_id), "")
