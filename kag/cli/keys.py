"""``kag keys create|list|revoke``: API keys in the state file (``KAG_API__STATE_DIR``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kag.cli.common import JsonOption, console, run
from kag.settings import get_settings
from kag.state import KeyStore, Role, StateDB

keys_app = typer.Typer(
    help="API keys: create (shown once), list, revoke. Stored hashed in the API state file.",
    no_args_is_help=True,
)

StateDirOption = Annotated[
    Path | None,
    typer.Option("--state-dir", help="The API state directory (default: KAG_API__STATE_DIR)."),
]


@contextmanager
def _keys(state_dir: Path | None) -> Iterator[KeyStore]:
    db = StateDB(state_dir or get_settings().api.state_dir)
    try:
        yield KeyStore(db)
    finally:
        db.close()


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")],
    role: Annotated[Role, typer.Option("--role", help="analyst, expert or admin.")],
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a key and print its token once (it cannot be shown again)."""

    def work() -> None:
        with _keys(state_dir) as keys:
            issued = keys.create(name, role)
        if as_json:
            typer.echo(issued.model_dump_json(indent=2))
            return
        console.print(f"created key {issued.key.id} ({issued.key.role.value}) for {name!r}")
        console.print("token (store it now, it is not shown again):")
        typer.echo(issued.token)

    run(work)


@keys_app.command("list")
def list_keys(
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    state_dir: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """List keys (never their tokens)."""

    def work() -> None:
        with _keys(state_dir) as keys:
            found = keys.list(include_revoked=include_revoked)
        if as_json:
            typer.echo(json.dumps([k.model_dump(mode="json") for k in found], indent=2))
            return
        table = Table("id", "name", "role", "created", "revoked")
        for key in found:
            table.add_row(key.id, key.name, key.role.value, key.created_at, key.revoked_at or "")
        console.print(table)

    run(work)


@keys_app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="The key's id or name.")],
    state_dir: StateDirOption = None,
) -> None:
    """Revoke a key; requests with it are refused from now on."""

    def work() -> None:
        with _keys(state_dir) as keys:
            revoked = keys.revoke(key)
        console.print(f"revoked key {revoked.id} ({revoked.name!r}) at {revoked.revoked_at}")

    run(work)


def register(app: typer.Typer) -> None:
    """Add these commands to the ``kag`` app."""
    app.add_typer(keys_app, name="keys")
