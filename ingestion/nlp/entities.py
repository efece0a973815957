"""Entity mentions of a parsed text, typed onto the ontology's concepts.

Sources, in order of trust: the EntityRuler (names already in the graph, concept examples),
a concept cue heading a name or in apposition/compound with it ("Orvik *Sensors*", "RoutePro, a
routing *platform*"), spaCy's NER label, a noun phrase headed by a phrase-concept cue ("the
warehouse management software *market*"), and finally a run of proper nouns the NER left out
(typed as an organisation, with a low confidence a relation's domain may overrule).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ingestion.models import EntityMention, Span
from ingestion.nlp.typing import (
    CONFIDENCE_CUE_NAME,
    CONFIDENCE_CUE_PHRASE,
    CONFIDENCE_KNOWN,
    CONFIDENCE_NER,
    CONFIDENCE_PROPER,
    EXTRACTOR,
    VALUE_LABELS,
    EntityTyper,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

_LEADING = frozenset({"the", "a", "an", "its", "their", "our", "his", "her", "this", "that"})
_MODIFIER_DEPS = frozenset({"compound", "amod", "nmod", "npadvmod"})
_FIRST_PERSON: Final = frozenset({"we", "us", "our", "ours"})
CONFIDENCE_FIRST_PERSON: Final = 0.9

Found = list[tuple[int, int, EntityMention]]


def _trimmed(span: SpacySpan) -> SpacySpan | None:
    """The span without leading determiners/possessives, trailing possessive or punctuation,
    and anything from a line break on (a name never crosses lines); ``None`` for a heading
    in capitals ("EUROPE MARKET BRIEF"), which names a document, not an entity."""
    start, end = span.start, span.end
    doc = span.doc
    for i in range(start, end):
        if doc[i].is_space or "\n" in doc[i].text:
            end = i
            break
    while start < end and (doc[start].lower_ in _LEADING or doc[start].tag_ in {"DT", "PRP$"}):
        start += 1
    while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_punct):
        end -= 1
    if end - start >= 2 and all(t.is_upper or not t.is_alpha for t in doc[start:end]):
        return None
    return doc[start:end] if end > start else None


def _capitalised(token: Token) -> bool:
    return token.text[:1].isupper() and token.is_alpha and not token.is_stop


def _extended(span: SpacySpan) -> SpacySpan:
    """A name the NER cut short, extended over the capitalised words that continue it
    ("Orvik" of "Orvik Sensors", "Corvane" of "Corvane FleetOS" with "FleetOS" mis-tagged)."""
    doc = span.doc
    end = span.end
    while end < len(doc) and _capitalised(doc[end]) and doc[end].ent_iob_ != "B":
        previous = doc[end - 1]
        modifies = previous.dep_ == "compound" and previous.head.i == end
        mistagged = doc[end].pos_ in {"PUNCT", "X", "SYM", "PROPN"} and previous.whitespace_ != ""
        if not (modifies or mistagged) or "\n" in previous.whitespace_:
            break
        end += 1
    return doc[span.start : end]


def _mention(
    span: SpacySpan, entity_type: str, confidence: float, offset: int, name: str | None = None
) -> EntityMention:
    start = offset + span.start_char
    return EntityMention(
        name=name or span.text,
        type=entity_type,
        span=Span(start=start, end=start + len(span.text), text=span.text),
        extractor=EXTRACTOR,
        confidence=confidence,
    )


def _cue_type(typer: EntityTyper, span: SpacySpan) -> str | None:
    """A named concept from the name's own head ("Orvik Sensors") or a noun in apposition or
    compound with it ("Pellmark Stock, a cloud system"; "managing partner Ines Varga")."""
    root = span.root
    if len(span) > 1 and root.pos_ == "PROPN" and (found := typer.name_type(root)):
        return found
    for child in root.children:
        if child.dep_ == "appos" and (found := typer.name_type(child)):
            return found
        if child.dep_ == "compound" and child.i < span.start and (found := typer.name_type(child)):
            return found
    head = root.head
    if (
        root.dep_ in {"compound", "appos"}
        and head.i >= span.end
        and (found := typer.name_type(head))
    ):
        return found
    return None


def _named(doc: Doc, typer: EntityTyper, offset: int) -> Found:
    """Mentions from the EntityRuler's and the NER's entities."""
    found: Found = []
    for ent in doc.ents:
        if ent.label_ in VALUE_LABELS:
            continue
        known = ent.label_ in typer.concepts
        span = _trimmed(ent if known else _extended(ent))
        if span is None:
            continue
        if known:  # the EntityRuler: a name already in the graph or an example
            entity_type, confidence = ent.label_, CONFIDENCE_KNOWN
        elif (cued := _cue_type(typer, span)) is not None:
            entity_type, confidence = cued, CONFIDENCE_CUE_NAME
        elif ent.label_ in typer.ner_types:
            entity_type, confidence = typer.ner_types[ent.label_], CONFIDENCE_NER
        else:
            continue
        found.append((span.start, span.end, _mention(span, entity_type, confidence, offset)))
    return found


def _phrase_name(span: SpacySpan, concept: str) -> str:
    """A phrase mention's name: without the head when the head is the concept itself ("the
    warehouse robotics market" names the market "warehouse robotics")."""
    root = span.root
    if root.lower_ == concept.lower() and root.i == span.end - 1 and len(span) > 1:
        return span.doc[span.start : span.end - 1].text
    return span.text


