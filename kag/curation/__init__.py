"""Expert curation: a review queue whose verdicts last, decisions with an audit trail and undo,
pruning rules with a dry run, and analytics of the approved graph.

``Curator(store)`` is the API notebooks and the REST API use; ``Pruner(store)`` runs the pruning
rules; :func:`~kag.curation.analytics.analyse` reports hubs, isolated entities and clusters.
"""

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

__all__ = [
    "Actor",
    "AssertionEdit",
    "BulkPreview",
    "BulkRequest",
    "BulkResult",
    "BulkTarget",
    "Curator",
    "DecisionPage",
    "DecisionView",
    "HistoryFilter",
    "Impact",
    "PageRequest",
    "QueueFilter",
    "ReviewItem",
    "ReviewPage",
    "SplitRequest",
]
