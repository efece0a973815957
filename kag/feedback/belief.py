"""Beta(alpha, beta) beliefs of facts: the posterior mean, feedback weights and the per-user cap.

A fact starts at Beta(1, 1) (mean 0.5, nothing known). Feedback adds pseudo-counts: a helpful
answer adds to ``alpha`` of the facts it cited, a wrong one to ``beta``. An expert's verdict
weighs more than an analyst's, and what one user has added to one fact is capped, so no single
user can push a fact's belief arbitrarily far. The posterior mean ``alpha / (alpha + beta)`` is
the one number the engine ranks by.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from kag.curation.models import Role
from kag.settings import FeedbackSettings

#: Property holding, per user, the weight that user's feedback has added to a fact (JSON).
SPENT_KEY = "feedback_spent"
#: Prior pseudo-counts of a fact that carries none.
PRIOR = 1.0


def posterior_mean(props: Mapping[str, Any]) -> float:
    """``alpha / (alpha + beta)`` of a node's or relationship's properties (0.5 without)."""
    alpha = float(props.get("alpha") or PRIOR)
    beta = float(props.get("beta") or PRIOR)
    return alpha / (alpha + beta)


def path_belief(beliefs: Sequence[float]) -> float:
    """The belief in a path: the product of its facts' posterior means (every fact must hold;
    a product, unlike the minimum, still tells apart two paths sharing their weakest fact).
    1.0 for a path of entities only."""
    out = 1.0
    for value in beliefs:
        out *= value
    return out


def role_weight(role: Role | str, settings: FeedbackSettings) -> float:
    """The pseudo-count one verdict of this role adds (experts and admins weigh more)."""
    return settings.expert_weight if role in ("expert", "admin") else settings.analyst_weight


def spent(props: Mapping[str, Any]) -> dict[str, float]:
    """Weight each user has added to a fact so far."""
    raw = props.get(SPENT_KEY)
    if not isinstance(raw, str) or not raw:
        return {}
    loaded = json.loads(raw)
    return {str(k): float(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def capped_weight(
    props: Mapping[str, Any], user: str, weight: float, cap: float
) -> tuple[float, dict[str, float]]:
    """The weight this user may still add to a fact, and the spent map after adding it."""
    used = spent(props)
    allowed = max(0.0, min(weight, cap - used.get(user, 0.0)))
    if allowed > 0:
        used[user] = round(used.get(user, 0.0) + allowed, 9)
    return round(allowed, 9), used


def encode_spent(used: Mapping[str, float]) -> str:
    """The stored form of a spent map (sorted JSON, so both backends store the same text)."""
    return json.dumps(dict(sorted(used.items())), sort_keys=True)
