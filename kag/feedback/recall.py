"""Earlier questions like a new one: "we asked this before; the answer was judged wrong
because ...".

Episodes recorded from feedback are found by the words of the question (the store's statement
search), then kept when the earlier question itself is close enough: rapidfuzz ``ratio`` of the
two casefolded questions, 0-100. At the default 85 none of the 46 distinct golden questions
recalls another, while rewordings such as "bought" for "acquired" score about 90. Proposed
episodes count: a precedent is shown as history, never used as a fact.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from graph_schema import Label, Status
from kag.feedback.applying import EPISODE_SOURCE as _SOURCE
from kag.feedback.models import Precedent, Verdict
from kag.settings import FeedbackSettings
from kag.store import GraphStore

_CANDIDATES = 25


def precedents(store: GraphStore, question: str, settings: FeedbackSettings) -> list[Precedent]:
    """Episodes of earlier questions close to ``question``, best first (then newest first)."""
    matches = store.search_statements(
        question,
        labels=[Label.EXPERIENCE],
        statuses=[Status.PROPOSED, Status.APPROVED],
        limit=_CANDIDATES,
        min_score=0.0,
        source=_SOURCE,
    )
    found: list[tuple[float, str, Precedent]] = []
    for match in matches:
        props = match.node.props
        if props.get("source") != _SOURCE or not props.get("question"):
            continue
        earlier = str(props["question"])
        score = float(fuzz.ratio(question.casefold(), earlier.casefold()))
        if score < settings.recall_min_score:
            continue
        verdict: Verdict = "helpful" if props.get("verdict") == "helpful" else "wrong"
        found.append(
            (
                score,
                str(props.get("created_at", "")),
                Precedent(
                    experience_id=match.node.id,
                    question=earlier,
                    verdict=verdict,
                    because=props.get("correction"),
                    score=round(score, 2),
                ),
            )
        )
    found.sort(key=lambda t: (-t[0], _desc(t[1]), t[2].experience_id))
    return [p for _, _, p in found]


def _desc(created_at: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in created_at)
