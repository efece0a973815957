"""The sample corpus plus injected wrong facts, for the feedback replay experiment.

The wrong facts are stated in one extra document (``notes/injected-rumours.md``, written into a
copy of the corpus in the run's scratch folder) and written as approved, like the gold facts, so
they compete with true facts in answers: a second sensor supplier for Brannock, a second
headquarters for Stratacore, a direct Fernhill investment in Corvane (a shorter, wrong path)
and a second 2024 revenue figure for Pellmark.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from graph_schema import GraphSchema, Layer
from kag.samples import gold_write_batches
from kag.samples import ids as sample_ids
from kag.samples.corpus import corpus_dir, load_facts
from kag.samples.models import GoldFact, GoldFacts, GoldObservation, GoldRelation
from kag.store import WriteBatch

RUMOURS_DOC: Final = "notes/injected-rumours.md"
_TEXT: Final = (
    "# Unverified rumours\n\n"
    "Brannock Industrial Group sources its sensors from Corvane Robotics.\n"
    "Stratacore Cloud is headquartered in Oslo.\n"
    "Fernhill Capital invested in Corvane Robotics directly.\n"
    "Pellmark Software's revenue in 2024 was $52.0 million.\n"
)
INJECTED: Final[tuple[GoldFact, ...]] = (
    GoldRelation(
        key="rel.injected-brannock-supplied-by-corvane",
        subject="Brannock Industrial Group",
        predicate="SUPPLIED_BY",
        object="Corvane Robotics",
        doc=RUMOURS_DOC,
        quote="Brannock Industrial Group sources its sensors from Corvane Robotics.",
    ),
    GoldRelation(
        key="rel.injected-stratacore-hq-oslo",
        subject="Stratacore Cloud",
        predicate="HEADQUARTERED_IN",
        object="Oslo",
        doc=RUMOURS_DOC,
        quote="Stratacore Cloud is headquartered in Oslo.",
    ),
    GoldRelation(
        key="rel.injected-fernhill-invested-in-corvane",
        subject="Fernhill Capital",
        predicate="INVESTED_IN",
        object="Corvane Robotics",
        doc=RUMOURS_DOC,
        quote="Fernhill Capital invested in Corvane Robotics directly.",
    ),
    GoldObservation(
        key="obs.injected-pellmark.revenue.2024",
        subject="Pellmark Software",
        metric="revenue",
        value=52_000_000.0,
        unit="USD",
        period="2024",
        doc=RUMOURS_DOC,
        quote="Pellmark Software's revenue in 2024 was $52.0 million.",
    ),
)


@dataclass(frozen=True)
class InjectedCorpus:
    """Write batches of the corpus with the injected facts, and the ids of facts by key."""

    batches: list[WriteBatch]
    ids_by_key: dict[str, str]
    injected_ids: frozenset[str]
    gold_ids: frozenset[str]


def fact_id(schema: GraphSchema, facts: GoldFacts, fact: GoldFact) -> str:
    """The assertion id the sample batches give a fact (same rules as kag.samples)."""
    if isinstance(fact, GoldRelation):
        symmetric = schema.require_relation_type(fact.predicate).symmetric
        fingerprint, _, _ = sample_ids.relation_fingerprint(
            _entity(facts, fact.subject),
            fact.predicate,
            _entity(facts, fact.object),
            symmetric=symmetric,
        )
        return sample_ids.assertion_id(Layer.KNOWLEDGE, fingerprint)
    if isinstance(fact, GoldObservation):
        fingerprint = sample_ids.observation_fingerprint(
            _entity(facts, fact.subject), fact.metric, fact.period, fact.value, fact.unit
        )
        return sample_ids.assertion_id(Layer.KNOWLEDGE, fingerprint)
    layer = Layer(fact.layer)
    return sample_ids.assertion_id(layer, sample_ids.statement_fingerprint(fact.text))


def _entity(facts: GoldFacts, name: str) -> str:
    entity = facts.entity(name)
    return sample_ids.entity_id(entity.type, entity.name)


def injected_corpus(schema: GraphSchema, scratch: Path) -> InjectedCorpus:
    """Copy the sample documents into ``scratch``, add the rumours document, and build the
    write batches of the gold facts plus the injected ones."""
    docs = scratch / "injected-corpus" / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    shutil.copytree(corpus_dir(), docs)
    (docs / RUMOURS_DOC).write_text(_TEXT, encoding="utf-8")
    gold = load_facts()
    relations = tuple(f for f in INJECTED if isinstance(f, GoldRelation))
    observations = tuple(f for f in INJECTED if isinstance(f, GoldObservation))
    facts = gold.model_copy(
        update={
            "relations": (*gold.relations, *relations),
            "observations": (*gold.observations, *observations),
        }
    )
    ids = {f.key: fact_id(schema, facts, f) for f in facts.facts}
    injected = frozenset(ids[f.key] for f in INJECTED)
    return InjectedCorpus(
        batches=gold_write_batches(schema, facts, docs_dir=docs),
        ids_by_key=ids,
        injected_ids=injected,
        gold_ids=frozenset(ids.values()) - injected,
    )
