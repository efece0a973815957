"""Wording for answers: numbers with units, and relationships as sentences.

Numbers are formatted from the executor's values as they are (no rounding beyond what a reader
expects: up to three decimals, large amounts in millions or billions).
"""

from __future__ import annotations

from typing import Final

from graph_schema import GraphSchema
from kag.engine.answer import Citation, CitedRelationship

CURRENCY_SYMBOLS: Final = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3", "JPY": "\u00a5"}
_NOUN_RELATIONS: Final = frozenset({"subsidiary", "customer", "partner", "supplier", "unit"})
_STATE_RELATIONS: Final = frozenset({"headquartered", "based", "located", "part"})


def _plain(value: float) -> str:
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _scaled(value: float) -> str:
    size = abs(value)
    for threshold, word in ((1e9, "billion"), (1e6, "million")):
        if size >= threshold:
            return f"{_plain(value / threshold)} {word}"
    return _plain(value)


def amount(value: float, unit: str, *, signed: bool = False) -> str:
    """A value with its unit: ``$58.9 million``, ``14%``, ``1,030``, ``3.5 EUR million``."""
    sign = "+" if signed and value > 0 else ""
    if unit in CURRENCY_SYMBOLS:
        body = _scaled(abs(value))
        minus = "-" if value < 0 else sign
        return f"{minus}{CURRENCY_SYMBOLS[unit]}{body}"
    if unit == "percent":
        return f"{sign}{_plain(value)}%"
    if unit in ("count", ""):
        return f"{sign}{_plain(value)}"
    return f"{sign}{_scaled(value)} {unit}"


def change(value: float, unit: str) -> str:
    """A change between two values: percentage points for percentages."""
    if unit == "percent":
        return f"{'+' if value > 0 else ''}{_plain(value)} percentage points"
    return amount(value, unit, signed=True)


def relation_phrase(schema: GraphSchema, rel_type: str) -> str:
    """How a relationship type reads between subject and object ("is a subsidiary of")."""
    rel = schema.relation_types.get(rel_type)
    label = rel.label if rel else rel_type.lower().replace("_", " ")
    words = label.split()
    if words[0] in _NOUN_RELATIONS:
        return f"is a {label}"
    passive = len(words) > 1 and words[1] == "by"
    if passive or words[0] in _STATE_RELATIONS:
        return f"is {label}"
    return label


_STRUCTURAL: Final = {
    "ABOUT": "is about",
    "APPLIES_IN": "applies in",
    "IN_SITUATION": "happened in",
    "SUPPORTS": "supports",
    "CONTRADICTS": "contradicts",
    "DERIVED_FROM": "is derived from",
}


def hop_sentence(schema: GraphSchema, citation: Citation, index: int) -> str:
    """One hop of a cited path as a sentence fragment, in the stored direction."""
    rel: CitedRelationship = citation.relationships[index]
    names = {n.id: n.name for n in citation.nodes}
    if rel.type in _STRUCTURAL:
        return f"{names[rel.source_id]} {_STRUCTURAL[rel.type]} {names[rel.target_id]}"
    return f"{names[rel.source_id]} {relation_phrase(schema, rel.type)} {names[rel.target_id]}"


def path_sentence(schema: GraphSchema, citation: Citation) -> str:
    """A whole cited path as one sentence: hops joined by commas and "and"."""
    parts = [hop_sentence(schema, citation, i) for i in range(len(citation.relationships))]
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0] if parts else citation.nodes[0].name


def join_names(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
