"""The extraction prompt, constrained to the ontology's types. Its version is part of the cache
key: change ``PROMPT_VERSION`` whenever the wording changes."""

from __future__ import annotations

import hashlib
from typing import Final

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from graph_schema import GraphSchema

PROMPT_VERSION: Final = "extract-v1"

_INSTRUCTIONS: Final = """You extract a knowledge graph from one chunk of a document.
Report only what the text itself states. Copy names, statements and quotes verbatim from the
text. Use only the types listed below; leave out anything that does not fit them.

Entity types (concepts): {concepts}

Relation types (NAME: subject type -> object type):
{relations}

Metrics (name: kind): {metrics}
Values are in absolute units (2.5 billion -> 2500000000; 12% -> 12). A cut or fall is negative
for a change metric. Money units are ISO currency codes (USD, EUR); percentages use 'percent';
counts use 'count'. Periods are YYYY, YYYY-Qn, YYYY-Hn or YYYY-MM, or null.

Statement layers:
- Wisdom: principles, rules, lessons ("we should ...", "never ...", imperatives).
- Experience: past episodes with an outcome ("we matched the discount and lost the deal").
- Insight: conclusions drawn from facts or episodes ("this suggests ...").
- Situation: the condition under which a principle or episode applies ("when a competitor
  undercuts us on price" -> "a competitor undercuts us on price").
- Knowledge: other factual sentences about entities (only when no relation or metric fits).
Links between statements (by index in your statements list): Wisdom APPLIES_IN Situation;
Experience IN_SITUATION Situation; Experience SUPPORTS or CONTRADICTS Wisdom; Insight
DERIVED_FROM an Experience or Knowledge statement."""


def ontology_digest(schema: GraphSchema) -> str:
    """A short digest of the ontology, so a changed ontology does not reuse cached answers."""
    text = schema.ontology.model_dump_json()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def prompt_version(schema: GraphSchema) -> str:
    """The prompt's version for the cache key: wording version and ontology digest."""
    return f"{PROMPT_VERSION}:{ontology_digest(schema)}"


def system_prompt(schema: GraphSchema) -> str:
    """The instructions with the ontology's concepts, relation types and metrics."""
    ontology = schema.ontology
    relations = "\n".join(
        f"- {name}: {' | '.join(r.domains) or 'any'} -> {' | '.join(r.ranges) or 'any'}"
        for name, r in sorted(schema.relation_types.items())
    )
    return _INSTRUCTIONS.format(
        concepts=", ".join(c.label for c in ontology.concepts),
        relations=relations,
        metrics=", ".join(f"{m.name}: {m.kind}" for m in ontology.metrics) or "(none)",
    )


def messages(schema: GraphSchema, title: str, chunk_text: str) -> list[BaseMessage]:
    """The messages for one chunk."""
    return [
        SystemMessage(content=system_prompt(schema)),
        HumanMessage(content=f"Document: {title}\n\nText:\n{chunk_text}"),
    ]
