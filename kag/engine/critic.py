"""The critic: is what was retrieved enough to answer, and is it trustworthy?

Checks, in order: the answer slot is filled (a path of the asked shape, a value row); the
question's entities are covered by the cited paths; every hop of every cited path has at least
one evidence span; the facts used are confident enough. Proposed (unreviewed) facts can only be
there when the settings allow them; they are flagged, not refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from kag.engine.answer import Citation
from kag.engine.linking import QuestionAnalysis
from kag.engine.planner import Attempt
from kag.engine.selection import Selection


class Verdict(BaseModel):
    """The critic's judgement of one attempt."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sufficient: bool
    reasons: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


def _missing_entities(
    analysis: QuestionAnalysis, attempt: Attempt, citations: Sequence[Citation]
) -> list[str]:
    kind = attempt.queries[0].plan.shape if attempt.queries else None
    if kind not in ("relate", "why"):
        return []
    on_paths = {n.id for c in citations for n in c.nodes}
    wanted = [e for e in analysis.named if e.entity.id in attempt.anchors]
    return [e.entity.name for e in wanted if e.entity.id not in on_paths]


def criticise(
    analysis: QuestionAnalysis,
    attempt: Attempt,
    selection: Selection,
    citations: Sequence[Citation],
    *,
    confident_at: float,
) -> Verdict:
    """Judge an attempt's selection and its citations."""
    reasons: list[str] = []
    flags: list[str] = []
    if not selection.slot_filled:
        reasons.append("no fact answers the question's slot")
    missing = _missing_entities(analysis, attempt, citations)
    if missing:
        reasons.append(f"the cited paths do not reach {', '.join(missing)}")
    unevidenced = [c.id for c in citations if not c.fully_evidenced]
    if unevidenced:
        reasons.append(f"hops without an evidence span in {', '.join(unevidenced)}")
    weak = [c.id for c in citations if c.role == "answer" and c.confidence < confident_at]
    if weak and len(weak) == sum(1 for c in citations if c.role == "answer"):
        reasons.append(f"every answering fact has confidence below {confident_at:g}")
    if any(c.proposed for c in citations):
        flags.append("uses proposed (unreviewed) facts")
    if selection.truncated:
        flags.append("more matches exist than were retrieved")
    if (
        attempt.name == "replan"
        and analysis.shape == "quantitative"
        and analysis.periods
        and selection.values
    ):
        reasons.append(f"no figure for {', '.join(analysis.periods)}; other periods shown")
    return Verdict(sufficient=not reasons, reasons=tuple(reasons), flags=tuple(flags))
