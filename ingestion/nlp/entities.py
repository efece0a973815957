"""Entity mentions from a parsed text: NER and EntityRuler spans and concept-cue noun phrases,
typed onto the ontology's concepts.

Types come, in order of trust, from the EntityRuler (entities already in the graph, labelled with
their type), from an apposition or compound with a concept cue ("RoutePro, a routing platform"),
from spaCy's NER label mapped onto the ontology's concepts, and from a noun phrase whose head is a
concept cue ("the logistics software market").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from graph_schema import Ontology
from ingestion.models import EntityMention, Span

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

EXTRACTOR: Final = "nlp"
RULER_NAME: Final = "kag_entity_ruler"

#: spaCy NER labels -> concept names to look for in the ontology, in order of preference.
NER_CONCEPTS: Final[dict[str, tuple[str, ...]]] = {
    "ORG": ("company", "organization", "organisation", "business", "band", "sports team"),
    "PERSON": ("person", "human", "people"),
    "GPE": ("place", "country", "city", "location", "geographic region"),
    "LOC": ("place", "location", "geographic region", "country"),
    "FAC": ("place", "facility", "building", "location"),
    "PRODUCT": ("product", "technology", "software"),
    "NORP": ("nationality", "ethnic group"),
    "WORK_OF_ART": ("work", "creative work", "film", "book", "song", "album"),
    "EVENT": ("event",),
    "LAW": ("law",),
    "LANGUAGE": ("language",),
}
#: Types given to NER labels the ontology has no concept for: such entities are still useful
#: as what statements are ABOUT, but no ontology relation accepts them.
FALLBACK_TYPES: Final[dict[str, str]] = {
    "NORP": "group",
    "WORK_OF_ART": "work",
    "EVENT": "event",
    "LAW": "law",
    "LANGUAGE": "language",
    "FAC": "facility",
    "PRODUCT": "product",
}
#: NER labels that are values, not entities (quantities and dates are read as observations).
VALUE_LABELS: Final = frozenset(
    {"MONEY", "PERCENT", "CARDINAL", "QUANTITY", "ORDINAL", "DATE", "TIME"}
)
#: Types that are interchangeable when resolving and checking domains/ranges.
COMPATIBLE_TYPES: Final[tuple[frozenset[str], ...]] = (
    frozenset({"company", "organization", "organisation", "business"}),
    frozenset({"place", "location", "country", "city"}),
    frozenset({"person", "human"}),
)
#: Types the statistical NER confuses with each other for unfamiliar proper names.
COERCIBLE_TYPES: Final = frozenset(
    {"company", "organization", "product", "place", "group", "facility", "work", "technology"}
)
_LEADING = frozenset({"the", "a", "an", "its", "their", "our", "his", "her", "this", "that"})
_MODIFIER_DEPS = frozenset({"compound", "amod", "nmod", "npadvmod"})

CONFIDENCE_KNOWN: Final = 0.95
CONFIDENCE_APPOS: Final = 0.85
CONFIDENCE_NER: Final = 0.8
CONFIDENCE_CUE: Final = 0.7


def types_compatible(a: str, b: str) -> bool:
    """Whether two entity types may denote the same thing (``company`` ~ ``organization``)."""
    return a == b or any(a in group and b in group for group in COMPATIBLE_TYPES)


def type_allowed(entity_type: str, allowed: Sequence[str]) -> bool:
    """Whether an entity of ``entity_type`` fits a domain/range list (empty list: anything)."""
    return not allowed or any(types_compatible(entity_type, a) for a in allowed)


def coerce_type(mention: EntityMention, allowed: Sequence[str]) -> EntityMention | None:
    """The mention retyped to the first of ``allowed``, when only NER guessed its type.

    The small English model often calls an unfamiliar company a product, place or group; a cue
    and a dependency pattern that need a company are better evidence. Names from the graph
    (EntityRuler) and from concept cues keep their type.
    """
    if (
        not allowed
        or mention.extractor != EXTRACTOR
        or mention.confidence > CONFIDENCE_NER
        or mention.type not in COERCIBLE_TYPES
        or allowed[0] not in COERCIBLE_TYPES
    ):
        return None
    return mention.model_copy(
        update={"type": allowed[0], "confidence": round(mention.confidence * 0.85, 4)}
    )


@dataclass(frozen=True)
class EntityTyper:
    """Maps NER labels and concept cues onto the ontology's concept labels."""

    concepts: frozenset[str]
    ner_types: dict[str, str]
    cue_types: dict[str, str]

    @classmethod
    def for_ontology(cls, ontology: Ontology) -> EntityTyper:
        """The typer of an ontology."""
        concepts = frozenset(c.label.strip() for c in ontology.concepts)
        lowered = {c.lower(): c for c in concepts}
        ner_types: dict[str, str] = {}
        for label, wanted in NER_CONCEPTS.items():
            found = next((lowered[w] for w in wanted if w in lowered), None)
            if found is None:
                found = FALLBACK_TYPES.get(label)
            if found is not None:
                ner_types[label] = found
        cue_types = {
            cue.lower(): concept.label.strip()
            for concept in ontology.concepts
            for cue in concept.cues
        }
        return cls(concepts=concepts, ner_types=ner_types, cue_types=cue_types)

    def cue_type(self, token: Token) -> str | None:
        """The concept a head noun is a cue of (by lower-cased text or lemma)."""
        return self.cue_types.get(token.lower_) or self.cue_types.get(token.lemma_.lower())


