"""The grouped write statements of the Neo4j backend cover only what the schema allows, and each
takes a single list parameter (see ``kag.store.neo4j.queries.write``)."""

from __future__ import annotations

import re

from graph_schema import GraphSchema, Label
from graph_schema.model import STRUCTURAL_PATTERNS
from kag.store.neo4j.queries import write


def test_grouped_patterns_are_structural_patterns_of_grouped_labels() -> None:
    allowed = {(t.value, src, dst) for src, t, dst in STRUCTURAL_PATTERNS}
    assert set(write.GROUPED_PATTERNS) <= allowed
    assert len(set(write.GROUPED_PATTERNS)) == len(write.GROUPED_PATTERNS)
    assert len(set(write.GROUPED_LABELS)) == len(write.GROUPED_LABELS)
    for _, src, dst in write.GROUPED_PATTERNS:
        assert {src, dst} <= set(write.GROUPED_LABELS)
    assert Label.SCHEMA_META not in write.GROUPED_LABELS


def test_grouped_statements_take_one_list_and_tag_every_block() -> None:
    nodes = write.upsert_nodes_grouped()
    rels = write.upsert_rels_grouped(GraphSchema.load())
    for query, size in ((nodes, len(write.GROUPED_LABELS)), (rels, len(write.GROUPED_PATTERNS))):
        assert set(re.findall(r"\$(\w+)", query)) == {"rows"}
        assert [int(k) for k in re.findall(r"x\.k = (\d+)", query)] == list(range(size))
        assert query.startswith("CYPHER replan=skip\n")
