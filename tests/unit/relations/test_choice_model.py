"""The softmax choice model that picks a sentence's subject."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix

from ingestion.relations.choice_model import fit_choice


def test_the_feature_marking_the_right_choice_gets_the_weight_and_none_is_learned() -> None:
    # features: 0 = "at_start" (the right choice when present), 1 = "noise"
    rows, groups, positive = [], [], []
    for g in range(30):
        has_subject = g % 3 != 0
        rows += [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
        groups += [g, g, g]
        positive += [has_subject, False, False]
    x = csr_matrix(np.array(rows))
    weights, none_score = fit_choice(x, groups, positive, l2=0.1)
    assert weights[0] > weights[1] + 1.0
    # a third of the sentences have no subject: "none" must beat the noise candidates
    assert none_score > weights[1]
