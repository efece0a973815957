"""Run the real API (uvicorn, real sockets) on a free loopback port for a test."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from api.app import create_app
from api.store_holder import StoreOpener
from kag.settings import Settings
from kag.state import KeyStore, Role, StateDB
from kag.store import open_store


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def issue_keys(settings: Settings) -> dict[Role, str]:
    """One key per role in the settings' state directory: role -> token."""
    db = StateDB(settings.api.state_dir)
    try:
        keys = KeyStore(db)
        return {role: keys.create(f"test-{role.value}", role).token for role in Role}
    finally:
        db.close()


@dataclass(frozen=True)
class RunningApi:
    """A served app: its base URL and a token per role."""

    url: str
    tokens: dict[Role, str]

    def client(self, role: Role | None = Role.ANALYST, **kwargs: object) -> httpx.Client:
        """An httpx client for the API, sending the key of ``role`` (none for ``None``)."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60.0, **kwargs)  # type: ignore[arg-type]


@contextmanager
def serve(settings: Settings, *, opener: StoreOpener = open_store) -> Iterator[str]:
    """Serve ``create_app(settings)`` with uvicorn in a thread; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, opener=opener),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the API did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


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
                cwd=Path(__file__).resolve().parents[2],
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
