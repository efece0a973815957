"""Candidate argument spans of a parsed sentence, for the learned relation finder.

Text2KGBench-style relations have subjects and objects that spaCy's NER often misses or cuts
differently: work titles with lower-case words ("The Hundred and One Dalmatians"), quoted song
titles, genre and rank words ("comedy horror", "killed in action"), dates. So besides the NER
entities this module proposes every plausible span from surface cues (title-case runs split at
commas and conjunctions, quotations, the sentence's lead phrase, noun chunks, words the lexicon
knows as values, years and dates) and leaves the choice to the finder's classifiers.

Spans are token ranges of the spaCy ``Doc`` (``start`` inclusive, ``end`` exclusive).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from ingestion.relations.values import squash

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

#: Lower-case words allowed inside a title ("Night of the Living Dead", "Rock and Roll").
CONNECTORS: Final = frozenset(
    [
        "of",
        "the",
        "and",
        "a",
        "an",
        "in",
        "to",
        "for",
        "on",
        "at",
        "from",
        "with",
        "by",
        "de",
        "la",
        "le",
        "les",
        "du",
        "des",
        "da",
        "di",
        "del",
        "von",
        "van",
        "der",
        "den",
        "y",
        "e",
        "et",
        "und",
        "or",
        "vs",
        "vs.",
        "&",
        "as",
        "is",
        "it",
        "not",
        "n't",
        "'d",
        "'ll",
        "'re",
        "'m",
        "'ve",
        "but",
        "into",
        "over",
        "under",
        "upon",
        "out",
        "up",
        "off",
        "all",
        "no",
        "my",
        "your",
        "me",
        "you",
        "we",
    ]
)
#: Punctuation allowed inside a title ("Ice Age: Continental Drift", "Jigoku-Hen", "Angels' Share").
INNER_PUNCT: Final = frozenset(
    {":", "-", "'", "!", "?", ".", ",", "&", "\u2013", "'s", "\u2019s", "\u2019"}
)
#: Tokens at which a title run may also be split into shorter candidates.
SPLITS: Final = frozenset(
    {",", ":", "and", "&", "'s", "\u2019s", "of", "\u2013", "-", "in", "from", "by"}
)
QUOTES: Final = frozenset({'"', "\u201c", "\u201d", "``", "''", "\u201e"})
LEADING_DROPS: Final = frozenset({"the", "a", "an"})
MAX_SPAN_TOKENS: Final = 16
MAX_QUOTE_TOKENS: Final = 24
MAX_GAZETTEER_TOKENS: Final = 8
#: Title runs up to this length propose all their sub-spans; longer runs only split points.
MAX_SUBSPAN_TOKENS: Final = 7
_END_PUNCT: Final = frozenset({"!", "?"})
MAX_MODIFIER_TOKENS: Final = 4
_NOT_MODIFIER: Final = frozenset({"DATE", "NORP", "CARDINAL", "ORDINAL", "GPE", "TIME"})


@dataclass(frozen=True, slots=True)
class CandidateSpan:
    """A token range of the sentence that may be a relation argument.

    Attributes:
        start: First token (index into the ``Doc``).
        end: One past the last token.
        text: The covered text as written.
        sources: How it was proposed: ``ner``, ``title``, ``quote``, ``lead``, ``chunk``,
            ``known`` (a value the lexicon knows), ``year``, ``date``, ``short``
            (a person name without its middle names), ``nodet`` (leading article dropped).
        ner: The spaCy entity label the span coincides with, or ``""``.
        value: The name to emit when it differs from ``text`` (a normalised date, a shortened
            name); ``""`` means ``text``.
    """

    start: int
    end: int
    text: str
    sources: frozenset[str]
    ner: str = ""
    value: str = ""

    @property
    def name(self) -> str:
        """The argument's name as emitted."""
        return self.value or self.text


