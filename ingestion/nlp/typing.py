"""Entity types: spaCy NER labels and concept cues mapped onto the ontology's concepts.

Concepts the statistical NER has a label for (company, person, place, product, ...) are *named*
concepts: their cues type a name they head ("Orvik *Sensors*") or stand in apposition or compound
with ("Marcus Oyelaran, its *founder*"). The other concepts (market, customer segment,
technology) are *phrase* concepts: a noun phrase headed by one of their cues is a mention ("the
warehouse *robotics* market" is not, "mid-market *distributors*" is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from graph_schema import Ontology
from ingestion.models import EntityMention

if TYPE_CHECKING:
    from spacy.tokens import Token

EXTRACTOR: Final = "nlp"

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
    {
        "company", "organization", "product", "place", "group", "facility", "work",
        "technology", "person",
    }
)  # fmt: skip

CONFIDENCE_KNOWN: Final = 0.95
CONFIDENCE_CUE_NAME: Final = 0.85
CONFIDENCE_NER: Final = 0.8
CONFIDENCE_CUE_PHRASE: Final = 0.7
CONFIDENCE_PROPER: Final = 0.6


def types_compatible(a: str, b: str) -> bool:
    """Whether two entity types may denote the same thing (``company`` ~ ``organization``)."""
    return a == b or any(a in group and b in group for group in COMPATIBLE_TYPES)


def type_allowed(entity_type: str, allowed: Sequence[str]) -> bool:
    """Whether an entity of ``entity_type`` fits a domain/range list (empty list: anything)."""
    return not allowed or any(types_compatible(entity_type, a) for a in allowed)


def is_guessed(mention: EntityMention) -> bool:
    """Whether only the statistical NER (or a bare proper noun) typed this mention."""
    return (
        mention.extractor == EXTRACTOR
        and mention.confidence <= CONFIDENCE_NER
        and mention.type in COERCIBLE_TYPES
    )


def coerce_type(mention: EntityMention, allowed: Sequence[str]) -> EntityMention | None:
    """The mention retyped to the first of ``allowed``, when only NER guessed its type.

    The small English model often calls an unfamiliar company a person, product or place; a
    cue and a dependency pattern that need a company are better evidence. Names from the graph
    (EntityRuler) and names typed by a concept cue keep their type.
    """
    if not allowed or not is_guessed(mention) or allowed[0] not in COERCIBLE_TYPES:
        return None
    return mention.model_copy(
        update={"type": allowed[0], "confidence": round(mention.confidence * 0.85, 4)}
    )


@dataclass(frozen=True)
class EntityTyper:
    """Maps NER labels and concept cues onto the ontology's concept labels."""

    concepts: frozenset[str]
    ner_types: dict[str, str]
    name_cues: dict[str, str]
    phrase_cues: dict[str, str]
    examples: dict[str, str]

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
        named = set(ner_types.values())
        name_cues: dict[str, str] = {}
        phrase_cues: dict[str, str] = {}
        for concept in ontology.concepts:
            label = concept.label.strip()
            target = name_cues if label in named else phrase_cues
            for cue in concept.cues:
                target.setdefault(cue.lower(), label)
        examples = {ex: c.label.strip() for c in ontology.concepts for ex in c.examples}
        return cls(concepts, ner_types, name_cues, phrase_cues, examples)

    @property
    def organisation(self) -> str:
        """The concept of organisations (what a bare brand name most likely names)."""
        return self.ner_types.get("ORG", "company")

    @staticmethod
    def _lookup(cues: dict[str, str], token: Token) -> str | None:
        return cues.get(token.lower_) or cues.get(token.lemma_.lower())

    def name_type(self, token: Token) -> str | None:
        """The named concept a head or apposed noun is a cue of ("Sensors", "founder")."""
        found = self._lookup(self.name_cues, token)
        if found is None and token.i > 0:  # two-word cues such as "chief executive"
            pair = f"{token.doc[token.i - 1].lower_} {token.lower_}"
            found = self.name_cues.get(pair)
        return found

    def phrase_type(self, token: Token) -> str | None:
        """The phrase concept a noun phrase's head is a cue of ("market", "distributors")."""
        return self._lookup(self.phrase_cues, token)
