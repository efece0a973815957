"""The wisdom engine: questions answered through typed multi-hop query plans, with cited paths.

``Engine(store, settings).ask(question) -> Answer``; see :mod:`kag.engine.agent`.
"""

from kag.engine.agent import Engine, check_question
from kag.engine.answer import (
    Answer,
    Citation,
    CitedNode,
    CitedRelationship,
    CypherQuery,
    EvidenceRef,
    HopEvidence,
    Quantity,
    TraceRecord,
)

__all__ = [
    "Answer",
    "Citation",
    "CitedNode",
    "CitedRelationship",
    "CypherQuery",
    "Engine",
    "EvidenceRef",
    "HopEvidence",
    "Quantity",
    "TraceRecord",
    "check_question",
]
