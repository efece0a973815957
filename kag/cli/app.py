"""``kag``: the command line of the advisory engine (typer).

Every command reports :class:`~kag.errors.KagError` as one readable line (what went wrong and
what to do) with exit code 2; no stack traces for operator mistakes.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from kag.errors import KagError
from kag.settings import Settings, get_settings
from kag.store import GraphStore, open_store

app = typer.Typer(
    name="kag",
    help="Knowledge-graph advisory engine: ingest documents, curate the graph, ask for advice.",
    no_args_is_help=True,
    add_completion=False,
)
schema_app = typer.Typer(help="Graph schema: migrations and version.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")

StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="embedded:<path> or a Neo4j URI (default: KAG_STORE)."),
]


def _settings(store: str | None) -> Settings:
    settings = get_settings()
    return settings.model_copy(update={"store": store}) if store else settings


@contextmanager
def _open(settings: Settings, *, check_schema: bool = True) -> Iterator[GraphStore]:
    store = open_store(settings, check_schema=check_schema)
    try:
        yield store
    finally:
        store.close()


def _run(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except KagError as exc:
        err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        raise typer.Exit(code=2) from None


@app.command()
def info(
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the backend, schema version and counts per label, relationship type and status."""
    settings = _settings(store)

    def work() -> None:
        with _open(settings) as graph:
            counts = graph.counts()
        if as_json:
            typer.echo(counts.model_dump_json(indent=2))
            return
        console.print(f"[bold]backend[/]        {counts.backend}")
        console.print(f"[bold]location[/]       {counts.location}")
        console.print(
            f"[bold]schema version[/] {counts.schema_version} (code: {counts.code_schema_version})"
        )
        console.print(f"[bold]ontology[/]       {counts.ontology}")
        for title, data in (
            ("nodes", counts.nodes),
            ("relationships", counts.relationships),
            ("assertion statuses", counts.statuses),
        ):
            table = Table(title=title, title_justify="left", show_header=False)
            for key, value in data.items():
                table.add_row(key, str(value))
            if not data:
                table.add_row("(none)", "0")
            console.print(table)

    _run(work)


@schema_app.command("apply")
def schema_apply(store: StoreOption = None) -> None:
    """Apply pending schema migrations (idempotent) and record the schema version."""
    settings = _settings(store)

    def work() -> None:
        with _open(settings, check_schema=False) as graph:
            applied = graph.apply_schema()
            version = graph.schema_version()
        if applied:
            console.print(f"applied migrations {applied}; schema version is now {version}")
        else:
            console.print(f"schema is up to date (version {version})")

    _run(work)


@schema_app.command("show")
def schema_show(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the graph model: labels, relationship types and the ontology's relations."""
    from graph_schema import Label, RelType, schema_version
    from kag.store import load_schema

    def work() -> None:
        schema = load_schema(get_settings())
        data = {
            "schema_version": schema_version(),
            "labels": [label.value for label in Label],
            "structural_relationships": [t.value for t in RelType],
            "ontology": schema.ontology.id,
            "relations": {
                name: {"domains": list(r.domains), "ranges": list(r.ranges)}
                for name, r in sorted(schema.relation_types.items())
            },
        }
        if as_json:
            typer.echo(json.dumps(data, indent=2))
            return
        console.print(f"schema version {data['schema_version']}, ontology {data['ontology']}")
        table = Table("relation", "domain", "range")
        for name, rel in sorted(schema.relation_types.items()):
            table.add_row(name, ", ".join(rel.domains), ", ".join(rel.ranges))
        console.print(table)

    _run(work)


def main() -> None:
    """Entry point of the ``kag`` script."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        app()
    except KagError as exc:  # errors raised while typer builds parameters
        err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        sys.exit(2)
