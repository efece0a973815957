"""``kag ingest``: documents into the graph, with a progress bar and a closing summary.

``kag ingest PATH... [--glob G] [--llm MODEL] [--dry-run] [--ontology FILE] [--base DIR]`` and
``kag ingest --delete SOURCE...``. Exit code 0 when every document was ingested, unchanged or
skipped with a reason; 1 when a document's write was refused or the LLM budget stopped the run
early (the summary says which); 2 on an error that stopped the run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from kag.cli.common import JsonOption, StoreOption, console, err_console, opened, run, settings_for
from kag.errors import ConfigurationError, InvalidInput
from kag.settings import Settings

if TYPE_CHECKING:
    from ingestion.report import DocumentOutcome, IngestReport


class _Progress:
    """A rich progress bar fed by the pipeline (documents, chunks, assertions, tokens)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None
        self._chunks = 0
        self._assertions = 0

    def started(self, documents: int) -> None:
        self._task = self._progress.add_task(
            "ingesting", total=documents, chunks=0, assertions=0, tokens=0
        )

    def document_done(self, outcome: DocumentOutcome, tokens: int) -> None:
        self._chunks += outcome.chunks
        self._assertions += outcome.assertions
        if self._task is not None:
            self._progress.update(
                self._task,
                advance=1,
                chunks=self._chunks,
                assertions=self._assertions,
                tokens=tokens,
            )


def _with_options(settings: Settings, llm: str | None, ontology: Path | None) -> Settings:
    update: dict[str, object] = {}
    if llm is not None:
        try:
            Settings.model_validate({"llm": llm})
        except ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise ConfigurationError(message.replace("KAG_LLM", "--llm")) from exc
        update["llm"] = llm
    if ontology is not None:
        if not ontology.is_file():
            raise ConfigurationError(f"--ontology {ontology}: no such file")
        update["ontology"] = ontology
    return settings.model_copy(update=update) if update else settings


def _counts(data: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in data.items()) or "-"


def _print_summary(report: IngestReport) -> None:
    files = Table(title="documents", title_justify="left")
    for column in ("source", "status", "version", "chunks", "assertions", "by layer", "note"):
        files.add_column(column, overflow="fold")
    for o in report.documents:
        note = o.reason or ""
        if o.superseded:
            note = f"{o.superseded} superseded " + note
        if o.rejected_before:
            note = f"{o.rejected_before} rejected earlier, not re-proposed " + note
        if o.expert_versions:
            note = f"{o.expert_versions} kept as an expert corrected them " + note
        files.add_row(
            o.source,
            o.status,
            str(o.version or ""),
            str(o.chunks),
            str(o.assertions),
            _counts(o.by_layer),
            note.strip(),
        )
    console.print(files)
    totals = Table(title="assertions written", title_justify="left", show_header=False)
    totals.add_row("by layer", _counts(report.by_layer))
    totals.add_row("by status", _counts(report.by_status))
    totals.add_row("documents", _counts(report.counts))
    totals.add_row("seconds", f"{report.seconds:.1f}")
    console.print(totals)
    if report.skipped:
        skipped = Table(title="skipped", title_justify="left")
        skipped.add_column("source", overflow="fold")
        skipped.add_column("reason", overflow="fold")
        for o in report.skipped:
            skipped.add_row(o.source, o.reason or o.status)
        console.print(skipped)
    llm = report.llm
    if llm.model:
        usage = Table(title=f"LLM {llm.model}", title_justify="left", show_header=False)
        usage.add_row("calls", f"{llm.calls} (+{llm.cached} cached, {llm.failed_calls} failed)")
        usage.add_row("tokens", f"{llm.input_tokens:,} in, {llm.output_tokens:,} out")
        usage.add_row("cost", f"${llm.cost_usd:.4f}")
        usage.add_row("rejected", f"{llm.invalid_outputs} answers, {llm.invalid_items} items")
        if llm.stopped:
            usage.add_row("stopped", llm.stopped)
        console.print(usage)


def _print_estimate(report: IngestReport) -> None:
    estimate = report.estimate
    planned = sum(1 for o in report.documents if o.status == "planned")
    console.print(
        f"dry run: {planned} document(s) would be ingested, "
        f"{report.counts.get('unchanged', 0)} unchanged, {len(report.skipped)} skipped"
    )
    if estimate is None or estimate.model is None:
        console.print("no LLM configured (KAG_LLM=none): no LLM calls, no cost")
        return
    table = Table(title=f"estimate for {estimate.model}", title_justify="left", show_header=False)
    table.add_row("chunks", f"{estimate.chunks} ({estimate.cached} cached)")
    table.add_row("calls", str(estimate.calls))
    table.add_row("tokens", f"{estimate.input_tokens:,} in, ~{estimate.output_tokens:,} out")
    table.add_row("cost", f"~${estimate.cost_usd:.4f}")
    table.add_row("budget", ("within " if estimate.within_budget else "OVER ") + estimate.limits)
    console.print(table)


def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (recursive) to ingest.")
    ] = None,
    glob: Annotated[
        list[str] | None,
        typer.Option("--glob", help="Only files matching this pattern (repeatable), e.g. '*.md'."),
    ] = None,
    llm: Annotated[
        str | None,
        typer.Option("--llm", help="none, openai:<model> or anthropic:<model> (default: KAG_LLM)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan and print LLM calls/tokens/cost; write nothing.")
    ] = False,
    ontology: Annotated[
        Path | None, typer.Option("--ontology", help="Ontology JSON file (default: KAG_ONTOLOGY).")
    ] = None,
    base: Annotated[
        Path | None,
        typer.Option("--base", help="Folder that sources are relative to (default: each path)."),
    ] = None,
    delete: Annotated[
        list[str] | None,
        typer.Option("--delete", help="Retire the document with this source (repeatable)."),
    ] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest documents (text, Markdown, HTML, PDF) into the graph, or --delete them."""
    settings = settings_for(store)
    # The CLI is the application layer: it imports the ingestion package only when this
    # command runs, so `kag` itself never depends on it.
    from ingestion.pipeline import IngestionPipeline

    def work() -> int:
        configured = _with_options(settings, llm, ontology)
        if not paths and not delete:
            raise InvalidInput("give files or folders to ingest, or --delete SOURCE")
        with opened(configured) as graph:
            if delete:
                report = IngestionPipeline(graph, configured).delete(delete)
            else:
                with Progress(
                    TextColumn("[bold]{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("chunks {task.fields[chunks]}"),
                    TextColumn("assertions {task.fields[assertions]}"),
                    TextColumn("tokens {task.fields[tokens]}"),
                    TimeElapsedColumn(),
                    console=err_console,
                    disable=as_json or dry_run,
                ) as progress:
                    pipeline = IngestionPipeline(graph, configured, progress=_Progress(progress))
                    report = pipeline.ingest_paths(
                        paths or [], globs=glob or [], base=base, dry_run=dry_run
                    )
        if as_json:
            typer.echo(json.dumps(report.model_dump(mode="json"), indent=2))
        elif dry_run:
            _print_estimate(report)
        else:
            _print_summary(report)
        incomplete = report.llm.stopped is not None
        failed = any(o.status in {"failed", "not found"} for o in report.documents)
        return 1 if failed or incomplete else 0

    code = run(work)
    if code:
        raise typer.Exit(code=code)


def register(app: typer.Typer) -> None:
    """Add ``kag ingest`` to the app."""
    app.command()(ingest)
