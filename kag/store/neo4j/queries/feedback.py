"""Cypher for feedback on answers (``record_feedback``, ``list_feedback``)."""

from __future__ import annotations

from typing import Final

#: Creates the feedback only when its answer exists (0 rows otherwise); a second feedback with
#: the same id breaks the uniqueness constraint and is refused.
CREATE_FEEDBACK: Final[str] = """
MATCH (a:Answer {id: $answer_id})
CREATE (f:Feedback)
SET f = $feedback
CREATE (f)-[:FEEDBACK_ON {id: $rel_id}]->(a)
RETURN count(f) AS written
"""

LIST_FEEDBACK: Final[str] = """
MATCH (f:Feedback)-[:FEEDBACK_ON]->(:Answer {id: $answer_id})
RETURN properties(f) AS props
ORDER BY f.created_at, f.id
"""

#: Every feedback on any answer (issue 8: the feedback review items are computed from these).
LIST_ALL_FEEDBACK: Final[str] = """
MATCH (f:Feedback)
RETURN properties(f) AS props
ORDER BY f.created_at, f.id
"""
