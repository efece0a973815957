"""Cypher of the engine's store operations: statement search and stored answers.

Compiled query plans are not here: they live in the one plan compiler, :mod:`kag.plan.compiler`.
"""

from __future__ import annotations

from typing import Final

from graph_schema import Label, cypher_label

#: Layer nodes whose text has a token starting with one of the ``$lucene`` prefix terms.
FULLTEXT_STATEMENT_CANDIDATES: Final[str] = """
CALL db.index.fulltext.queryNodes('statements', $lucene, {limit: $limit}) YIELD node
WHERE any(label IN labels(node) WHERE label IN $labels)
RETURN node.id AS id, properties(node) AS props
"""

UPSERT_ANSWER: Final[str] = """
MERGE (a:Answer {id: $answer.id})
SET a = $answer
"""

GET_ANSWER: Final[str] = "MATCH (a:Answer {id: $id}) RETURN properties(a) AS props"


def cite_nodes(label: Label) -> str:
    """``CITES`` links from ``$answer_id`` to the ``label`` nodes of ``$rows`` ``{id, target}``;
    returns how many targets were found."""
    return (
        "MATCH (a:Answer {id: $answer_id})\n"
        "UNWIND $rows AS row\n"
        f"MATCH (t:{cypher_label(label)} {{id: row.target}})\n"
        "MERGE (a)-[r:CITES {id: row.id}]->(t)\n"
        "RETURN count(r) AS written"
    )
