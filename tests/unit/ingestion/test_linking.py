"""Links between statements of different documents."""

from __future__ import annotations

from graph_schema import Label, Layer, RelType
from ingestion.linking import StatementLinker, content_words
from kag.store.views import node_view

SITUATION = "A competitor undercuts our price in a mid-market deal or renewal."
FUNDED = "A heavily funded competitor targets our core segment with repeated price cuts."
PRINCIPLE = "When a competitor undercuts us on price, we should compete on integration depth."


def test_content_words_ignore_stop_words_and_inflection() -> None:
    assert content_words("The competitors undercut prices") == content_words(
        "a competitor undercuts the price"
    )


def test_episode_links_to_its_best_situation_and_principles() -> None:
    stored = [
        node_view("sit_a", Label.SITUATION, {"text": SITUATION, "status": "approved"}),
        node_view("sit_b", Label.SITUATION, {"text": FUNDED, "status": "approved"}),
        node_view("wis_a", Label.WISDOM, {"text": PRINCIPLE, "status": "proposed"}),
    ]
    linker = StatementLinker(stored)
    links = linker.propose(
        "doc_win",
        [
            (
                "exp_1",
                Layer.EXPERIENCE,
                "In the Kelburn deal we kept our price and won on integration depth.",
                False,
            ),
            (
                "exp_2",
                Layer.EXPERIENCE,
                "In the Ardent deal we held our price and led with integration depth, but lost.",
                False,
            ),
        ],
    )
    got = {(link.source, link.type, link.target) for link in links}
    assert ("exp_1", RelType.IN_SITUATION, "sit_a") in got
    assert ("exp_1", RelType.SUPPORTS, "wis_a") in got
    assert ("exp_2", RelType.CONTRADICTS, "wis_a") in got
    assert all(link.confidence == 0.5 for link in links)
    assert not linker.known("exp_1")  # not written yet
    linker.confirm("doc_win", {"exp_1"})
    assert linker.known("exp_1")
    assert not linker.known("exp_2")


def test_catalogued_situation_links_to_the_principle_that_applies() -> None:
    linker = StatementLinker()
    linker.propose("doc_playbook", [("wis_a", Layer.WISDOM, PRINCIPLE, True)])
    links = linker.propose("doc_catalogue", [("sit_a", Layer.SITUATION, SITUATION, False)])
    assert [(k.source, k.type, k.target) for k in links] == [("wis_a", RelType.APPLIES_IN, "sit_a")]
    # a document's own statements are linked within its chunks, not here
    assert linker.propose("doc_same", [("sit_c", Layer.SITUATION, SITUATION, True)]) == []
