"""Expert curation: a review queue whose verdicts last, decisions with an audit trail and undo,
pruning rules with a dry run, and analytics of the approved graph.

``Curator(store)`` is the API notebooks and the REST API use; ``Pruner(store)`` runs the pruning
rules; :func:`~kag.curation.analytics.analyse` reports hubs, isolated entities and clusters.
"""

from kag.curation.analytics import GraphReport, analyse
from kag.curation.curator import Curator
from kag.curation.models import (
    Actor,
    AssertionEdit,
    BulkPreview,
    BulkRequest,
    BulkResult,
    BulkTarget,
    DecisionPage,
    DecisionView,
    HistoryFilter,
    Impact,
    PageRequest,
    QueueFilter,
    ReviewItem,
    ReviewPage,
    SplitRequest,
)
from kag.curation.pruning import RULES, Pruner, PruneReport, RuleReport
from kag.curation.rules import Proposal

__all__ = [
    "RULES",
    "Actor",
    "AssertionEdit",
    "BulkPreview",
    "BulkRequest",
    "BulkResult",
    "BulkTarget",
    "Curator",
    "DecisionPage",
    "DecisionView",
    "GraphReport",
    "HistoryFilter",
    "Impact",
    "PageRequest",
    "Proposal",
    "PruneReport",
    "Pruner",
    "QueueFilter",
    "ReviewItem",
    "ReviewPage",
    "RuleReport",
    "SplitRequest",
    "analyse",
]
