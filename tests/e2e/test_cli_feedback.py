"""``kag feedback ...`` as an expert runs it, on feedback given through the Python API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph_schema.properties import CitationFlag
from kag.curation.models import Actor
from kag.engine import Engine
from kag.feedback import FeedbackInput, FeedbackService
from kag.samples import gold_write_batches
from kag.settings import EngineSettings, Settings
from kag.store import open_store

pytestmark = pytest.mark.e2e
KAG = [sys.executable, "-m", "kag.cli"]
CHAIN = "Who supplies the sensors of the company that acquired Quillon Systems?"


def kag(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KAG_")} | env
    full_env["COLUMNS"] = "200"
    return subprocess.run(
        [*KAG, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=300
    )


def test_an_expert_decides_feedback_items_and_undoes_feedback(tmp_path: Path) -> None:
    location = f"embedded:{tmp_path / 'g.db'}"
    store = open_store(Settings(store=location, engine=EngineSettings(store_answers=False)))
    try:
        for batch in gold_write_batches(store.schema):
            store.write(batch)
        answer = Engine(store, Settings(store=location)).ask(CHAIN, save=True)
        service = FeedbackService(store)
        flagged = service.submit(
            FeedbackInput(
                answer_id=answer.id,
                verdict="wrong",
                citation_flags=(CitationFlag(citation_id="c1", flag="outdated"),),
                actor=Actor(name="ana", role="analyst"),
            )
        )
        helpful = service.submit(
            FeedbackInput(
                answer_id=answer.id, verdict="helpful", actor=Actor(name="bob", role="analyst")
            )
        )
        fact = flagged.review_items[0].fact_ids[0]
    finally:
        store.close()
    env = {"KAG_STORE": location}

    listed = kag("feedback", "reviews", "--json", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    [item] = json.loads(listed.stdout)
    assert item["kind"] == "outdated"

    as_analyst = kag(
        "feedback",
        "decide",
        item["id"],
        "accept",
        "--actor",
        "ana",
        "--role",
        "analyst",
        env=env,
        cwd=tmp_path,
    )
    assert as_analyst.returncode == 2
    assert "only an expert" in as_analyst.stderr
    bad = kag("feedback", "decide", item["id"], "maybe", "--actor", "eve", env=env, cwd=tmp_path)
    assert bad.returncode == 2
    assert "accept or dismiss" in bad.stderr

    decided = kag(
        "feedback",
        "decide",
        item["id"],
        "accept",
        "--fact",
        fact,
        "--valid-to",
        "2025-06-30",
        "--actor",
        "eve",
        env=env,
        cwd=tmp_path,
    )
    assert decided.returncode == 0, decided.stderr
    assert json.loads(kag("feedback", "reviews", "--json", env=env, cwd=tmp_path).stdout) == []

    undone = kag("feedback", "undo", helpful.feedback_id, "--actor", "eve", env=env, cwd=tmp_path)
    assert undone.returncode == 0, undone.stderr
    episodes = kag("feedback", "experiences", "--json", env=env, cwd=tmp_path)
    assert [e["id"] for e in json.loads(episodes.stdout)] == [flagged.experience_id]

    store = open_store(Settings(store=location))
    try:
        assert store.get_nodes([fact])[0].props["valid_to"] == "2025-06-30"
    finally:
        store.close()
