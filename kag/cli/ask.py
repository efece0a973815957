"""``kag ask "..."``: answer a question with cited paths; ``kag answer ID``: show a stored one."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from kag.cli.common import JsonOption, StoreOption, console, opened, run, settings_for
from kag.engine import Answer, Engine

ExplainOption = Annotated[
    bool, typer.Option("--explain", help="Also print the plans, Cypher with parameters, trace.")
]


def _print_citations(answer: Answer) -> None:
    if not answer.citations:
        return
    console.print("\n[bold]cited paths[/]")
    for c in answer.citations:
        flag = " [yellow](proposed: unreviewed)[/]" if c.proposed else ""
        console.print(
            f"  [cyan]\\[{c.id}][/] {escape(c.chain())}  "
            f"[dim]{c.role}, confidence {c.confidence:.2f}[/]{flag}"
        )
        for hop in c.hops:
            for span in hop.spans:
                console.print(
                    f"      hop {hop.index + 1}: [dim]{escape(span.document_source)} "
                    f"v{span.version} {span.start}-{span.end}[/] "
                    f"\u201c{escape(span.quote)}\u201d"
                )
            if not hop.spans:
                console.print(f"      hop {hop.index + 1}: [red]no evidence span[/]")


def _print_explain(answer: Answer) -> None:
    for i, query in enumerate(answer.cypher, 1):
        console.print(
            f"\n[bold]query {i}[/]: {escape(query.purpose)} [dim]({query.executed_as}, "
            f"{query.rows} rows)[/]"
        )
        if query.plan is not None:
            plan = query.plan.model_dump(mode="json", exclude_defaults=True)
            console.print("[dim]plan[/] " + escape(json.dumps(plan)))
        console.print(escape(query.cypher))
        console.print("[dim]params[/] " + escape(json.dumps(query.params, default=str)))
    table = Table("step", "name", "start ms", "ms", "detail", title="trace", title_justify="left")
    for record in answer.trace:
        detail = ", ".join(f"{k}={v}" for k, v in record.detail.items())
        status = "" if record.ok else " [red](failed)[/]"
        table.add_row(
            record.step,
            escape(record.name) + status,
            f"{record.start_ms:.1f}",
            f"{record.duration_ms:.1f}",
            escape(detail),
        )
    console.print(table)


def print_answer(answer: Answer, *, explain: bool) -> None:
    """Print an answer for a person: text, outcome, cited paths with evidence, [explain]."""
    console.print(escape(answer.text))
    flags = f"; {'; '.join(answer.flags)}" if answer.flags else ""
    console.print(
        f"[dim]{answer.outcome}, confidence {answer.confidence:.2f}, "
        f"answer {answer.id}{escape(flags)}[/]"
    )
    _print_citations(answer)
    if explain:
        _print_explain(answer)


def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    store: StoreOption = None,
    as_json: JsonOption = False,
    explain: ExplainOption = False,
    mode: Annotated[
        str, typer.Option("--mode", help="plan (typed query plans) or cypher (Neo4j + LLM).")
    ] = "plan",
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store the answer.")] = True,
) -> None:
    """Answer a question from the graph, citing the paths and document spans it rests on."""
    settings = settings_for(store)

    def work() -> None:
        if mode not in ("plan", "cypher"):
            raise typer.BadParameter(f"--mode must be plan or cypher, not {mode!r}")
        chosen: Literal["plan", "cypher"] = "cypher" if mode == "cypher" else "plan"
        with opened(settings) as graph:
            answer = Engine(graph, settings).ask(question, mode=chosen, save=save)
        if as_json:
            typer.echo(answer.model_dump_json(indent=2, exclude={"trace"} if not explain else None))
            return
        print_answer(answer, explain=explain)

    run(work)


def show_answer(
    answer_id: Annotated[str, typer.Argument(help="The answer id (ans_...).")],
    store: StoreOption = None,
    as_json: JsonOption = False,
    explain: ExplainOption = False,
) -> None:
    """Show a stored answer by id."""
    settings = settings_for(store)

    def work() -> None:
        with opened(settings) as graph:
            answer = Engine(graph, settings).get_answer(answer_id)
        if as_json:
            typer.echo(answer.model_dump_json(indent=2))
            return
        print_answer(answer, explain=explain)

    run(work)


def register(app: typer.Typer) -> None:
    """Add ``ask`` and ``answer`` to the ``kag`` app."""
    app.command()(ask)
    app.command("answer")(show_answer)
