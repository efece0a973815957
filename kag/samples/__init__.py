"""The shipped sample corpus: a fictional market of warehouse software vendors, seen by one of them.

Documents (competitor profiles, market reports, win/loss reviews, playbooks, analyst notes and
situations) live under :func:`corpus_dir`; ``facts.json`` is the gold graph they state
(:func:`load_facts`), ``golden_questions.json`` the questions the wisdom engine must answer
(:func:`load_golden_questions`), and :func:`gold_write_batches` turns the gold facts into store
write batches shaped like ingestion's output (ids as documented in :mod:`kag.samples.ids`).

"We" in the documents is Lumenfold Systems (aliases: Lumenfold, we, us).
"""

from kag.samples.batches import GOLD_EXTRACTOR, GOLD_TIMESTAMP, entity_record, gold_write_batches
from kag.samples.corpus import (
    DEFAULT_CORPUS,
    corpus_dir,
    corpus_root,
    document_paths,
    load_facts,
    load_golden_questions,
)
from kag.samples.models import (
    ExpectedAnswer,
    GoldenQuestion,
    GoldEntity,
    GoldEvidence,
    GoldFact,
    GoldFacts,
    GoldLink,
    GoldObservation,
    GoldRelation,
    GoldStatement,
    QuantitySpec,
)
from kag.samples.text import document_text

__all__ = [
    "DEFAULT_CORPUS",
    "GOLD_EXTRACTOR",
    "GOLD_TIMESTAMP",
    "ExpectedAnswer",
    "GoldEntity",
    "GoldEvidence",
    "GoldFact",
    "GoldFacts",
    "GoldLink",
    "GoldObservation",
    "GoldRelation",
    "GoldStatement",
    "GoldenQuestion",
    "QuantitySpec",
    "corpus_dir",
    "corpus_root",
    "document_paths",
    "document_text",
    "entity_record",
    "gold_write_batches",
    "load_facts",
    "load_golden_questions",
]
