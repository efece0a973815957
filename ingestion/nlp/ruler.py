"""The EntityRuler: names already in the graph (and the ontology's concept examples) are
recognised as they are, labelled with their concept, before the statistical NER runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from spacy.language import Language

RULER_NAME: Final = "kag_entity_ruler"
_PRONOUNS: Final = frozenset({"we", "us", "our", "ours", "it", "its", "they", "them", "i", "me"})


def ruler_patterns(entities: Iterable[tuple[str, str, Sequence[str]]]) -> list[dict[str, Any]]:
    """Phrase patterns for ``(type, name, aliases)``; short or pronoun-like names are left out
    (they would match everywhere)."""
    patterns: dict[tuple[str, str], dict[str, Any]] = {}
    for entity_type, name, aliases in entities:
        for text in (name, *aliases):
            text = text.strip()
            usable = len(text) >= 2 and text.lower() not in _PRONOUNS
            if usable and (entity_type, text) not in patterns:
                patterns[(entity_type, text)] = {"label": entity_type, "pattern": text}
    return list(patterns.values())


def example_patterns(examples: dict[str, str]) -> list[tuple[str, str, Sequence[str]]]:
    """``(type, name, variants)`` for the ontology's concept examples (as written, lower-case)."""
    return [(concept, name, [name.lower()]) for name, concept in examples.items()]


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
        with nlp.select_pipes(enable=[]):  # the tokenizer is all phrase patterns need
            ruler.add_patterns(patterns)
    return ruler
