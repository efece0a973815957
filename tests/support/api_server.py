"""Run the real API (uvicorn, real sockets) on a free loopback port for a test."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from api.app import create_app
from api.store_holder import StoreOpener
from kag.settings import Settings
from kag.state import KeyStore, Role, StateDB
from kag.store import open_store
from kag.testing.api_process import ApiProcess, free_port, settings_env


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


__all__ = ["ApiProcess", "RunningApi", "free_port", "issue_keys", "serve", "settings_env"]
