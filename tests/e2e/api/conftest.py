"""The API served for real (uvicorn on loopback) on each backend, with a key per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kag.settings import Settings
from tests.support.api_server import RunningApi, issue_keys, serve


def api_settings(store_settings: Settings, state_dir: Path, **api: object) -> Settings:
    """``store_settings`` with the API's state in ``state_dir`` and these API settings."""
    merged = store_settings.api.model_copy(update={"state_dir": state_dir, **api})
    return store_settings.model_copy(update={"api": merged})


@pytest.fixture
def api_config(store_settings: Settings, tmp_path: Path) -> Settings:
    """Settings of the served API: the test's store, a fresh state directory."""
    return api_settings(store_settings, tmp_path / "api-state")


@pytest.fixture
def api(api_config: Settings) -> Iterator[RunningApi]:
    """The API served on the current backend, keys issued for every role."""
    tokens = issue_keys(api_config)
    with serve(api_config) as url:
        yield RunningApi(url=url, tokens=tokens)
