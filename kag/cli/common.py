"""Shared plumbing of the CLI commands: settings, opening a store, error reporting."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from kag.errors import KagError
from kag.settings import Settings, get_settings
from kag.store import GraphStore, open_store

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")

StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="embedded:<path> or a Neo4j URI (default: KAG_STORE)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def settings_for(store: str | None) -> Settings:
    """The process settings, with ``--store`` applied when given."""
    settings = get_settings()
    return settings.model_copy(update={"store": store}) if store else settings


@contextmanager
def opened(settings: Settings, *, check_schema: bool = True) -> Iterator[GraphStore]:
    """Open the configured store and close it afterwards."""
    store = open_store(settings, check_schema=check_schema)
    try:
        yield store
    finally:
        store.close()


def run(fn: Callable[[], T]) -> T:
    """Run a command body; a :class:`KagError` becomes one red line and exit code 2."""
    try:
        return fn()
    except KagError as exc:
        err_console.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False)
        raise typer.Exit(code=2) from None
