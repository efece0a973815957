"""``kag ask`` and ``kag answer`` as a user runs them, on the gold graph in an embedded store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kag.samples import gold_write_batches
from kag.settings import Settings
from kag.store import open_store

pytestmark = pytest.mark.e2e
QUESTION = "Who supplies the sensors of the company that acquired Quillon Systems?"


def kag(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KAG_")} | env
    full_env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "kag.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("cli") / "gold.db"
    store = open_store(Settings(store=f"embedded:{path}"))
    for batch in gold_write_batches(store.schema):
        store.write(batch)
    store.close()
    return {"KAG_STORE": f"embedded:{path}"}


def test_ask_prints_the_answer_and_cited_chains(env: dict[str, str], tmp_path: Path) -> None:
    done = kag("ask", QUESTION, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Orvik Sensors.")
    assert "answered, confidence 1.00" in out
    assert (
        "[c1] Quillon Systems <-[ACQUIRED]- Brannock Industrial Group -[SUPPLIED_BY]-> "
        "Orvik Sensors" in out
    )
    assert "hop 2: profiles/orvik-sensors.txt v1" in out
    assert "MATCH p =" not in out


def test_explain_shows_plan_cypher_parameters_and_timings(
    env: dict[str, str], tmp_path: Path
) -> None:
    done = kag("ask", QUESTION, "--explain", "--no-save", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"rel_types": ["ACQUIRED"]' in done.stdout
    assert "MATCH p = (n0)" in done.stdout
    assert '"anchors": ["ent_' in done.stdout
    assert "trace" in done.stdout
    assert "evidence spans" in done.stdout


def test_json_answer_can_be_fetched_again_by_id(env: dict[str, str], tmp_path: Path) -> None:
    done = kag(
        "ask", "How much did Brannock pay for Quillon Systems?", "--json", env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["outcome"] == "answered"
    assert answer["quantities"][0]["value"] == 120000000.0
    assert "$120 million" in answer["text"]
    assert answer["cypher"][0]["params"]["metric"] == "acquisition price"
    again = kag("answer", answer["id"], env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert answer["text"].split(" [")[0] in again.stdout


@pytest.mark.parametrize(
    ("args", "env_override", "message"),
    [
        (("ask", "   "), {}, "the question is empty"),
        (("answer", "ans_ffffffffffffffffffff"), {}, "no answer with id"),
        (("ask", "Who leads Pellmark?"), {"KAG_STORE": "bolt://127.0.0.1:9"}, "not reachable"),
        (("ask", "Who leads Pellmark?", "--mode", "cypher"), {}, "needs the Neo4j backend"),
    ],
)
def test_errors_are_one_readable_line(
    env: dict[str, str],
    tmp_path: Path,
    args: tuple[str, ...],
    env_override: dict[str, str],
    message: str,
) -> None:
    done = kag(*args, env=env | env_override, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
