"""Cypher of the engine's store operations: statement search and stored answers.

Compiled query plans are not here: they live in the one plan compiler, :mod:`kag.plan.compiler`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from graph_schema import Label, cypher_label

#: Layer nodes whose text has a token starting with one of the ``$lucene`` prefix terms.
FULLTEXT_STATEMENT_CANDIDATES: Final[str] = """
CALL db.index.fulltext.queryNodes('statements', $lucene, {limit: $limit}) YIELD node
WHERE any(label IN labels(node) WHERE label IN $labels)
RETURN node.id AS id, properties(node) AS props
"""


def statements_by_source(labels: Sequence[Label]) -> str:
    """Layer nodes of ``labels`` whose ``source`` is ``$source`` (index seeks, schema v3)."""
    return "\nUNION ALL\n".join(
        f"MATCH (node:{cypher_label(label)} {{source: $source}})\n"
        "RETURN node.id AS id, properties(node) AS props"
        for label in sorted(set(labels))
    )


UPSERT_ANSWER: Final[str] = """
MERGE (a:Answer {id: $answer.id})
SET a = $answer
"""

GET_ANSWER: Final[str] = "MATCH (a:Answer {id: $id}) RETURN properties(a) AS props"


#: ``CITES`` links from ``$answer_id`` to the nodes of ``$rows`` ``{id, target}`` (a layer node
#: or an entity, one index seek per label); returns how many targets were found.
CITE_NODES: Final[str] = """
MATCH (a:Answer {id: $answer_id})
UNWIND $rows AS row
CALL (row) {
  MATCH (t:Entity {id: row.target}) RETURN t
  UNION ALL MATCH (t:Knowledge {id: row.target}) RETURN t
  UNION ALL MATCH (t:Experience {id: row.target}) RETURN t
  UNION ALL MATCH (t:Wisdom {id: row.target}) RETURN t
  UNION ALL MATCH (t:Insight {id: row.target}) RETURN t
  UNION ALL MATCH (t:Situation {id: row.target}) RETURN t
}
MERGE (a)-[r:CITES {id: row.id}]->(t)
RETURN count(r) AS written
"""
