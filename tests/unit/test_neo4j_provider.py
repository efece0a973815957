"""Which Neo4j source the provider picks, driven by the environment; nothing is started here."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kag.testing.neo4j_server import (
    Neo4jStartError,
    Neo4jUnavailable,
    choose_neo4j_source,
    provide_neo4j,
)


@pytest.fixture
def no_docker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point the Docker client at a socket that does not exist, so the engine check says no."""
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-docker.sock'}")


@pytest.fixture
def empty_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A PATH with nothing on it: no java, no mvn."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir


def _put_on_path(bin_dir: Path, name: str) -> None:
    """An executable that is only ever looked up on PATH by these tests, never run."""
    tool = bin_dir / name
    tool.write_text("#!/bin/sh\nexit 97\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)


def test_uri_in_env_wins_over_everything(
    monkeypatch: pytest.MonkeyPatch, empty_path: Path, no_docker: None
) -> None:
    monkeypatch.setenv("KAG_NEO4J_URI", "bolt://127.0.0.1:1")
    assert choose_neo4j_source() == "env"


def test_env_uri_is_used_as_is_and_must_answer(
    monkeypatch: pytest.MonkeyPatch, empty_path: Path, no_docker: None
) -> None:
    # Port 1 on loopback refuses at once: the provider must report that URI, not start anything.
    monkeypatch.setenv("KAG_NEO4J_URI", "bolt://127.0.0.1:1")
    with (
        pytest.raises(Neo4jStartError, match=r"bolt://127\.0\.0\.1:1 \(env\) did not answer"),
        provide_neo4j(answer_timeout_s=1.0),
    ):
        pytest.fail("an unreachable KAG_NEO4J_URI must not yield an endpoint")


def test_launcher_is_chosen_when_java_and_mvn_are_on_path(
    monkeypatch: pytest.MonkeyPatch, empty_path: Path, no_docker: None
) -> None:
    monkeypatch.delenv("KAG_NEO4J_URI", raising=False)
    _put_on_path(empty_path, "java")
    _put_on_path(empty_path, "mvn")
    assert choose_neo4j_source() == "launcher"


def test_nothing_available_explains_every_source_tried(
    monkeypatch: pytest.MonkeyPatch, empty_path: Path, no_docker: None
) -> None:
    monkeypatch.delenv("KAG_NEO4J_URI", raising=False)
    with pytest.raises(Neo4jUnavailable) as caught:
        choose_neo4j_source()
    reason = caught.value.reason
    assert "KAG_NEO4J_URI is not set" in reason
    assert "no Docker engine" in reason
    assert "java is not on PATH" in reason
    assert "apt-get install openjdk-17-jdk-headless maven" in reason
