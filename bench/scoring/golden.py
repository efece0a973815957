"""Scoring of the golden questions: answer accuracy and citation validity.

An answer is *accurate* when it is answered (not partial, not insufficient), its text mentions
every expected phrase (case-insensitive), and for quantitative questions its quantities hold the
expected headline value, each expected (label, value) pair and the expected order, within the
question's tolerance; for ``relate``/``chain`` questions a cited answer path ends at (chain) or
reaches (relate) the expected target in the expected number of hops.

Its citations are *valid* when every cited relationship exists in the store between the cited
nodes with the cited type, every hop has at least one evidence span, every span's quote is the
text of its chunk at the cited offsets, and every expected document is among the cited ones
(the suite's reading of "cited documents match the expected ones": no expected document missing;
the share of cited documents that are expected is reported as precision).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph_schema import Label, Status
from kag.engine.answer import Answer, Citation
from kag.samples import GoldenQuestion
from kag.store import GraphStore

_ALL = (Status.APPROVED, Status.PROPOSED)


@dataclass
class GoldenOutcome:
    """How one answer scored."""

    id: str
    shape: str
    accurate: bool
    citations_valid: bool
    problems: list[str] = field(default_factory=list)
    document_precision: float = 1.0

    @property
    def passed(self) -> bool:
        """Accurate with valid citations."""
        return self.accurate and self.citations_valid


def _close(a: float, b: float, tolerance: float | None) -> bool:
    return abs(a - b) <= max(tolerance or 0.0, 1e-9 * max(abs(a), abs(b), 1.0))


def _accuracy(q: GoldenQuestion, answer: Answer) -> list[str]:
    problems: list[str] = []
    if answer.outcome != "answered":
        problems.append(f"outcome is {answer.outcome}")
    text = answer.text.lower()
    problems += [
        f"does not mention {m!r}" for m in q.expected.must_mention if m.lower() not in text
    ]
    unit = q.expected.unit
    numbers = [x for x in answer.quantities if unit is None or x.unit == unit]
    if q.expected.value is not None and not any(
        _close(x.value, q.expected.value, q.expected.tolerance) for x in numbers
    ):
        problems.append(f"no quantity equals {q.expected.value} {unit}")
    for label, value in q.expected.values:
        if not any(
            x.label == label and _close(x.value, value, q.expected.tolerance) for x in numbers
        ):
            problems.append(f"no quantity {label} = {value}")
    if q.expected.order:
        ranked = sorted((x for x in numbers if x.rank is not None), key=lambda x: x.rank or 0)
        if [x.label for x in ranked] != list(q.expected.order):
            problems.append(f"order {[x.label for x in ranked]} != {list(q.expected.order)}")
    if q.shape in ("relate", "chain") and q.target is not None:
        problems += _path_problems(q, [c for c in answer.citations if c.role == "answer"])
    return problems


def _path_problems(q: GoldenQuestion, citations: list[Citation]) -> list[str]:
    def fits(c: Citation) -> bool:
        names = [n.name for n in c.nodes]
        reached = names[-1] == q.target if q.shape == "chain" else q.target in names
        return reached and (q.hops is None or len(c.relationships) == q.hops)

    return [] if any(fits(c) for c in citations) else [f"no {q.hops}-hop path to {q.target}"]


def _relationship_exists(store: GraphStore, citation: Citation, index: int) -> bool:
    rel = citation.relationships[index]
    paths = store.paths_between(
        rel.source_id,
        rel.target_id,
        max_hops=1,
        rel_types=[rel.type],
        statuses=_ALL,
        entity_statuses=_ALL,
    )
    return any(p.relationships[0].id == rel.id for p in paths)


def _span_problems(store: GraphStore, citations: Iterable[Citation]) -> list[str]:
    spans = [s for c in citations for h in c.hops for s in h.spans]
    chunks = {n.id: n for n in store.get_nodes(sorted({s.chunk_id for s in spans}))}
    problems = []
    for span in spans:
        chunk = chunks.get(span.chunk_id)
        if chunk is None or chunk.label is not Label.CHUNK:
            problems.append(f"evidence {span.id}: chunk {span.chunk_id} does not exist")
            continue
        start = span.start - int(chunk.props["start"])
        text: Any = chunk.props["text"]
        if text[start : start + span.end - span.start] != span.quote:
            problems.append(f"evidence {span.id}: the quote is not the chunk's text there")
    return problems


def _citation_problems(
    q: GoldenQuestion, answer: Answer, store: GraphStore
) -> tuple[list[str], float]:
    problems: list[str] = []
    if not answer.citations:
        problems.append("no citations")
    for c in answer.citations:
        for i in range(len(c.relationships)):
            if not _relationship_exists(store, c, i):
                problems.append(f"{c.id}: relationship {c.relationships[i].id} does not exist")
        if not c.fully_evidenced:
            problems.append(f"{c.id}: a hop has no evidence span")
    problems += _span_problems(store, answer.citations)
    cited = set(answer.documents)
    missing = [d for d in q.expected_documents if d not in cited]
    if missing:
        problems.append(f"expected documents not cited: {missing}")
    precision = len(cited & set(q.expected_documents)) / len(cited) if cited else 0.0
    return problems, precision


def evaluate(q: GoldenQuestion, answer: Answer, store: GraphStore) -> GoldenOutcome:
    """Score one answer to a golden question against the store it came from."""
    accuracy = _accuracy(q, answer)
    citation_problems, precision = _citation_problems(q, answer, store)
    return GoldenOutcome(
        id=q.id,
        shape=q.shape,
        accurate=not accuracy,
        citations_valid=not citation_problems,
        problems=accuracy + citation_problems,
        document_precision=precision,
    )
