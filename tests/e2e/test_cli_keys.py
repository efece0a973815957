"""``kag keys`` as an operator runs it: create (token shown once), list, revoke, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kag.state import KeyStore, StateDB
from tests.e2e.test_cli_foundation import kag

pytestmark = pytest.mark.e2e


def test_create_list_revoke(tmp_path: Path) -> None:
    env = {"KAG_API__STATE_DIR": str(tmp_path / "state")}
    created = kag(
        "keys", "create", "--role", "expert", "--name", "curator", "--json", env=env, cwd=tmp_path
    )
    assert created.returncode == 0, created.stderr
    issued = json.loads(created.stdout)
    token = issued["token"]
    assert issued["key"]["role"] == "expert"

    listed = kag("keys", "list", "--json", env=env, cwd=tmp_path)
    assert [k["name"] for k in json.loads(listed.stdout)] == ["curator"]
    assert token not in listed.stdout

    db = StateDB(tmp_path / "state")  # the API would see the same key
    try:
        assert KeyStore(db).authenticate(token) is not None
    finally:
        db.close()

    revoked = kag("keys", "revoke", "curator", env=env, cwd=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked key" in revoked.stdout
    assert json.loads(kag("keys", "list", "--json", env=env, cwd=tmp_path).stdout) == []
    everything = json.loads(kag("keys", "list", "--all", "--json", env=env, cwd=tmp_path).stdout)
    assert everything[0]["revoked_at"]


def test_mistakes_are_one_readable_line(tmp_path: Path) -> None:
    env = {"KAG_API__STATE_DIR": str(tmp_path / "state")}
    again = kag("keys", "revoke", "nobody", env=env, cwd=tmp_path)
    assert again.returncode == 2
    assert "no active API key has id or name 'nobody'" in again.stderr
    assert "Traceback" not in again.stderr
    bad_role = kag("keys", "create", "--role", "owner", "--name", "x", env=env, cwd=tmp_path)
    assert bad_role.returncode == 2
    assert "owner" in bad_role.stderr
    bad_name = kag("keys", "create", "--role", "admin", "--name", "a;b", env=env, cwd=tmp_path)
    assert bad_name.returncode == 2
    assert "key name 'a;b' is not allowed" in bad_name.stderr
