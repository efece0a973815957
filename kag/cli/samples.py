"""``kag samples ...``: the shipped sample corpus, its golden questions and its gold graph."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from kag.cli.common import JsonOption, StoreOption, console, opened, run, settings_for
from kag.samples import corpus_dir, document_paths, gold_write_batches, load_golden_questions

samples_app = typer.Typer(
    help="The sample corpus: a fictional warehouse-software market, its gold facts and questions.",
    no_args_is_help=True,
)


@samples_app.command("path")
def samples_path() -> None:
    """Print the folder of the sample documents (to ingest it, or to read it)."""
    typer.echo(str(corpus_dir()))


@samples_app.command("questions")
def samples_questions(
    shape: Annotated[
        str | None, typer.Option("--shape", help="Only questions of this shape (e.g. chain).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the golden questions with their expected answers."""

    def work() -> None:
        questions = [q for q in load_golden_questions() if shape in (None, q.shape)]
        if as_json:
            typer.echo(json.dumps([q.model_dump(mode="json") for q in questions], indent=2))
            return
        table = Table("id", "shape", "question", "must mention", title_justify="left")
        for q in questions:
            table.add_row(q.id, q.shape, q.question, ", ".join(q.expected.must_mention))
        console.print(table)

    run(work)


@samples_app.command("seed")
def samples_seed(store: StoreOption = None) -> None:
    """Write the gold graph of the sample corpus into the store (approved, extractor 'gold').

    Idempotent: seeding again changes nothing. It writes what ingestion would write for the
    sample documents, so the engine and curation can be tried before ingestion has run.
    """
    settings = settings_for(store)

    def work() -> None:
        with opened(settings) as graph:
            batches = gold_write_batches(graph.schema)
            for batch in batches:
                graph.write(batch)
            location = graph.location
        assertions = len({a.id for b in batches for a in b.assertions})
        console.print(
            f"seeded {location} with the gold graph of {len(document_paths())} sample documents "
            f"({assertions} approved assertions)"
        )

    run(work)


def register(app: typer.Typer) -> None:
    """Add ``kag samples ...`` to the CLI."""
    app.add_typer(samples_app, name="samples")
