"""The Maven-built Neo4j launcher: Bolt works, SIGTERM stops cleanly, data survives, CLI round trip.

These start real JVMs, so they need java and mvn on PATH; without them they skip (fail under CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase, RoutingControl

from kag.testing.neo4j_launcher import repo_root
from kag.testing.neo4j_server import (
    LaunchedNeo4j,
    Neo4jStartError,
    pid_is_running,
    stop_pid,
)

pytestmark = [pytest.mark.neo4j, pytest.mark.slow, pytest.mark.timeout(600)]

CREATE_PROBE = "CREATE (p:LauncherProbe {token: $token}) RETURN p.token AS token"
COUNT_PROBES = "MATCH (p:LauncherProbe {token: $token}) RETURN count(p) AS n"


@pytest.fixture(autouse=True)
def _java_and_maven() -> None:
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        reason = (
            f"{' and '.join(missing)} not on PATH: the Neo4j launcher needs a JDK 17+ and Maven "
            "(apt-get install openjdk-17-jdk-headless maven)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _count_probes(uri: str, token: str) -> int:
    with GraphDatabase.driver(uri, auth=None) as driver:
        records, _, _ = driver.execute_query(
            COUNT_PROBES, token=token, routing_=RoutingControl.READ
        )
    return int(records[0]["n"])


def test_launcher_serves_bolt_stops_on_sigterm_and_keeps_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    token = uuid.uuid4().hex

    with LaunchedNeo4j(data) as server:
        assert server.uri.startswith("bolt://127.0.0.1:")
        assert int(server.uri.rsplit(":", 1)[1]) > 0, "port 0 must be reported as the bound port"
        with GraphDatabase.driver(server.uri, auth=None) as driver:
            records, _, _ = driver.execute_query(CREATE_PROBE, token=token)
        assert records[0]["token"] == token
        assert _count_probes(server.uri, token) == 1
        pid = server.pid

    assert server.returncode == 0, server.output()
    assert server.stopped_cleanly, server.output()
    assert server.output().count("READY ") == 1
    assert not pid_is_running(pid)
    assert (tmp_path / "neo4j.log").is_file(), "the log goes next to the data directory"

    with LaunchedNeo4j(data) as again:
        assert _count_probes(again.uri, token) == 1
    assert again.stopped_cleanly, again.output()


def test_launcher_shuts_down_cleanly_when_its_parent_is_killed(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from kag.testing.neo4j_server import LaunchedNeo4j\n"
        "server = LaunchedNeo4j(Path(sys.argv[1])).start()\n"
        "print(server.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=repo_root(),
    )
    assert parent.stdout is not None
    with parent.stdout:
        pid = int(parent.stdout.readline())
    try:
        parent.kill()  # no chance to call stop(): only the closed stdin pipe tells the JVM
        parent.wait()
        deadline = time.monotonic() + 60
        while pid_is_running(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not pid_is_running(pid), "the JVM outlived its parent"
    finally:
        stop_pid(pid, timeout_s=10)
    log = (tmp_path / "neo4j.log").read_text()
    assert "stdin closed" in log
    assert "STOPPED" in log


def test_port_in_use_fails_with_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = LaunchedNeo4j(tmp_path / "data", port=port, ready_timeout_s=120)
        with pytest.raises(Neo4jStartError, match="exited with status 1") as caught:
            server.start()
    assert f"cannot listen for Bolt on 127.0.0.1:{port}" in str(caught.value)
    assert "port is in use" in str(caught.value)


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kag.testing.neo4j_server", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=repo_root(),
        check=False,
    )


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    state = tmp_path / "state"
    yield state
    # Never leave a JVM behind when an assertion failed between `up` and `down`.
    pid_file = state / "neo4j.pid"
    if pid_file.exists():
        stop_pid(int(pid_file.read_text()), timeout_s=30)


def test_cli_up_status_down_round_trip(state_dir: Path) -> None:
    up = _cli("up", "--dir", str(state_dir), "--port", "0")
    assert up.returncode == 0, up.stderr
    uri = up.stdout.strip()
    assert uri.startswith("bolt://127.0.0.1:")
    assert "ready in" in up.stderr
    assert (state_dir / "uri").read_text().strip() == uri
    pid = int((state_dir / "neo4j.pid").read_text())

    # `up` has exited; the server it started must outlive it.
    token = uuid.uuid4().hex
    with GraphDatabase.driver(uri, auth=None) as driver:
        driver.execute_query(CREATE_PROBE, token=token)
    assert _count_probes(uri, token) == 1

    again = _cli("up", "--dir", str(state_dir), "--port", "0")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == uri
    assert "already running" in again.stderr

    status = _cli("status", "--dir", str(state_dir))
    assert status.returncode == 0
    assert status.stdout.startswith(f"running (pid {pid})")

    down = _cli("down", "--dir", str(state_dir))
    assert down.returncode == 0, down.stderr
    assert f"Neo4j stopped (pid {pid})" in down.stdout
    assert not pid_is_running(pid)
    assert not (state_dir / "neo4j.pid").exists()
    assert "STOPPED" in (state_dir / "neo4j.log").read_text()

    down_again = _cli("down", "--dir", str(state_dir))
    assert down_again.returncode == 0
    assert "not running" in down_again.stdout
    stopped = _cli("status", "--dir", str(state_dir))
    assert stopped.returncode == 3
    assert stopped.stdout.strip() == "not running"
