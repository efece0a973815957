"""docker-compose.yml is valid and wires the API to Neo4j (`compose config` needs no engine)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "compose-test-password"


def _compose() -> list[str]:
    """The Compose v2 command: the `docker compose` plugin, else a `docker-compose` binary."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("the docker client is not installed; docker-compose.yml cannot be checked")
    plugin = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, timeout=30, check=False
    )
    if plugin.returncode == 0:
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    if standalone is not None:
        return [standalone]
    pytest.skip(
        "the docker client has no compose plugin ('docker compose' is an unknown command) "
        "and no docker-compose binary is on PATH"
    )


def _config(tmp_path: Path, *args: str, password: str | None) -> subprocess.CompletedProcess[str]:
    # An empty --env-file keeps a developer's own .env out of the result.
    empty_env = tmp_path / "empty.env"
    empty_env.write_text("")
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    if password is not None:
        env["NEO4J_PASSWORD"] = password
    return subprocess.run(
        [*_compose(), "--env-file", str(empty_env), "config", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=env,
        check=False,
    )


def test_compose_config_is_valid(tmp_path: Path) -> None:
    done = _config(tmp_path, "-q", password=PASSWORD)
    assert done.returncode == 0, done.stderr


def test_api_waits_for_a_healthy_neo4j_with_the_same_password(tmp_path: Path) -> None:
    done = _config(tmp_path, "--format", "json", password=PASSWORD)
    assert done.returncode == 0, done.stderr
    services = json.loads(done.stdout)["services"]
    assert services["neo4j"]["environment"]["NEO4J_AUTH"] == f"neo4j/{PASSWORD}"
    api = services["api"]
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert api["environment"]["KAG_STORE"] == "neo4j://neo4j:7687"
    assert api["environment"]["KAG_NEO4J__PASSWORD"] == PASSWORD


def test_api_keeps_keys_and_jobs_on_a_volume(tmp_path: Path) -> None:
    done = _config(tmp_path, "--format", "json", password=PASSWORD)
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    api = config["services"]["api"]
    assert api["environment"]["KAG_API__STATE_DIR"] == "/data/api"
    [mount] = [v for v in api["volumes"] if v["target"] == "/data"]
    assert mount["type"] == "volume"
    assert mount["source"] == "api-state"
    assert "api-state" in config["volumes"]
    assert api["environment"]["KAG_API__CORS_ORIGINS"] == "[]"  # closed unless configured


def test_missing_password_is_refused_with_a_hint(tmp_path: Path) -> None:
    done = _config(tmp_path, "-q", password=None)
    assert done.returncode != 0
    assert "set NEO4J_PASSWORD in .env" in done.stderr
