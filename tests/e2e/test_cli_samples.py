"""``kag samples``: find the sample corpus, list its golden questions, seed a store with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kag.samples import document_paths, load_facts, load_golden_questions

pytestmark = pytest.mark.e2e
KAG = [sys.executable, "-m", "kag.cli"]


def kag(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KAG_")} | env
    return subprocess.run(
        [*KAG, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120
    )


def test_seed_writes_the_gold_graph_once(tmp_path: Path) -> None:
    env = {"KAG_STORE": f"embedded:{tmp_path / 'g.db'}"}
    seeded = kag("samples", "seed", env=env, cwd=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert f"gold graph of {len(document_paths())} sample documents" in seeded.stdout
    first = json.loads(kag("info", "--json", env=env, cwd=tmp_path).stdout)
    assert first["nodes"]["Document"] == len(document_paths())
    assert first["nodes"]["Entity"] == len(load_facts().entities)
    assert kag("samples", "seed", env=env, cwd=tmp_path).returncode == 0
    assert json.loads(kag("info", "--json", env=env, cwd=tmp_path).stdout) == first


def test_questions_and_path(tmp_path: Path) -> None:
    listed = kag("samples", "questions", "--shape", "chain", "--json", env={}, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    chains = [q for q in load_golden_questions() if q.shape == "chain"]
    assert [q["id"] for q in json.loads(listed.stdout)] == [q.id for q in chains]
    path = kag("samples", "path", env={}, cwd=tmp_path)
    assert (Path(path.stdout.strip()) / "profiles" / "pellmark-software.md").is_file()


def test_seed_refuses_an_ontology_without_the_sample_relations(tmp_path: Path) -> None:
    ontology = tmp_path / "tiny.json"
    ontology.write_text(
        json.dumps(
            {
                "id": "tiny",
                "concepts": [{"qid": "company", "label": "company"}],
                "relations": [
                    {"pid": "p", "label": "knows", "domain": "company", "range": "company"}
                ],
            }
        ),
        encoding="utf-8",
    )
    env = {"KAG_STORE": f"embedded:{tmp_path / 'g.db'}", "KAG_ONTOLOGY": str(ontology)}
    done = kag("samples", "seed", env=env, cwd=tmp_path)
    assert done.returncode == 2
    message = " ".join(done.stderr.split())  # rich wraps long lines
    assert "not a concept of ontology 'tiny'" in message
    assert "needs the shipped competitive_intelligence ontology" in message
    assert "Traceback" not in done.stderr
