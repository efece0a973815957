"""Classifying sentences into the five layers from linguistic cues, and linking statements.

- **Wisdom**: normative statements: modals ("should", "must"), imperatives ("Compete on
  integration"), "never/always/avoid", "lesson learned", "best practice", "rule of thumb".
- **Experience**: past episodes with an outcome: past tense with a first-person actor ("we
  matched their discounts"), an explicit outcome ("which led to", "as a result") or a condition
  ("When Initech cut prices, Globex matched them").
- **Insight**: analytic conclusions ("suggests", "indicates", "therefore", "consistently").
- **Situation**: the condition of a "when/if/whenever/unless/during" clause of a principle or an
  episode; linked ``(Wisdom)-[:APPLIES_IN]->(Situation)`` or
  ``(Experience)-[:IN_SITUATION]->(Situation)``.
- **Knowledge**: the rest.

Across sentences of a chunk: an Experience that shares content words with a Wisdom statement
``SUPPORTS`` it, or ``CONTRADICTS`` it when it opens with a contrast ("However", "But",
"Contrary to"); an Insight is ``DERIVED_FROM`` the experiences and facts before it that share
content words with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from graph_schema import Layer, RelType

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

_CONDITION_MARKERS: Final = frozenset({"when", "if", "whenever", "unless", "once", "during"})
#: Labels that name a statement's layer ("Situation: a competitor undercuts our price").
_LABELS: Final = {
    "situation": Layer.SITUATION,
    "context": Layer.SITUATION,
    "principle": Layer.WISDOM,
    "lesson": Layer.WISDOM,
    "lessons": Layer.WISDOM,
    "rule": Layer.WISDOM,
    "guideline": Layer.WISDOM,
    "recommendation": Layer.WISDOM,
    "insight": Layer.INSIGHT,
    "conclusion": Layer.INSIGHT,
    "takeaway": Layer.INSIGHT,
    "finding": Layer.INSIGHT,
    "experience": Layer.EXPERIENCE,
}
_CLAUSE_END: Final = frozenset({",", ";", ":", ".", "-", "\u2013", "\u2014"})
_MODALS: Final = frozenset({"should", "must", "ought", "shall"})
_NORMATIVE_PHRASES: Final = re.compile(
    r"\b(lessons? learned|lesson:|best practice|rule of thumb|the key is|it pays to|make sure|"
    r"we recommend|our recommendation|principle)\b",
    re.IGNORECASE,
)
_NORMATIVE_OPENERS: Final = frozenset({"never", "always", "avoid", "don't", "do"})
_OUTCOME_PHRASES: Final = re.compile(
    r"\b(as a result|result(ed|ing)? in|led to|lead to|which (won|lost|cut|raised|doubled|"
    r"halved|led|helped|hurt|cost|saved)|paid off|backfired|in response|won back|responded)\b",
    re.IGNORECASE,
)
_EPISODE_MARKERS: Final = frozenset({"after", "afterwards", "then", "within"})
_FIRST_PERSON: Final = frozenset({"we", "us", "our"})
_INSIGHT_PHRASES: Final = re.compile(
    r"\b(suggests?|suggested|indicates?|indicated|shows? that|showed that|means that|"
    r"this means|implies|implied|therefore|thus|hence|we conclude|conclusion|in other words|"
    r"consistently|tends? to|correlat\w*|the pattern|takeaway|overall,|the evidence|"
    r"in hindsight|the reason)\b",
    re.IGNORECASE,
)
_CONTRAST_OPENERS: Final = re.compile(
    r"^\W*(however|but|yet|contrary to|despite|nevertheless|even so|counter to)\b", re.I
)
_STRONG: Final = 0.85
_CUED: Final = 0.75
_WEAK: Final = 0.65


@dataclass
class SentenceReading:
    """How one sentence reads: its layer and, for a conditional, the condition clause."""

    layer: Layer
    confidence: float
    condition: SpacySpan | None = None
    contrast: bool = False
    content: frozenset[str] = field(default_factory=frozenset)
    text_span: SpacySpan | None = None


def _condition(sentence: SpacySpan) -> tuple[Token, SpacySpan] | None:
    """(marker, clause without the marker) of a leading or trailing condition."""
    for token in sentence:
        if token.lower_ not in _CONDITION_MARKERS:
            continue
        if token.lower_ == "during" and token.dep_ == "prep":
            tokens = [t for t in token.subtree if t != token]
        elif token.dep_ in {"mark", "advmod"} and token.head.dep_ == "advcl":
            tokens = [t for t in token.head.subtree if t != token]
        else:
            continue
        tokens = [t for t in tokens if t.i > token.i]
        while tokens and tokens[-1].text in _CLAUSE_END:
            tokens.pop()
        content = [t for t in tokens if t.is_alpha and not t.is_stop and t.ent_type_ != "DATE"]
        if len(content) >= 2:  # "during the year" names no situation
            return token, sentence.doc[tokens[0].i : tokens[-1].i + 1]
    return None


def _main_root(sentence: SpacySpan) -> Token:
    return sentence.root


def _is_normative(sentence: SpacySpan, main: Sequence[Token]) -> float | None:
    if _NORMATIVE_PHRASES.search(sentence.text):
        return _STRONG
    if any(t.lower_ in _MODALS and t.tag_ == "MD" for t in main):
        return _CUED
    words = [t for t in main if not t.is_punct]
    if words and words[0].lower_ in _NORMATIVE_OPENERS and words[0].lower_ != "do":
        return _CUED
    if words[:2] and [w.lower_ for w in words[:2]] == ["do", "not"]:
        return _CUED
    root = _main_root(sentence)
    imperative = (
        root.tag_ == "VB"
        and not any(c.dep_ in {"nsubj", "nsubjpass", "csubj", "expl", "aux"} for c in root.children)
        and not sentence.text.rstrip().endswith("?")
    )
    return _CUED if imperative else None


def _is_experience(sentence: SpacySpan, main: Sequence[Token], conditional: bool) -> float | None:
    past = [t for t in main if t.tag_ == "VBD" or (t.tag_ == "VBN" and t.head.lemma_ == "have")]
    if not past:
        return None
    if _OUTCOME_PHRASES.search(sentence.text):
        return _CUED
    if any(t.lower_ in _FIRST_PERSON for t in main):
        return _CUED
    if conditional:
        return _WEAK
    # an action and what followed: "X called Y, and Y renewed"; "After the outage, X called Y"
    sequence = any(t.dep_ == "conj" and t.head in past for t in past) or any(
        t.lower_ in _EPISODE_MARKERS and t.dep_ in {"prep", "mark", "advmod"} for t in sentence
    )
    return _WEAK if sequence else None


def content_words(tokens: Sequence[Token]) -> frozenset[str]:
    """Lemmas of nouns, proper nouns, verbs and adjectives (no stop words): what a statement
    is about, for linking statements of a chunk."""
    return frozenset(
        t.lemma_.lower()
        for t in tokens
        if t.pos_ in {"NOUN", "PROPN", "VERB", "ADJ"} and not t.is_stop and len(t.text) > 2
    )


def _labelled(sentence: SpacySpan) -> tuple[Layer, SpacySpan] | None:
    """(layer, text after the label) of a labelled statement ("Principle: ...", "A second
    conclusion follows from the share figures: ...")."""
    tokens = list(sentence)
    for i, token in enumerate(tokens[:10]):
        if token.text != ":":
            continue
        label = " ".join(t.lower_ for t in tokens[:i])
        layer = _LABELS.get(label) or next(
            (_LABELS[t.lower_] for t in tokens[:i] if t.lower_ in _LABELS and t.pos_ == "NOUN"),
            None,
        )
        rest = sentence.doc[token.i + 1 : sentence.end]
        if layer is None or len(rest) < 3:
            return None
        while rest and rest[-1].is_space:
            rest = rest[:-1]
        return layer, rest
    return None


#: Headings whose section gives un-cued sentences a layer ("## Conclusion" -> Insight).
SECTION_LAYERS: Final = {
    "conclusion": Layer.INSIGHT,
    "conclusions": Layer.INSIGHT,
    "insight": Layer.INSIGHT,
    "insights": Layer.INSIGHT,
    "takeaway": Layer.INSIGHT,
    "takeaways": Layer.INSIGHT,
    "analysis": Layer.INSIGHT,
    "implications": Layer.INSIGHT,
    "lesson": Layer.WISDOM,
    "lessons": Layer.WISDOM,
    "lessons learned": Layer.WISDOM,
    "principle": Layer.WISDOM,
    "principles": Layer.WISDOM,
    "recommendation": Layer.WISDOM,
    "recommendations": Layer.WISDOM,
    "guidance": Layer.WISDOM,
    "what to do": Layer.WISDOM,
    "what happened": Layer.EXPERIENCE,
    "what we did": Layer.EXPERIENCE,
    "outcome": Layer.EXPERIENCE,
    "what worked": Layer.EXPERIENCE,
}


def heading_layer(line: str) -> Layer | bool | None:
    """For a heading line, the layer its section gives (``None``: a heading without one);
    ``False`` when the line is no heading (a sentence, a list item)."""
    text = line.strip().rstrip(":").strip()
    words = text.split()
    if not words or len(words) > 6 or text[-1:] in {".", "!", "?", ","}:
        return False
    return SECTION_LAYERS.get(text.lower())


def read_sentence(sentence: SpacySpan) -> SentenceReading:
    """The layer a sentence belongs to, from its label or its cues."""
    labelled = _labelled(sentence)
    if labelled is not None:
        layer, rest = labelled
        return SentenceReading(
            layer, _STRONG, None, False, content_words(list(rest)), text_span=rest
        )
    found = _condition(sentence)
    condition = found[1] if found else None
    skip = {t.i for t in found[1]} | {found[0].i} if found else set()
    main = [t for t in sentence if t.i not in skip]
    content = content_words(list(sentence))
    contrast = bool(_CONTRAST_OPENERS.search(sentence.text))
    if (confidence := _is_normative(sentence, main)) is not None:
        return SentenceReading(Layer.WISDOM, confidence, condition, contrast, content)
    if _INSIGHT_PHRASES.search(sentence.text):
        return SentenceReading(Layer.INSIGHT, _CUED, None, contrast, content)
    if (confidence := _is_experience(sentence, main, condition is not None)) is not None:
        return SentenceReading(Layer.EXPERIENCE, confidence, condition, contrast, content)
    return SentenceReading(Layer.KNOWLEDGE, _WEAK, None, contrast, content)


@dataclass(frozen=True, slots=True)
class StatementLink:
    """A link between two statements by index."""

    source: int
    type: RelType
    target: int


def link_statements(readings: Sequence[tuple[int, SentenceReading]]) -> list[StatementLink]:
    """Links across the statements of one chunk: ``(index, reading)`` in text order."""
    links: list[StatementLink] = []
    wisdom = [(i, r) for i, r in readings if r.layer is Layer.WISDOM]
    for i, reading in readings:
        if reading.layer is Layer.EXPERIENCE:
            for j, principle in wisdom:
                if reading.content & principle.content:
                    kind = RelType.CONTRADICTS if reading.contrast else RelType.SUPPORTS
                    links.append(StatementLink(i, kind, j))
        elif reading.layer is Layer.INSIGHT:
            for j, earlier in readings:
                if j >= i:
                    break
                if earlier.layer in {Layer.EXPERIENCE, Layer.KNOWLEDGE} and (
                    reading.content & earlier.content
                ):
                    links.append(StatementLink(i, RelType.DERIVED_FROM, j))
    return links