def ruler_patterns(entities: Iterable[tuple[str, str, Sequence[str]]]) -> list[dict[str, Any]]:
    """EntityRuler phrase patterns for ``(type, name, aliases)`` of entities in the graph."""
    patterns: dict[tuple[str, str], dict[str, Any]] = {}
    for entity_type, name, aliases in entities:
        for text in (name, *aliases):
            text = text.strip()
            if len(text) >= 2 and (entity_type, text) not in patterns:
                patterns[(entity_type, text)] = {"label": entity_type, "pattern": text}
    return list(patterns.values())


def add_entity_ruler(nlp: Language, patterns: list[dict[str, Any]]) -> Any:
    """Put an EntityRuler with ``patterns`` before the NER, replacing an earlier one; returns
    the ruler (spaCy's ``EntityRuler``)."""
    if RULER_NAME in nlp.pipe_names:
        nlp.remove_pipe(RULER_NAME)
    ruler: Any = nlp.add_pipe(
        "entity_ruler",
        name=RULER_NAME,
        config={"overwrite_ents": False},
        before="ner" if "ner" in nlp.pipe_names else None,
    )
    if patterns:
        # Only the tokenizer is needed to turn phrase patterns into docs.
        with nlp.select_pipes(enable=[]):
            ruler.add_patterns(patterns)
    return ruler


def _trimmed(span: SpacySpan) -> SpacySpan | None:
    """The span without leading determiners/possessives and trailing possessive or punctuation."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].lower_ in _LEADING or doc[start].tag_ in {"DT", "PRP$"}):
        start += 1
    while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_punct):
        end -= 1
    return doc[start:end] if end > start else None


def _mention(span: SpacySpan, entity_type: str, confidence: float, offset: int) -> EntityMention:
    start = offset + span.start_char
    return EntityMention(
        name=span.text,
        type=entity_type,
        span=Span(start=start, end=start + len(span.text), text=span.text),
        extractor=EXTRACTOR,
        confidence=confidence,
    )


def _cue_retype(typer: EntityTyper, span: SpacySpan) -> str | None:
    """A concept from a cue noun in apposition or compound with the name's root."""
    root = span.root
    for child in root.children:
        if child.dep_ == "appos" and (found := typer.cue_type(child)):
            return found
    head = root.head
    if (
        root.dep_ in {"compound", "appos"}
        and head.i >= span.end
        and (found := typer.cue_type(head))
    ):
        return found
    return None


def _named(doc: Doc, typer: EntityTyper, offset: int) -> list[tuple[int, int, EntityMention]]:
    """Mentions from the EntityRuler's and NER's entities."""
    found: list[tuple[int, int, EntityMention]] = []
    for ent in doc.ents:
        if ent.label_ in VALUE_LABELS:
            continue
        span = _trimmed(ent)
        if span is None:
            continue
        retyped = _cue_retype(typer, span)
        if ent.label_ in typer.concepts:  # the EntityRuler: an entity already in the graph
            entity_type, confidence = ent.label_, CONFIDENCE_KNOWN
        elif retyped is not None:
            entity_type, confidence = retyped, CONFIDENCE_APPOS
        elif ent.label_ in typer.ner_types:
            entity_type, confidence = typer.ner_types[ent.label_], CONFIDENCE_NER
        else:
            continue
        found.append((span.start, span.end, _mention(span, entity_type, confidence, offset)))
    return found


def _cue_phrases(
    doc: Doc, typer: EntityTyper, offset: int, named: list[tuple[int, int, EntityMention]]
) -> list[tuple[int, int, EntityMention]]:
    """``named`` plus noun phrases headed by a concept cue that contain no typed name."""
    found = list(named)
    taken = {i for start, end, _ in named for i in range(start, end)}
    for chunk in doc.noun_chunks:
        cue_type = typer.cue_type(chunk.root)
        span = _trimmed(chunk) if cue_type is not None else None
        if cue_type is None or span is None or span.root.i in taken:
            continue
        if not any(t.dep_ in _MODIFIER_DEPS for t in span if t != span.root):
            continue  # a bare "market" or "customers" names nothing in particular
        inner = [f for f in found if span.start <= f[0] and f[1] <= span.end]
        if any(f[2].type in typer.concepts for f in inner):
            continue  # a named entity inside: the name is the mention, not the phrase
        found = [f for f in found if f not in inner]
        found.append((span.start, span.end, _mention(span, cue_type, CONFIDENCE_CUE, offset)))
        taken.update(range(span.start, span.end))
    return found


def find_mentions(doc: Doc, typer: EntityTyper, offset: int = 0) -> list[EntityMention]:
    """Entity mentions of a parsed text, sorted by position, without overlaps.

    Args:
        doc: the parsed text (with the EntityRuler's and NER's ``doc.ents``).
        typer: the ontology's typer.
        offset: where ``doc``'s text starts in the normalised document text.
    """
    found = _cue_phrases(doc, typer, offset, _named(doc, typer, offset))
    found.sort(key=lambda f: (f[0], -f[1]))
    out: list[EntityMention] = []
    last_end = -1
    for start, end, mention in found:
        if start >= last_end:
            out.append(mention)
            last_end = end
    return out


_FIRST_PERSON: Final = frozenset({"we", "us", "our", "ours"})
CONFIDENCE_FIRST_PERSON: Final = 0.9


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
