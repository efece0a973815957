"""``kag ingest`` as a user runs it: a folder in, a summary out; idempotent re-runs; skipped
files with reasons; --dry-run with an LLM named; --delete; readable failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kag.samples import corpus_dir, document_paths
from kag.testing.neo4j_server import Neo4jEndpoint
from tests.support.pdf import text_pdf

pytestmark = pytest.mark.e2e
KAG = [sys.executable, "-m", "kag.cli"]


def kag(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KAG_")} | env
    full_env["COLUMNS"] = "200"
    return subprocess.run(
        [*KAG, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=300
    )


def ingest_json(*args: str, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    done = kag("ingest", *args, "--json", env=env, cwd=cwd)
    assert done.returncode in {0, 1}, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    (folder / "notes").mkdir(parents=True)
    (folder / "notes" / "orvik.md").write_text(
        "# Orvik\n\nOrvik Sensors is headquartered in Gdansk. Orvik Sensors is a subsidiary of "
        "Kestrel Holdings.\n",
        encoding="utf-8",
    )
    (folder / "brief.pdf").write_bytes(text_pdf(["Kestrel Holdings is led by Henrik Aaltonen."]))
    (folder / "old.txt").write_bytes("Caf\u00e9 notes".encode("latin-1"))
    (folder / "deck.key").write_bytes(b"zip")
    return folder


def test_ingest_a_folder_then_again_then_delete(docs: Path, tmp_path: Path) -> None:
    env = {"KAG_STORE": f"embedded:{tmp_path / 'g.db'}"}
    shown = kag("ingest", str(docs), env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    for text in (
        "notes/orvik.md",
        "brief.pdf",
        "ingested",
        "not UTF-8",
        "unsupported file type",
        "assertions written",
        "by status",
    ):
        assert text in shown.stdout, text
    again = ingest_json(str(docs), env=env, cwd=tmp_path)
    assert again["counts"] == {"skipped": 2, "unchanged": 2}
    info = json.loads(kag("info", "--json", env=env, cwd=tmp_path).stdout)
    assert info["nodes"]["Document"] == 2
    assert info["relationships"]["HEADQUARTERED_IN"] == 1
    assert info["relationships"]["LED_BY"] == 1
    deleted = ingest_json("--delete", "notes/orvik.md", env=env, cwd=tmp_path)
    assert [d["status"] for d in deleted["documents"]] == ["deleted"]
    assert deleted["documents"][0]["superseded"] >= 2
    missing = kag("ingest", "--delete", "notes/none.md", env=env, cwd=tmp_path)
    assert missing.returncode == 1
    assert "no document with this source" in missing.stdout


def test_glob_filters_and_dry_run_with_an_llm_named(docs: Path, tmp_path: Path) -> None:
    env = {"KAG_STORE": f"embedded:{tmp_path / 'g.db'}"}
    dry = kag(
        "ingest",
        str(docs),
        "--glob",
        "*.md",
        "--dry-run",
        "--llm",
        "openai:gpt-4o-mini",
        env=env,
        cwd=tmp_path,
    )
    assert dry.returncode == 0, dry.stderr
    assert "dry run: 1 document(s) would be ingested" in dry.stdout
    assert "estimate for openai:gpt-4o-mini" in dry.stdout
    assert "calls" in dry.stdout
    assert "cost" in dry.stdout
    info = json.loads(kag("info", "--json", env=env, cwd=tmp_path).stdout)
    assert info["nodes"] == {}  # a dry run writes nothing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--llm", "gpt4"), "--llm='gpt4' is not understood"),
        (("--ontology", "/nonexistent.json"), "--ontology /nonexistent.json: no such file"),
        ((), "give files or folders to ingest"),
        (
            ("--llm", "openai:gpt-4o-mini"),
            "needs the langchain_openai package: pip install 'kag-advisory[openai]'",
        ),
    ],
)
def test_readable_failures(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    env = {"KAG_STORE": f"embedded:{tmp_path / 'g.db'}"}
    (tmp_path / "a.md").write_text("Acme competes with Globex.", encoding="utf-8")
    paths = () if "give files" in message else (str(tmp_path / "a.md"),)
    done = kag("ingest", *paths, *args, env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


@pytest.mark.neo4j
def test_sample_corpus_on_neo4j(neo4j_endpoint: Neo4jEndpoint, tmp_path: Path) -> None:
    from tests.conftest import clear_neo4j

    clear_neo4j(neo4j_endpoint)
    env = {
        "KAG_STORE": neo4j_endpoint.uri,
        "KAG_NEO4J__USER": neo4j_endpoint.user,
        "KAG_NEO4J__PASSWORD": neo4j_endpoint.password,
        "KAG_INGESTION__FIRST_PERSON_ENTITY": "Lumenfold Systems",
    }
    report = ingest_json(str(corpus_dir()), env=env, cwd=tmp_path)
    documents = len(document_paths())
    assert report["counts"] == {"ingested": documents}
    info = json.loads(kag("info", "--json", env=env, cwd=tmp_path).stdout)
    assert info["backend"] == "neo4j"
    assert info["nodes"]["Document"] == documents
    assert info["relationships"]["EVIDENCED_BY"] >= report["by_status"]["proposed"]
