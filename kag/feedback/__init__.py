"""Learning from feedback: answers update the graph — measurably, safely, reversibly.

``FeedbackService(store)`` applies feedback on answers (Beta belief updates of the cited facts,
an Experience episode, review items for flags and corrections), lets experts decide those items,
undoes a feedback's effects as a unit, recalls earlier questions like a new one and proposes
insights. Every effect is a decision in the curation audit trail (:mod:`kag.curation`).
"""

from kag.feedback.belief import path_belief, posterior_mean
from kag.feedback.models import (
    BeliefChange,
    FeedbackInput,
    FeedbackResult,
    FeedbackReviewItem,
    InsightProposal,
    Precedent,
    ReviewOutcome,
)
from kag.feedback.service import FeedbackService

__all__ = [
    "BeliefChange",
    "FeedbackInput",
    "FeedbackResult",
    "FeedbackReviewItem",
    "FeedbackService",
    "InsightProposal",
    "Precedent",
    "ReviewOutcome",
    "path_belief",
    "posterior_mean",
]