@dataclass
class _Collector:
    sent: SpacySpan
    found: dict[tuple[int, int, str], CandidateSpan] = field(default_factory=dict)

    def add(self, start: int, end: int, source: str, *, ner: str = "", value: str = "") -> None:
        if end <= start or (end - start > MAX_SPAN_TOKENS and source != "quote"):
            return
        doc = self.sent.doc
        span = doc[start:end]
        text = span.text
        # "It", "The", "all of them": no name is made of function words alone
        if not any(ch.isalnum() for ch in text) or all(t.is_stop or t.is_punct for t in span):
            return
        key = (start, end, value)
        old = self.found.get(key)
        if old is None:
            self.found[key] = CandidateSpan(start, end, text, frozenset({source}), ner, value)
        else:
            self.found[key] = CandidateSpan(
                start, end, text, old.sources | {source}, old.ner or ner, value
            )


def _titleish(token: Token) -> bool:
    text = token.text
    return bool(text) and (text[0].isupper() or text[0].isdigit()) and text not in QUOTES


def _connector(token: Token) -> bool:
    # case-sensitive: a capitalised "The" or "A" starts a title, a lower-case one joins it
    return token.text in CONNECTORS or token.text in INNER_PUNCT


def _title_runs(sent: SpacySpan) -> Iterator[tuple[int, int]]:
    """Maximal runs of title-case tokens, allowing connector words and inner punctuation."""
    run_start: int | None = None
    last_title = -1
    for token in sent:
        if _titleish(token):
            if run_start is None:
                run_start = token.i
            last_title = token.i
        elif run_start is not None and _connector(token):
            continue
        else:
            if run_start is not None:
                yield run_start, last_title + 1
            run_start = None
    if run_start is not None:
        yield run_start, last_title + 1


def _split_points(sent: SpacySpan, start: int, end: int) -> tuple[list[int], list[int]]:
    """Where sub-spans of a run may start and end."""
    doc = sent.doc
    starts = [start]
    ends = [end]
    for i in range(start + 1, end):
        if doc[i].lower_ in SPLITS or doc[i].text in SPLITS:
            ends.append(i)
            if i + 1 < end:
                starts.append(i + 1)
    return starts, ends


def _trimmed(doc: Doc, s: int, e: int) -> tuple[int, int]:
    while s < e and _connector(doc[s]):
        s += 1
    while e > s and _connector(doc[e - 1]) and doc[e - 1].text not in _END_PUNCT:
        e -= 1
    return s, e


def _add_runs(col: _Collector) -> None:
    doc = col.sent.doc
    for run_start, run_end in _title_runs(col.sent):
        if run_end < col.sent.end and doc[run_end].text in _END_PUNCT:
            run_end += 1  # "Oliver!"
        starts, ends = _split_points(col.sent, run_start, run_end)
        pairs = {(s, e) for s in starts for e in ends}
        titled = [i for i in range(run_start, run_end) if _titleish(doc[i])]
        pairs |= {(s, e + 1) for s in titled for e in titled if 0 <= e - s < MAX_SUBSPAN_TOKENS}
        for s, e in pairs:
            s, e = _trimmed(doc, s, e)
            if e > s and _titleish(doc[s]):
                col.add(s, e, "title")


def _add_quotes(col: _Collector) -> None:
    open_at: int | None = None
    for token in col.sent:
        if token.text in QUOTES:
            if open_at is None:
                open_at = token.i
            else:
                if token.i - open_at - 1 <= MAX_QUOTE_TOKENS:
                    col.add(open_at + 1, token.i, "quote")
                open_at = None


def _is_boundary(token: Token) -> bool:
    if token.text in {"(", ",", ";", "[", "—"} or token.text in QUOTES:
        return True
    return token.dep_ == "ROOT" or (token.lemma_ == "be" and token.pos_ == "AUX")


def _add_lead(col: _Collector) -> None:
    """The phrase that opens the sentence, up to its first boundary (where titles usually sit)."""
    tokens = list(col.sent)
    i = 0
    while i < len(tokens) and (tokens[i].is_punct or tokens[i].text in QUOTES):
        i += 1
    if i >= len(tokens):
        return
    start = tokens[i].i
    for token in tokens[i + 1 :]:
        if _is_boundary(token):
            col.add(start, token.i, "lead")
            return


def _add_entities(col: _Collector) -> None:
    for ent in col.sent.ents:
        col.add(ent.start, ent.end, "ner", ner=ent.label_)


