"""``kag info`` and ``kag schema ...``."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from graph_schema import Label, RelType, schema_version
from kag.cli.common import JsonOption, StoreOption, console, opened, run, settings_for
from kag.settings import get_settings
from kag.store import load_schema

schema_app = typer.Typer(help="Graph schema: migrations and version.", no_args_is_help=True)


def info(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Show the backend, schema version and counts per label, relationship type and status."""
    settings = settings_for(store)

    def work() -> None:
        with opened(settings) as graph:
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

    run(work)


@schema_app.command("apply")
def schema_apply(store: StoreOption = None) -> None:
    """Apply pending schema migrations (idempotent) and record the schema version."""
    settings = settings_for(store)

    def work() -> None:
        with opened(settings, check_schema=False) as graph:
            applied = graph.apply_schema()
            version = graph.schema_version()
        if applied:
            console.print(f"applied migrations {applied}; schema version is now {version}")
        else:
            console.print(f"schema is up to date (version {version})")

    run(work)


@schema_app.command("show")
def schema_show(as_json: JsonOption = False) -> None:
    """Show the graph model: labels, relationship types and the ontology's relations."""

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

    run(work)


def register(app: typer.Typer) -> None:
    """Add these commands to the ``kag`` app."""
    app.command()(info)
    app.add_typer(schema_app, name="schema")
