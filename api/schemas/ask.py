"""Ask bodies: the question in, the engine's answer out."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from kag.engine import Answer
from kag.engine.agent import MAX_QUESTION_CHARS

ANSWER_ID_PATTERN: Final = r"^ans_[0-9a-f]{20}$"


class AskRequest(BaseModel):
    """A question for the engine (this deployment answers with typed query plans)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str = Field(
        min_length=1, max_length=MAX_QUESTION_CHARS, pattern=r"\S", description="the question"
    )
    mode: Literal["plan"] = Field(
        default="plan",
        description="plan: typed query plans; text-to-Cypher is offered only by deployments on "
        "Neo4j with a language model",
    )


class AskWithCypherRequest(BaseModel):
    """A question for the engine (Neo4j with a language model: text-to-Cypher is offered)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str = Field(
        min_length=1, max_length=MAX_QUESTION_CHARS, pattern=r"\S", description="the question"
    )
    mode: Literal["plan", "cypher"] = Field(
        default="plan",
        description="plan: typed query plans; cypher: guarded, read-only text-to-Cypher",
    )


class AnswerPublic(Answer):
    """The answer: text, outcome, confidence, cited paths with per-hop evidence spans, exact
    quantities, the Cypher that ran with its parameters, and the trace of every step."""
