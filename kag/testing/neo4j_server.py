"""``python -m kag.testing.neo4j_server up|down|status``: a background Neo4j for development.

``make neo4j-up`` / ``make neo4j-down`` run it; state (pid file, URI, log, data) lives in
``--dir`` (default ``.neo4j``). The process is stopped by the pid in the pid file, never by name.
The launcher and the test/benchmark provider are re-exported here for convenience.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kag.testing.neo4j_launcher import (
    DEFAULT_READY_TIMEOUT_S,
    DEFAULT_STOP_TIMEOUT_S,
    JVM_FLAGS,
    LaunchedNeo4j,
    Neo4jEndpoint,
    Neo4jStartError,
    Neo4jUnavailable,
    build_launcher,
    launcher_is_built,
    pid_is_launcher,
    pid_is_running,
    stop_pid,
)
from kag.testing.neo4j_provider import (
    choose_neo4j_source,
    clear_database,
    docker_engine_problem,
    launcher_problem,
    provide_neo4j,
    wait_until_answers,
)

__all__ = [
    "JVM_FLAGS",
    "LaunchedNeo4j",
    "Neo4jEndpoint",
    "Neo4jStartError",
    "Neo4jUnavailable",
    "build_launcher",
    "choose_neo4j_source",
    "clear_database",
    "docker_engine_problem",
    "launcher_is_built",
    "launcher_problem",
    "main",
    "pid_is_launcher",
    "pid_is_running",
    "provide_neo4j",
    "stop_pid",
    "wait_until_answers",
]


@dataclass(frozen=True, slots=True)
class _StateFiles:
    directory: Path

    @property
    def pid(self) -> Path:
        return self.directory / "neo4j.pid"

    @property
    def uri(self) -> Path:
        return self.directory / "uri"

    def running_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            pid = int(self.pid.read_text().strip())
            return pid if pid_is_launcher(pid) else None
        return None

    def clear(self) -> None:
        self.pid.unlink(missing_ok=True)
        self.uri.unlink(missing_ok=True)


def _cmd_up(args: argparse.Namespace) -> int:
    state = _StateFiles(Path(args.dir).resolve())
    pid = state.running_pid()
    if pid is not None:
        uri = state.uri.read_text().strip() if state.uri.exists() else "unknown URI"
        print(uri)
        print(f"Neo4j is already running (pid {pid}); stop it with 'down'", file=sys.stderr)
        return 0
    state.clear()
    state.directory.mkdir(parents=True, exist_ok=True)
    server = LaunchedNeo4j(
        state.directory / "data",
        port=args.port,
        pagecache=args.pagecache,
        ready_timeout_s=args.timeout or DEFAULT_READY_TIMEOUT_S,
        log_path=state.directory / "neo4j.log",
        detached=True,
    )
    try:
        server.start()
    except (Neo4jUnavailable, Neo4jStartError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    state.pid.write_text(f"{server.pid}\n")
    state.uri.write_text(f"{server.uri}\n")
    print(server.uri)
    built = f", launcher built in {server.build_seconds:.1f} s" if server.build_seconds > 1 else ""
    print(
        f"Neo4j ready in {server.ready_seconds:.1f} s{built} "
        f"(pid {server.pid}, data {server.data_dir}, log {server.log_path})",
        file=sys.stderr,
    )
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    state = _StateFiles(Path(args.dir).resolve())
    pid = state.running_pid()
    if pid is None:
        state.clear()
        print(f"Neo4j is not running (no live launcher pid in {state.pid})")
        return 0
    began = time.monotonic()
    graceful = stop_pid(pid, timeout_s=args.timeout or DEFAULT_STOP_TIMEOUT_S)
    state.clear()
    how = "stopped" if graceful else "killed after SIGTERM timed out"
    print(f"Neo4j {how} (pid {pid}) in {time.monotonic() - began:.1f} s")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    state = _StateFiles(Path(args.dir).resolve())
    pid = state.running_pid()
    if pid is None:
        print("not running")
        return 3  # LSB status code for "not running"
    uri = state.uri.read_text().strip() if state.uri.exists() else "unknown URI"
    print(f"running (pid {pid}) {uri}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: ``up``, ``down`` or ``status`` of a background launcher."""
    parser = argparse.ArgumentParser(
        prog="python -m kag.testing.neo4j_server",
        description="Run a local Neo4j 5.26 (Maven-built launcher) in the background.",
    )
    parser.add_argument("command", choices=("up", "down", "status"))
    parser.add_argument("--dir", default=".neo4j", help="state directory (default .neo4j)")
    parser.add_argument("--port", type=int, default=7687, help="Bolt port, 0 = any (default 7687)")
    parser.add_argument("--pagecache", default="64m", help="page cache size (default 64m)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help=f"seconds to wait for READY (up, default {DEFAULT_READY_TIMEOUT_S:.0f}) "
        f"or for the exit before SIGKILL (down, default {DEFAULT_STOP_TIMEOUT_S:.0f})",
    )
    args = parser.parse_args(argv)
    commands = {"up": _cmd_up, "down": _cmd_down, "status": _cmd_status}
    return commands[args.command](args)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(main())