def _phrases(doc: Doc, typer: EntityTyper, offset: int, found: Found) -> Found:
    """``found`` plus noun phrases headed by a phrase-concept cue, with no name inside."""
    found = list(found)
    taken = {i for start, end, _ in found for i in range(start, end)}
    for chunk in doc.noun_chunks:
        concept = typer.phrase_type(chunk.root)
        span = _trimmed(chunk) if concept is not None else None
        if concept is None or span is None or span.root.i in taken:
            continue
        if span.root.pos_ == "PROPN" or (
            span.root.text[:1].isupper() and not span.root.is_sent_start
        ):
            continue  # "Sunfield Grocers" is a name, not the segment of grocers
        if not any(t.dep_ in _MODIFIER_DEPS for t in span if t != span.root):
            continue  # a bare "market" or "customers" names nothing in particular
        inner = [f for f in found if span.start <= f[0] and f[1] <= span.end]
        if any(f[2].type in typer.concepts and f[2].type != concept for f in inner):
            continue  # a name inside ("Pellmark's customers"): the name is the mention
        found = [f for f in found if f not in inner]
        name = _phrase_name(span, concept)
        found.append(
            (span.start, span.end, _mention(span, concept, CONFIDENCE_CUE_PHRASE, offset, name))
        )
        taken.update(range(span.start, span.end))
    return found


_NOT_NAMES: Final = frozenset({"VERB", "AUX", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "NUM"})


def _name_word(token: Token) -> bool:
    """A word that may belong to a name the NER missed: a proper noun, or a capitalised word
    the small model mis-tagged ("FleetOS" as punctuation)."""
    if token.pos_ == "PROPN":
        return token.text[:1].isupper()
    return _capitalised(token) and token.pos_ not in _NOT_NAMES


def _proper_nouns(doc: Doc, typer: EntityTyper, offset: int, found: Found) -> Found:
    """``found`` plus runs of name words no other source covered ("Corvane FleetOS"); a run
    that starts a sentence needs two words (a capitalised first word is no name by itself)."""
    taken = {i for start, end, _ in found for i in range(start, end)}
    taken.update(t.i for ent in doc.ents for t in ent)
    extra: Found = []
    i = 0
    while i < len(doc):
        if i in taken or not _name_word(doc[i]):
            i += 1
            continue
        end = i + 1
        while end < len(doc) and end not in taken and _name_word(doc[end]):
            end += 1
        span = doc[i:end]
        heading = len(span) >= 2 and all(t.is_upper for t in span)
        if heading or (doc[i].is_sent_start and len(span) < 2 and doc[i].pos_ != "PROPN"):
            i = end
            continue
        cued = _cue_type(typer, span)
        confidence = CONFIDENCE_CUE_NAME if cued else CONFIDENCE_PROPER
        extra.append((i, end, _mention(span, cued or typer.organisation, confidence, offset)))
        i = end
    return [*found, *extra]


def find_mentions(doc: Doc, typer: EntityTyper, offset: int = 0) -> list[EntityMention]:
    """Entity mentions of a parsed text, sorted by position, without overlaps.

    Args:
        doc: the parsed text (with the EntityRuler's and NER's ``doc.ents``).
        typer: the ontology's typer.
        offset: where ``doc``'s text starts in the normalised document text.
    """
    found = _named(doc, typer, offset)
    found = _phrases(doc, typer, offset, found)
    found = _proper_nouns(doc, typer, offset, found)
    found.sort(key=lambda f: (f[0], -f[1]))
    out: list[EntityMention] = []
    last_end = -1
    for start, end, mention in found:
        if start >= last_end:
            out.append(mention)
            last_end = end
    return out


def first_person_mentions(
    doc: Doc, entity: tuple[str, str], found: Sequence[EntityMention], offset: int
) -> list[EntityMention]:
    """``found`` plus a mention of ``entity`` = ``(name, type)`` for each "we", "us", "our".

    The mention's name is the entity's name; its span is the pronoun, so evidence points at
    the word actually written.
    """
    name, entity_type = entity
    taken = {(m.span.start, m.span.end) for m in found}
    extra = []
    for token in doc:
        if token.lower_ in _FIRST_PERSON and token.pos_ == "PRON":
            start = offset + token.idx
            if (start, start + len(token.text)) in taken:
                continue
            extra.append(
                EntityMention(
                    name=name,
                    type=entity_type,
                    span=Span(start=start, end=start + len(token.text), text=token.text),
                    extractor=EXTRACTOR,
                    confidence=CONFIDENCE_FIRST_PERSON,
                )
            )
    return sorted([*found, *extra], key=lambda m: m.span.start)
