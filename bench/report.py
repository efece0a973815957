"""Benchmark report: figures, their goals, and the JSON and Markdown files a run writes.

A run writes ``<out>/<YYYY-MM-DD>-<commit>.json`` and ``.md`` (by default into
``bench/results/``); the files are committed when they are the figures the README quotes.
"""

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

Direction = Literal["higher", "lower"]
Comparator = Literal[">=", ">", "<=", "<"]
Mode = Literal["quick", "full"]

_SYMBOLS: dict[str, str] = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
_COMPARATORS_FOR: dict[str, frozenset[str]] = {
    "higher": frozenset({">=", ">"}),
    "lower": frozenset({"<=", "<"}),
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def format_number(value: float | None) -> str:
    """Format a figure for a table: integers with separators, else three significant digits."""
    if value is None:
        return "—"
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.3g}"


class Goal(_Frozen):
    """A target for a figure, with where it comes from.

    Attributes:
        comparator: How the value must compare with ``threshold``.
        threshold: The target value.
        source: Where the goal is set, e.g. ``"issue: extraction"``.
    """

    comparator: Comparator
    threshold: float
    source: str

    def is_met(self, value: float) -> bool:
        """Whether ``value`` satisfies the goal."""
        match self.comparator:
            case ">=":
                return value >= self.threshold
            case ">":
                return value > self.threshold
            case "<=":
                return value <= self.threshold
            case "<":
                return value < self.threshold

    def describe(self) -> str:
        """The goal as text, e.g. ``"≥ 0.5 (issue: extraction)"``."""
        return f"{_SYMBOLS[self.comparator]} {format_number(self.threshold)} ({self.source})"


class Figure(_Frozen):
    """One measured figure.

    Attributes:
        group: The figure group that measured it (the group module's ``NAME``).
        name: The figure's name within the group, e.g. ``"supporting_recall@5"``.
        value: The measurement, or ``None`` when it could not be measured.
        unit: ``"ratio"``, ``"s"``, ``"ms"``, ``"count"``, ...
        direction: Whether higher or lower values are better.
        goal: An optional target; ``met`` is computed against it.
        baselines: Values of reference systems for side-by-side columns, by column name.
        notes: Anything a reader needs to interpret the value (sample size, subset, ...).
    """

    group: str
    name: str
    value: float | None
    unit: str
    direction: Direction
    goal: Goal | None = None
    baselines: dict[str, float | None] = Field(default_factory=dict)
    notes: str = ""

    @model_validator(mode="before")
    @classmethod
    def _ignore_computed(cls, data: Any) -> Any:
        # ``met`` is written to JSON for readers; it is recomputed when a report is read back.
        if isinstance(data, dict) and "met" in data:
            data = {key: value for key, value in data.items() if key != "met"}
        return data

    @model_validator(mode="after")
    def _goal_matches_direction(self) -> Self:
        if self.goal is not None and self.goal.comparator not in _COMPARATORS_FOR[self.direction]:
            raise ValueError(
                f"figure {self.group}/{self.name}: goal comparator {self.goal.comparator!r} "
                f"contradicts direction {self.direction!r}; use "
                f"{' or '.join(sorted(_COMPARATORS_FOR[self.direction]))}"
            )
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def met(self) -> bool | None:
        """Whether the goal is met; ``None`` when there is no goal or no value."""
        if self.goal is None or self.value is None:
            return None
        return self.goal.is_met(self.value)


class MachineInfo(_Frozen):
    """The machine a run was measured on."""

    cpu_count: int | None
    cpu_model: str
    memory_total_gib: float | None
    python: str
    platform: str

    def describe(self) -> str:
        """One line for the report header."""
        memory = (
            "unknown memory"
            if self.memory_total_gib is None
            else f"{self.memory_total_gib:.1f} GiB RAM"
        )
        cpus = "unknown CPU count" if self.cpu_count is None else f"{self.cpu_count} CPUs"
        return f"{cpus} ({self.cpu_model}), {memory}, Python {self.python}, {self.platform}"


class GroupRun(_Frozen):
    """How one figure group's run went."""

    name: str
    duration_s: float
    figures: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the group finished without an error."""
        return self.error is None


class BenchReport(_Frozen):
    """The result of one benchmark run."""

    date: dt.date
    commit: str
    mode: Mode
    machine: MachineInfo
    groups: tuple[GroupRun, ...]
    figures: tuple[Figure, ...]

    @property
    def failed(self) -> tuple[GroupRun, ...]:
        """The groups that raised an error."""
        return tuple(group for group in self.groups if not group.ok)

    @property
    def file_stem(self) -> str:
        """``<YYYY-MM-DD>-<commit>``, the results files' name without extension."""
        return f"{self.date.isoformat()}-{self.commit}"

    def to_markdown(self) -> str:
        """Render the report as Markdown: a header, the group runs and the figures table."""
        return _render_markdown(self)


class ReportFiles(NamedTuple):
    """Paths of the files :func:`write_report` wrote."""

    json: Path
    markdown: Path


def write_report(report: BenchReport, out_dir: Path) -> ReportFiles:
    """Write the report as JSON and Markdown into ``out_dir`` (created if needed).

    An earlier run's files for the same date and commit are replaced.

    Returns:
        The two paths written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{report.file_stem}.json"
    markdown_path = out_dir / f"{report.file_stem}.md"
    json_path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    markdown_path.write_text(report.to_markdown(), encoding="utf-8")
    return ReportFiles(json=json_path, markdown=markdown_path)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _baseline_columns(figures: Iterable[Figure]) -> list[str]:
    columns: list[str] = []
    for figure in figures:
        columns.extend(name for name in figure.baselines if name not in columns)
    return columns


def _met_text(met: bool | None) -> str:
    return {True: "yes", False: "no", None: ""}[met]


def _render_markdown(report: BenchReport) -> str:
    lines = [
        f"# Benchmark results {report.date.isoformat()} ({report.commit}, {report.mode} mode)",
        "",
        f"Machine: {report.machine.describe()}.",
        "",
        "| group | duration (s) | figures | status |",
        "| --- | ---: | ---: | --- |",
    ]
    for group in report.groups:
        status = "ok" if group.error is None else f"failed: {group.error}"
        lines.append(_row([group.name, f"{group.duration_s:.2f}", str(group.figures), status]))

    baselines = _baseline_columns(report.figures)
    header = ["group", "figure", "value", "unit", "direction", "goal", "met", *baselines, "notes"]
    align = ["---", "---", "---:", "---", "---", "---", "---", *["---:"] * len(baselines), "---"]
    lines += ["", "## Figures", "", _row(header), "| " + " | ".join(align) + " |"]
    for figure in report.figures:
        cells = [
            figure.group,
            figure.name,
            format_number(figure.value),
            figure.unit,
            figure.direction,
            figure.goal.describe() if figure.goal else "",
            _met_text(figure.met),
            *(
                format_number(figure.baselines[name]) if name in figure.baselines else ""
                for name in baselines
            ),
            figure.notes,
        ]
        lines.append(_row(cells))
    if not report.figures:
        lines.append(_row(["", "(no figures)", *[""] * (len(header) - 2)]))
    return "\n".join(lines) + "\n"
