"""``kag review ...``, ``kag prune`` and ``kag analytics`` as a curator runs them, on the sample
corpus ingested by ``kag ingest`` into the embedded store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kag.samples import corpus_dir

pytestmark = pytest.mark.e2e
KAG = [sys.executable, "-m", "kag.cli"]


def kag(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KAG_")} | env
    full_env["COLUMNS"] = "200"
    return subprocess.run(
        [*KAG, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=300
    )


def kag_json(*args: str, env: dict[str, str], cwd: Path) -> Any:
    done = kag(*args, "--json", env=env, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_review_prune_undo_and_analytics(tmp_path: Path) -> None:
    env = {
        "KAG_STORE": f"embedded:{tmp_path / 'g.db'}",
        "KAG_INGESTION__FIRST_PERSON_ENTITY": "Lumenfold Systems",
    }
    assert kag("ingest", str(corpus_dir()), env=env, cwd=tmp_path).returncode == 0

    page = kag_json("review", "list", "--kind", "assertion", "--limit", "3", env=env, cwd=tmp_path)
    assert len(page["items"]) == 3
    assert page["total"] > 3
    item = page["items"][0]["id"]
    refused = kag("review", "approve", item, env=env, cwd=tmp_path)
    assert refused.returncode == 2
    assert "say who decides" in refused.stderr
    env["KAG_ACTOR"] = "ann@example.com"
    done = kag_json(
        "review", "reject", item, "--reason", "not in the filing", env=env, cwd=tmp_path
    )
    assert [d["action"] for d in done["decisions"]] == ["reject"]
    shown = kag_json("review", "show", item, env=env, cwd=tmp_path)
    assert shown["item"]["status"] == "rejected"
    assert shown["evidence"]
    assert shown["decisions"][0]["reason"] == "not in the filing"

    dry = kag_json("prune", "--dry-run", env=env, cwd=tmp_path)
    orphans = next(r for r in dry["rules"] if r["rule"] == "orphans")["proposals"]
    assert orphans
    again = kag_json("prune", "--dry-run", env=env, cwd=tmp_path)
    assert again == dry, "a dry run changes nothing"
    applied = kag_json("prune", "--apply", "--rule", "orphans", env=env, cwd=tmp_path)
    assert len(applied["decisions"]) == len(orphans)
    assert {d["actor"] for d in applied["decisions"]} == {"rule:orphans"}
    assert {d["role"] for d in applied["decisions"]} == {"rule"}
    history = kag_json("review", "history", "--by", "rule:orphans", env=env, cwd=tmp_path)
    assert history["total"] == len(orphans)
    undone = kag_json("review", "undo", applied["batch_id"], env=env, cwd=tmp_path)
    assert len(undone["decisions"]) == len(orphans)
    assert (
        kag_json("prune", "--dry-run", "--rule", "orphans", env=env, cwd=tmp_path)["rules"][0][
            "proposals"
        ]
        == orphans
    )

    preview = kag_json(
        "review", "bulk", "reject", "--kind", "entity", "--text", "(company)", "--max-confidence",
        "0.5", "--reason", "headings", env=env, cwd=tmp_path,
    )  # fmt: skip
    text = kag(
        "review", "bulk", "reject", "--kind", "entity", "--text", "(company)",
        "--max-confidence", "0.5", "--reason", "headings", env=env, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert f"would decide {len(preview['targets'])} items" in text
    assert "--yes" in text

    report = kag_json("analytics", env=env, cwd=tmp_path)
    assert report["hubs"]
    assert report["entities"] > 0
    bad = kag("prune", "--apply", "--rule", "nonsense", env=env, cwd=tmp_path)
    assert bad.returncode == 2
    assert "unknown pruning rule" in bad.stderr
