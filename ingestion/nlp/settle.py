"""Settling entity types across a document ("one sense per discourse").

Within a document a name keeps one type: the type of its most trusted mention; a name found
once is found everywhere it recurs (the NER often misses a name it found elsewhere); a name
sharing its first word with a company but ending differently is that company's product
("Lumenfold Flow" beside "Lumenfold Systems"); and a name only the NER typed takes the type the
document's relations need it to have, when they agree.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from graph_schema import normalise_name
from ingestion.models import (
    ChunkExtraction,
    EntityMention,
    ObservationCandidate,
    RelationCandidate,
    Span,
    StatementCandidate,
)
from ingestion.nlp.typing import CONFIDENCE_CUE_NAME, CONFIDENCE_NER, EntityTyper, is_guessed

if TYPE_CHECKING:
    from spacy.tokens import Doc

CONFIDENCE_PROPAGATED: Final = 0.75
CONFIDENCE_SETTLED: Final = 0.82
_PRODUCT: Final = "product"


def _key(mention: EntityMention) -> str:
    return normalise_name(mention.name)


def best_types(mentions: Sequence[EntityMention]) -> dict[str, EntityMention]:
    """The most trusted mention of each name."""
    best: dict[str, EntityMention] = {}
    for m in mentions:
        key = _key(m)
        if key not in best or m.confidence > best[key].confidence:
            best[key] = m
    return best


def product_names(best: dict[str, EntityMention], typer: EntityTyper) -> dict[str, str]:
    """Names that are a company's products by their shape ("Lumenfold Flow")."""
    if _PRODUCT not in typer.concepts:
        return {}
    companies = {
        key.split()[0]
        for key, m in best.items()
        if m.type == typer.organisation and m.confidence >= CONFIDENCE_CUE_NAME and " " in key
    }
    out: dict[str, str] = {}
    for key, m in best.items():
        words = key.split()
        if (
            len(words) >= 2
            and words[0] in companies
            and is_guessed(m)
            and words[-1] not in typer.name_cues
        ):
            out[key] = _PRODUCT
    return out


def propagate(
    doc: Doc, offset: int, found: list[EntityMention], names: dict[str, EntityMention]
) -> list[EntityMention]:
    """``found`` plus mentions of ``names`` (multi-word or trusted ones) that recur in ``doc``
    where nothing was found."""
    text = doc.text
    lowered = text.casefold()
    taken = [(m.span.start - offset, m.span.end - offset) for m in found]
    extra: list[EntityMention] = []
    for key, m in names.items():
        if " " not in key and m.confidence < CONFIDENCE_NER:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", lowered):
            start, end = match.span()
            if len(text[start:end]) != end - start or any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            extra.append(
                EntityMention(
                    name=m.name,
                    type=m.type,
                    span=Span(start=offset + start, end=offset + end, text=text[start:end]),
                    extractor=m.extractor,
                    confidence=min(m.confidence, CONFIDENCE_PROPAGATED),
                )
            )
    return sorted([*found, *extra], key=lambda x: x.span.start) if extra else found


def settled(mention: EntityMention, types: dict[str, tuple[str, float]]) -> EntityMention:
    """The mention with its document's settled type."""
    wanted = types.get(_key(mention))
    if wanted is None or (wanted[0] == mention.type and wanted[1] <= mention.confidence):
        return mention
    return mention.model_copy(
        update={"type": wanted[0], "confidence": max(mention.confidence, wanted[1])}
    )


def relation_votes(
    extractions: Sequence[ChunkExtraction], best: dict[str, EntityMention]
) -> dict[str, tuple[str, float]]:
    """Types the document's relations need names to have, for names only the NER typed."""
    votes: dict[str, Counter[str]] = {}
    for extraction in extractions:
        for relation in extraction.relations:
            for m in (relation.subject, relation.object):
                votes.setdefault(_key(m), Counter())[m.type] += 1
    out: dict[str, tuple[str, float]] = {}
    for key, counter in votes.items():
        current = best.get(key)
        (winner, count), *rest = counter.most_common()
        if current is None or winner == current.type or not is_guessed(current):
            continue
        if not rest or count > rest[0][1]:
            out[key] = (winner, CONFIDENCE_SETTLED)
    return out


def retype(extraction: ChunkExtraction, types: dict[str, tuple[str, float]]) -> ChunkExtraction:
    """The extraction with every mention given its settled type."""
    if not types:
        return extraction

    def fix_relation(r: RelationCandidate) -> RelationCandidate:
        return r.model_copy(
            update={"subject": settled(r.subject, types), "object": settled(r.object, types)}
        )

    def fix_observation(o: ObservationCandidate) -> ObservationCandidate:
        return o.model_copy(update={"subject": settled(o.subject, types)})

    def fix_statement(s: StatementCandidate) -> StatementCandidate:
        return s.model_copy(update={"entities": tuple(settled(m, types) for m in s.entities)})

    return extraction.model_copy(
        update={
            "entities": tuple(settled(m, types) for m in extraction.entities),
            "relations": tuple(fix_relation(r) for r in extraction.relations),
            "observations": tuple(fix_observation(o) for o in extraction.observations),
            "statements": tuple(fix_statement(s) for s in extraction.statements),
        }
    )