def _add_chunks(col: _Collector) -> None:
    for chunk in col.sent.noun_chunks:
        start = chunk.start
        while start < chunk.end and chunk.doc[start].pos_ in {"DET", "PRON"}:
            start += 1
        col.add(start, chunk.end, "chunk")
        # the bare head noun ("horse" in "the autobiography of a horse")
        col.add(chunk.end - 1, chunk.end, "chunk")
        _add_modifiers(col, start, chunk.end)


def _add_modifiers(col: _Collector, start: int, end: int) -> None:
    """Genre-like modifier phrases of a noun chunk: "comedy horror" and "comedy horror film" in
    "a 2013 independent comedy horror film" (dates, numbers and nationalities left out)."""
    doc = col.sent.doc
    first = start
    for i in range(start, end - 1):
        token = doc[i]
        if token.pos_ in {"NUM", "DET", "PRON", "PUNCT"} or token.ent_type_ in _NOT_MODIFIER:
            first = i + 1
    for s in range(first, end - 1):
        for e in range(s + 1, end + 1):
            if e - s <= MAX_MODIFIER_TOKENS and not doc[s].is_punct and not doc[e - 1].is_punct:
                col.add(s, e, "modifier")


def _add_known(col: _Collector, known: Mapping[str, str]) -> None:
    if not known:
        return
    squashed = [squash(t.text) for t in col.sent]
    offset = col.sent.start
    for i in range(len(squashed)):
        if not squashed[i]:
            continue
        key = ""
        for n in range(MAX_GAZETTEER_TOKENS):
            if i + n >= len(squashed):
                break
            key += squashed[i + n]
            value = known.get(key) if squashed[i + n] else None
            if value is not None:
                col.add(offset + i, offset + i + n + 1, "known", value=value)


def _drop_articles(col: _Collector) -> None:
    doc = col.sent.doc
    for cand in list(col.found.values()):
        if cand.end - cand.start > 1 and doc[cand.start].lower_ in LEADING_DROPS:
            col.add(cand.start + 1, cand.end, "nodet", ner=cand.ner, value="")


def _add_short_names(col: _Collector) -> None:
    """Person names as page titles write them: ``Hannah Louise Macleod`` -> ``Hannah Macleod``,
    ``Virgil Ivan "Gus" Grissom`` -> ``Gus Grissom``."""
    doc = col.sent.doc
    for cand in list(col.found.values()):
        if cand.ner != "PERSON" and not cand.sources & {"lead", "chunk"}:
            continue
        tokens = list(doc[cand.start : cand.end])
        words = [t for t in tokens if not t.is_punct and t.text not in QUOTES]
        if not 3 <= len(words) <= 5 or not all(_titleish(w) for w in words):
            continue
        value = f"{words[0].text} {words[-1].text}"
        quoted = [t for i, t in enumerate(tokens[1:-1], 1) if tokens[i - 1].text in QUOTES]
        if quoted:
            value = f"{quoted[0].text} {words[-1].text}"
        col.add(cand.start, cand.end, "short", ner=cand.ner, value=value)


def candidate_spans(
    sent: SpacySpan,
    known: Mapping[str, str] | None = None,
    dates: Iterable[tuple[int, int, str, str]] = (),
) -> list[CandidateSpan]:
    """Propose the argument spans of one parsed sentence.

    Args:
        sent: The sentence (a span of a parsed ``Doc``).
        known: Values the lexicon knows, keyed by their squashed surface form
            (:func:`~ingestion.relations.values.squash`), mapped to the value to emit
            (``"middledistancerunner" -> "middle-distance runner"``).
        dates: Date spans already normalised by the caller: ``(start, end, source, value)``.

    Returns:
        Distinct candidates (by token range and emitted value), in sentence order.
    """
    col = _Collector(sent)
    _add_entities(col)
    _add_runs(col)
    _add_quotes(col)
    _add_lead(col)
    _add_chunks(col)
    _add_known(col, known or {})
    _drop_articles(col)
    _add_short_names(col)
    for start, end, source, value in dates:
        col.add(start, end, source, value=value)
    return sorted(col.found.values(), key=lambda c: (c.start, c.end, c.value))
