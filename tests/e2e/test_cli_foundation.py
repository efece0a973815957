"""The ``kag`` command line as a user runs it: schema apply, info, and readable failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph_schema import schema_version
from kag.testing.neo4j_server import Neo4jEndpoint

pytestmark = pytest.mark.e2e
KAG = [sys.executable, "-m", "kag.cli"]


def kag(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KAG_")} | env
    return subprocess.run(
        [*KAG, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120
    )


def test_schema_apply_and_info_on_the_embedded_store(tmp_path: Path) -> None:
    env = {"KAG_STORE": f"embedded:{tmp_path / 'g.db'}"}
    first = kag("schema", "apply", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "schema is up to date" in first.stdout or "applied" in first.stdout
    again = kag("schema", "apply", env=env, cwd=tmp_path)
    assert f"schema is up to date (version {schema_version()})" in again.stdout
    info = kag("info", "--json", env=env, cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert data["backend"] == "embedded"
    assert data["schema_version"] == schema_version()
    assert data["nodes"] == {}


@pytest.mark.neo4j
def test_info_on_neo4j(neo4j_endpoint: Neo4jEndpoint, tmp_path: Path) -> None:
    env = {
        "KAG_STORE": neo4j_endpoint.uri,
        "KAG_NEO4J__USER": neo4j_endpoint.user,
        "KAG_NEO4J__PASSWORD": neo4j_endpoint.password,
    }
    assert kag("schema", "apply", env=env, cwd=tmp_path).returncode == 0
    info = kag("info", "--json", env=env, cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["backend"] == "neo4j"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KAG_STORE": "bolt://127.0.0.1:9"}, "Neo4j is not reachable at bolt://127.0.0.1:9"),
        ({"KAG_STORE": "postgres://x"}, "KAG_STORE: KAG_STORE='postgres://x' is not a store"),
        ({"KAG_ONTOLOGY": "/nonexistent/ontology.json"}, "cannot read ontology file"),
    ],
)
def test_failures_are_one_readable_line(tmp_path: Path, env: dict[str, str], message: str) -> None:
    env = {"KAG_STORE": f"embedded:{tmp_path / 'g.db'}", **env}
    done = kag("info", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
