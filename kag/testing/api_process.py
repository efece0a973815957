"""The API as its own process (``uvicorn --factory api.app:create_app``) for tests and benchmarks.

Started on a free loopback port with settings passed as ``KAG_*`` variables; stopped with SIGTERM,
or killed with SIGKILL to simulate a crash. Only the process this object started is signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kag.settings import Settings


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment variables that give a subprocess these store, Neo4j and API settings."""
    env = {
        "KAG_STORE": settings.store,
        "KAG_NEO4J__USER": settings.neo4j.user,
        "KAG_NEO4J__PASSWORD": settings.neo4j.password.get_secret_value(),
        "KAG_API__STATE_DIR": str(settings.api.state_dir),
    }
    return env


class ApiProcess:
    """``uvicorn --factory api.app:create_app`` as its own process (killable with SIGKILL)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, **env}
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60) -> ApiProcess:
        """Start it and wait until ``/healthz`` answers."""
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "api.app:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                env=self._env,
                stdout=log,
                stderr=log,
                cwd=Path(__file__).resolve().parents[2],  # the checkout, as for `uvicorn` by hand
            )
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the API exited with {self.process.returncode}; see {self._log}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API did not answer within {timeout_s:.0f} s")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, as a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 60 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
