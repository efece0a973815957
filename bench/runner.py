"""The benchmark runner: ``python -m bench [--quick|--full] [--only GROUP ...] ...``.

Runs the registered figure groups in order, records each group's duration and any error (the
other groups still run), writes the report to ``bench/results/`` and prints it as Markdown.
Exits 1 if any group failed, 2 on a usage error, else 0.
"""

import argparse
import datetime as dt
import importlib
import logging
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Final

from bench.context import BenchContext, Neo4jProvider, provide_kag_neo4j
from bench.data.paths import EVAL_DATA_ENV, REPO_ROOT, resolve_eval_root
from bench.environment import current_commit, describe_machine
from bench.errors import BenchError
from bench.groups import GROUP_MODULES, Group, group_name
from bench.report import BenchReport, Figure, GroupRun, Mode, write_report

logger = logging.getLogger(__name__)

DEFAULT_OUT_DIR: Final = REPO_ROOT / "bench" / "results"
GroupLoader = Callable[[], Group]


def load_group(module_path: str) -> Group:
    """Import a registered group module and check it exposes ``NAME`` and ``run``.

    Raises:
        BenchError: The module's ``NAME`` is missing or differs from its module name, or it has
            no ``run``.
    """
    module = importlib.import_module(module_path)
    expected = group_name(module_path)
    name = getattr(module, "NAME", None)
    if name != expected:
        raise BenchError(f"group module {module_path} must set NAME = {expected!r}, not {name!r}")
    if not callable(getattr(module, "run", None)):
        raise BenchError(f"group module {module_path} has no run(ctx) function")
    group: Group = module  # a module satisfies the protocol structurally
    return group


def registered_groups() -> dict[str, GroupLoader]:
    """The registry as name to loader, in run order; nothing is imported yet."""
    return {group_name(path): partial(load_group, path) for path in GROUP_MODULES}


def run_group(name: str, loader: GroupLoader, ctx: BenchContext) -> tuple[GroupRun, list[Figure]]:
    """Run one group, turning any exception into an error entry for the report."""
    logger.info("running group %s (%s mode)", name, ctx.mode)
    started = perf_counter()
    try:
        figures = list(loader().run(ctx))
        wrong = sorted({f.group for f in figures if f.group != name})
        if wrong:
            raise BenchError(f"group {name} returned figures labelled with other groups: {wrong}")
    except Exception as e:  # one failing group must not stop the others; the report says why
        duration = perf_counter() - started
        logger.exception("group %s failed after %.1f s", name, duration)
        return GroupRun(
            name=name, duration_s=duration, figures=0, error=f"{type(e).__name__}: {e}"
        ), []
    duration = perf_counter() - started
    logger.info("group %s: %d figures in %.1f s", name, len(figures), duration)
    return GroupRun(name=name, duration_s=duration, figures=len(figures)), figures


def run_groups(
    groups: Mapping[str, GroupLoader], ctx: BenchContext
) -> tuple[list[GroupRun], list[Figure]]:
    """Run ``groups`` in order with one shared context.

    Returns:
        Each group's run record, and all figures in group order.
    """
    runs: list[GroupRun] = []
    figures: list[Figure] = []
    for name, loader in groups.items():
        run, group_figures = run_group(name, loader, ctx)
        runs.append(run)
        figures.extend(group_figures)
    return runs, figures


def build_parser(names: Sequence[str]) -> argparse.ArgumentParser:
    """The command-line parser; ``names`` are the registered group names."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run the benchmark figure groups and write a report to bench/results/.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick", dest="mode", action="store_const", const="quick", help="small run (default)"
    )
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help="full run")
    parser.set_defaults(mode="quick")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="GROUP",
        choices=list(names),
        help=f"run only these groups (of: {', '.join(names)})",
    )
    parser.add_argument(
        "--eval-data",
        type=Path,
        metavar="PATH",
        help=f"evaluation data folder (default: ${EVAL_DATA_ENV} or ../shared/eval)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT_DIR,
        metavar="DIR",
        help="where to write the report (default: bench/results)",
    )
    parser.add_argument("--list", action="store_true", help="list the groups and exit")
    return parser


def _describe(loader: GroupLoader) -> str:
    try:
        doc = getattr(loader(), "__doc__", None) or ""
    except Exception as e:  # --list should show every group, even one that cannot import
        return f"(cannot load: {type(e).__name__}: {e})"
    return doc.strip().splitlines()[0] if doc.strip() else ""


def run_bench(
    groups: Mapping[str, GroupLoader],
    *,
    mode: Mode,
    eval_data: Path,
    out_dir: Path,
    neo4j_provider: Neo4jProvider = provide_kag_neo4j,
) -> BenchReport:
    """Run ``groups`` and build the report (not written).

    A scratch folder and, if a group asks for it, a Neo4j server live for the whole run.
    """
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kag-bench-")))
        ctx = BenchContext(
            mode=mode,
            eval_data=eval_data,
            out_dir=out_dir,
            scratch=scratch,
            stack=stack,
            neo4j_provider=neo4j_provider,
        )
        runs, figures = run_groups(groups, ctx)
    return BenchReport(
        date=dt.date.today(),
        commit=current_commit(REPO_ROOT),
        mode=mode,
        machine=describe_machine(),
        groups=tuple(runs),
        figures=tuple(figures),
    )


def _configure_logging() -> None:
    # Level on the handler, not only the root logger: some libraries (bm25s) set their own
    # logger to DEBUG, and propagated records skip ancestor loggers' levels.
    handler = logging.StreamHandler()
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def main(
    argv: Sequence[str] | None = None,
    *,
    groups: Mapping[str, GroupLoader] | None = None,
    neo4j_provider: Neo4jProvider = provide_kag_neo4j,
) -> int:
    """Entry point of ``python -m bench``.

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` if omitted).
        groups: The registry to use (the registered groups if omitted); for tests.
        neo4j_provider: How to get Neo4j when a group asks; for tests.

    Returns:
        The exit status: 0 if every group ran, 1 if any failed.
    """
    registry = registered_groups() if groups is None else dict(groups)
    options = build_parser(list(registry)).parse_args(argv)
    if options.list:
        for name, loader in registry.items():
            print(f"{name}\t{_describe(loader)}")
        return 0
    _configure_logging()
    selected = {
        name: registry[name] for name in registry if not options.only or name in options.only
    }
    report = run_bench(
        selected,
        mode=options.mode,
        eval_data=resolve_eval_root(options.eval_data),
        out_dir=options.out,
        neo4j_provider=neo4j_provider,
    )
    files = write_report(report, options.out)
    print(report.to_markdown())
    logger.info("report written to %s and %s", files.json, files.markdown)
    for failed in report.failed:
        logger.error("group %s failed: %s", failed.name, failed.error)
    return 1 if report.failed else 0
