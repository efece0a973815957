"""Beta beliefs: posterior mean, role weights, the per-user cap, and ranking paths by belief."""

from __future__ import annotations

import pytest

from graph_schema import Label, Status
from kag.engine.ranking import belief, ended, old_facts, rank_paths
from kag.feedback.belief import (
    SPENT_KEY,
    capped_weight,
    encode_spent,
    path_belief,
    posterior_mean,
    role_weight,
    spent,
)
from kag.settings import FeedbackSettings
from kag.store import GraphPath, NodeView, RelView


def test_posterior_mean_defaults_to_the_uniform_prior() -> None:
    assert posterior_mean({}) == 0.5
    assert posterior_mean({"alpha": 3.0, "beta": 1.0}) == 0.75


def test_experts_and_admins_weigh_more_than_analysts() -> None:
    settings = FeedbackSettings(expert_weight=4.0, analyst_weight=1.5)
    assert role_weight("expert", settings) == role_weight("admin", settings) == 4.0
    assert role_weight("analyst", settings) == 1.5


def test_one_users_weight_on_a_fact_is_capped_others_are_not() -> None:
    props: dict[str, object] = {}
    total = 0.0
    for _ in range(5):
        weight, used = capped_weight(props, "ana", 1.0, cap=3.0)
        props[SPENT_KEY] = encode_spent(used)
        total += weight
    assert total == 3.0
    assert spent(props) == {"ana": 3.0}
    weight, used = capped_weight(props, "bob", 2.5, cap=3.0)
    assert weight == 2.5
    assert used == {"ana": 3.0, "bob": 2.5}
    assert capped_weight(props, "ana", 1.0, cap=3.0)[0] == 0.0


def test_path_belief_is_the_product_of_fact_beliefs() -> None:
    assert path_belief([]) == 1.0
    assert path_belief([0.5, 0.8]) == pytest.approx(0.4)


def _node(node_id: str, label: Label, **props: object) -> NodeView:
    return NodeView(id=node_id, label=label, name=node_id, status=Status.APPROVED, props=props)


def _path(end: str, alpha: float, beta: float, valid_to: str | None = None) -> GraphPath:
    rel_props: dict[str, object] = {"alpha": alpha, "beta": beta}
    if valid_to:
        rel_props["valid_to"] = valid_to
    return GraphPath(
        nodes=(_node("ent_a", Label.ENTITY), _node(end, Label.ENTITY)),
        relationships=(
            RelView(
                id=f"kno_{end}",
                type="SUPPLIED_BY",
                source_id="ent_a",
                target_id=end,
                props=rel_props,
            ),
        ),
    )


def test_paths_rank_valid_first_then_by_belief_ties_keep_their_order() -> None:
    weak, strong, tie, old = (
        _path("ent_w", 1, 4),
        _path("ent_s", 4, 1),
        _path("ent_t", 4, 1),
        _path("ent_o", 9, 1, valid_to="2020-12-31"),
    )
    assert belief(strong) == 0.8
    ranked = rank_paths([old, weak, strong, tie], now="2025-01-01")
    assert [p.nodes[-1].id for p in ranked] == ["ent_s", "ent_t", "ent_w", "ent_o"]
    assert ended(old, "2025-01-01") == ["2020-12-31"]
    assert old_facts([old, strong], now="2025-01-01") == [
        "ent_a SUPPLIED_BY ent_o (until 2020-12-31)"
    ]
