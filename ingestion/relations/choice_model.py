"""A conditional-logit (softmax over choices) fit, for picking a sentence's subject.

Each sentence is one choice among its candidate spans plus a "none of them" option (the subject
is often not written in the sentence). The model scores a candidate by the sum of its feature
weights; "none" has a learned score of its own. It is fitted by L-BFGS on the L2-penalised
negative log-likelihood of choosing any correct candidate (or "none" when no candidate is right).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def fit_choice(
    x: Any, groups: Sequence[int], positive: Sequence[bool], l2: float, max_iter: int = 300
) -> tuple[np.ndarray, float]:
    """Fit the weights of a softmax choice model.

    Args:
        x: A sparse (CSR) matrix, one row per candidate, rows of a group contiguous.
        groups: The group (sentence) number of each row, non-decreasing.
        positive: Whether each row is a correct choice.
        l2: The L2 penalty on the weights (not on the "none" score).
        max_iter: L-BFGS iterations.

    Returns:
        The weight vector and the score of the "none" option.
    """
    from scipy.optimize import minimize

    g = np.asarray(groups, dtype=np.int64)
    y = np.asarray(positive, dtype=bool)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.array([], int)
    owner = np.cumsum(np.r_[False, g[1:] != g[:-1]]) if len(g) else g
    n_groups = len(starts)
    has_pos = np.add.reduceat(y.astype(float), starts) > 0 if n_groups else np.zeros(0, bool)
    xt = x.T.tocsr()

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        s = x @ w
        gmax = np.maximum(np.maximum.reduceat(s, starts), b)
        e = np.exp(s - gmax[owner])
        en = np.exp(b - gmax)
        z = np.add.reduceat(e, starts) + en
        zpos = np.add.reduceat(e * y, starts) + np.where(has_pos, 0.0, en)
        loss = float(np.sum(np.log(z) - np.log(zpos))) + 0.5 * l2 * float(w @ w)
        p = e / z[owner]
        q = e * y / zpos[owner]
        grad_w = xt @ (p - q) + l2 * w
        grad_b = float(np.sum(en / z - np.where(has_pos, 0.0, en / zpos)))
        return loss, np.r_[grad_w, grad_b]

    theta0 = np.zeros(x.shape[1] + 1)
    result = minimize(objective, theta0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    return result.x[:-1], float(result.x[-1])
