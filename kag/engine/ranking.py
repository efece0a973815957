"""Ranking answer paths by belief and validity.

Among paths a question shape treats as equally good (the same length, from the same anchor),
currently valid paths come first, then those whose facts are believed most: the posterior mean
``alpha / (alpha + beta)`` of the Beta belief feedback maintains on every fact and typed
relationship (:mod:`kag.feedback.belief`), the path's belief being the product of its facts'.
The sort is stable, so paths that tie keep the executors' deterministic order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from graph_schema import LAYER_LABELS
from kag.feedback.belief import path_belief, posterior_mean
from kag.store import GraphPath


def today() -> str:
    """Today's date (UTC), ``YYYY-MM-DD``: facts whose ``valid_to`` is earlier are old."""
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _fact_props(path: GraphPath) -> list[dict[str, Any]]:
    props = [n.props for n in path.nodes if n.label in LAYER_LABELS]
    props += [r.props for r in path.relationships if "alpha" in r.props or "beta" in r.props]
    return props


def belief(path: GraphPath) -> float:
    """The belief in a path: the product of its facts' posterior means."""
    return path_belief([posterior_mean(p) for p in _fact_props(path)])


def ended(path: GraphPath, now: str) -> list[str]:
    """``valid_to`` dates before ``now`` of the facts on a path."""
    nodes = [n.props for n in path.nodes if n.label in LAYER_LABELS]
    ends = [p.get("valid_to") for p in [*nodes, *(r.props for r in path.relationships)]]
    return sorted({str(e) for e in ends if e is not None and str(e) < now})


def rank_paths(paths: Sequence[GraphPath], now: str | None = None) -> list[GraphPath]:
    """Currently valid paths first, then by belief (highest first); ties keep their order."""
    when = now or today()
    return sorted(paths, key=lambda p: (bool(ended(p, when)), -belief(p)))


def old_facts(paths: Iterable[GraphPath], now: str | None = None) -> list[str]:
    """Readable notes for the facts on ``paths`` that are no longer valid."""
    when = now or today()
    notes: dict[str, None] = {}
    for path in paths:
        for i, rel in enumerate(path.relationships):
            end = rel.props.get("valid_to")
            if end is not None and str(end) < when:
                notes[f"{path.nodes[i].name} {rel.type} {path.nodes[i + 1].name} (until {end})"] = (
                    None
                )
        for node in path.nodes:
            end = node.props.get("valid_to")
            if node.label in LAYER_LABELS and end is not None and str(end) < when:
                notes[f"{node.name} (until {end})"] = None
    return list(notes)
