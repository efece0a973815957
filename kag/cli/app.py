"""``kag``: the command line of the advisory engine (typer).

Each concern's commands live in their own module with a ``register(app)`` function; this module
only assembles them. Every command reports :class:`~kag.errors.KagError` as one readable line
(what went wrong and what to do) with exit code 2, never a stack trace.
"""

from __future__ import annotations

import logging
import sys

import typer
from rich.markup import escape

from kag.cli import ask, feedback, ingest, keys, lexicon, prune, review, samples, schema
from kag.cli.common import err_console
from kag.errors import KagError

app = typer.Typer(
    name="kag",
    help="Knowledge-graph advisory engine: ingest documents, curate the graph, ask for advice.",
    no_args_is_help=True,
    add_completion=False,
)

# One line per command module; keep them in this order.
schema.register(app)
ingest.register(app)
lexicon.register(app)
keys.register(app)
samples.register(app)
ask.register(app)
review.register(app)
prune.register(app)
feedback.register(app)


def main() -> None:
    """Entry point of the ``kag`` script."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        app()
    except KagError as exc:  # errors raised while typer builds parameters
        err_console.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False)
        sys.exit(2)
