"""An answer's material: the selection with its citations, numbered c1, c2, ... in order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kag.engine.answer import Citation
from kag.engine.citations import citation, evidence_ids
from kag.engine.selection import Selection
from kag.store import EvidenceSpan, GraphPath


@dataclass
class Material:
    """Selection and citations, aligned: ``path_ids[i]`` cites ``selection.paths[i]`` and
    ``value_ids[i]`` the observations behind ``selection.values[i]``."""

    selection: Selection
    citations: list[Citation]
    path_ids: list[str]
    value_ids: list[list[str]]

    def by_role(self, *roles: str) -> list[Citation]:
        """Path citations with one of these roles, in selection order."""
        return [c for c in self.citations[: len(self.path_ids)] if c.role in roles]


def needed_evidence(selection: Selection) -> list[str]:
    """Assertion ids whose evidence the selection's citations need."""
    paths: list[GraphPath] = [p for p, _ in selection.paths]
    paths += [p for row in selection.values for p in row.paths]
    return evidence_ids(paths)


def build_material(
    selection: Selection, evidence: Mapping[str, Sequence[EvidenceSpan]]
) -> Material:
    """Number the selection's citations and attach their evidence."""
    citations: list[Citation] = []
    path_ids: list[str] = []
    for path, role in selection.paths:
        cid = f"c{len(citations) + 1}"
        citations.append(citation(cid, path, evidence, role))
        path_ids.append(cid)
    value_ids: list[list[str]] = []
    for row in selection.values:
        ids = []
        for path in row.paths:
            cid = f"c{len(citations) + 1}"
            citations.append(citation(cid, path, evidence, "answer"))
            ids.append(cid)
        value_ids.append(ids)
    return Material(selection, citations, path_ids, value_ids)
