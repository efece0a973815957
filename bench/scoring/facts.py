"""Recall of a corpus' gold facts (``facts.json``) in a graph built by ingestion.

Relations and observations are matched by the id scheme both sides share (the gold fact's
fingerprint gives the assertion id ingestion must have written); statements by layer and text
(normalised token overlap, since a sentence may be cut differently); links by their endpoints'
matched statements. The graph is read from an embedded store's SQLite file.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from graph_schema import GraphSchema, Label, Layer, normalise_name, rel_id, stable_id
from kag.samples import ids
from kag.samples.models import GoldFacts, GoldStatement

_WORD = re.compile(r"\w+")


@dataclass
class FactRecall:
    """Found/total per kind, and the gold keys that were missed."""

    found: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    missed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: (kind, status) -> [assertions written, of which gold facts], for relations and observations
    written: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def precision(self, kind: str, status: str | None = None) -> float | None:
        """Share of the written relations/observations (of a status) that are gold facts."""
        rows = [v for (k, st), v in self.written.items() if k == kind and status in {None, st}]
        written = sum(r[0] for r in rows)
        return sum(r[1] for r in rows) / written if written else None

    def recall(self, kind: str) -> float:
        """Share of the gold facts of a kind that the graph holds."""
        return self.found.get(kind, 0) / self.total[kind] if self.total.get(kind) else 0.0

    @property
    def overall(self) -> float:
        """Share of all gold facts found."""
        total = sum(self.total.values())
        return sum(self.found.values()) / total if total else 0.0


def _words(text: str) -> set[str]:
    return set(_WORD.findall(normalise_name(text)))


def _graph(db: Path) -> tuple[dict[str, tuple[str, dict[str, object]]], set[str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        nodes = {
            i: (label, orjson.loads(props))
            for i, label, props in conn.execute("SELECT id, label, props FROM nodes")
        }
        rels = {row[0] for row in conn.execute("SELECT id FROM rels")}
    return nodes, rels


def _statement_match(
    gold: GoldStatement, by_layer: dict[str, list[tuple[str, set[str]]]]
) -> str | None:
    want = _words(gold.text)
    best: tuple[float, str] | None = None
    for node_id, words in by_layer.get(gold.layer, []):
        if not words:
            continue
        overlap = len(want & words) / max(len(want), len(words))
        if overlap >= 0.8 and (best is None or overlap > best[0]):
            best = (overlap, node_id)
    return best[1] if best else None


def fact_recall(db: Path, facts: GoldFacts, schema: GraphSchema) -> FactRecall:
    """Recall of ``facts`` in the embedded store at ``db``."""
    nodes, rels = _graph(db)
    entity_types = {e.name: e.type for e in facts.entities}
    out = FactRecall()

    def check(kind: str, key: str, node_id: str | None) -> None:
        out.total[kind] = out.total.get(kind, 0) + 1
        if node_id is not None and node_id in nodes:
            out.found[kind] = out.found.get(kind, 0) + 1
        else:
            out.missed[kind].append(key)

    gold_ids: set[str] = set()
    matched: dict[str, str] = {}  # gold key -> the graph's assertion id
    for rel in facts.relations:
        s = ids.entity_id(entity_types[rel.subject], rel.subject)
        o = ids.entity_id(entity_types[rel.object], rel.object)
        symmetric = schema.relation_types[rel.predicate].symmetric
        fp, _, _ = ids.relation_fingerprint(s, rel.predicate, o, symmetric=symmetric)
        gold_ids.add(stable_id(Label.KNOWLEDGE, fp))
        matched[rel.key] = stable_id(Label.KNOWLEDGE, fp)
        check("relations", rel.key, stable_id(Label.KNOWLEDGE, fp))
    for obs in facts.observations:
        s = ids.entity_id(entity_types[obs.subject], obs.subject)
        fp = ids.observation_fingerprint(s, obs.metric, obs.period, obs.value, obs.unit)
        gold_ids.add(stable_id(Label.KNOWLEDGE, fp))
        matched[obs.key] = stable_id(Label.KNOWLEDGE, fp)
        check("observations", obs.key, stable_id(Label.KNOWLEDGE, fp))
    _count_written(out, nodes, gold_ids)
    by_layer: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    for node_id, (label, props) in nodes.items():
        if label in {layer.value for layer in Layer} and props.get("kind") == "statement":
            by_layer[label].append((node_id, _words(str(props.get("text", "")))))
    for st in facts.statements:
        found = _statement_match(st, by_layer)
        if found is not None:
            matched[st.key] = found
        check("statements", st.key, found)
    for link in facts.links:
        src, dst = matched.get(link.source), matched.get(link.target)
        link_id = rel_id(link.type, src, dst) if src and dst else None
        out.total["links"] = out.total.get("links", 0) + 1
        if link_id is not None and link_id in rels:
            out.found["links"] = out.found.get("links", 0) + 1
        else:
            out.missed["links"].append(f"{link.source} {link.type} {link.target}")
    return out


def _count_written(
    out: FactRecall, nodes: dict[str, tuple[str, dict[str, object]]], gold_ids: set[str]
) -> None:
    for node_id, (label, props) in nodes.items():
        kind = {"relation": "relations", "observation": "observations"}.get(str(props.get("kind")))
        if label == Layer.KNOWLEDGE.value and kind is not None:
            row = out.written.setdefault((kind, str(props.get("status"))), [0, 0])
            row[0] += 1
            row[1] += node_id in gold_ids
