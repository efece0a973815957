"""Report models and the JSON/Markdown writer."""

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from bench.report import (
    BenchReport,
    Figure,
    Goal,
    GroupRun,
    MachineInfo,
    format_number,
    write_report,
)

AT_LEAST_HALF = Goal(comparator=">=", threshold=0.5, source="issue: extraction")
AT_MOST_2S = Goal(comparator="<=", threshold=2.0, source="issue: latency")


def figure(value: float | None, goal: Goal | None, direction: str = "higher") -> Figure:
    return Figure.model_validate(
        {"group": "g", "name": "f", "value": value, "unit": "ratio", "direction": direction}
        | {"goal": goal}
    )


@pytest.mark.parametrize(
    ("value", "goal", "direction", "met"),
    [
        (0.5, AT_LEAST_HALF, "higher", True),
        (0.49, AT_LEAST_HALF, "higher", False),
        (1.0, AT_MOST_2S, "lower", True),
        (2.5, AT_MOST_2S, "lower", False),
        (2.0, Goal(comparator="<", threshold=2.0, source="s"), "lower", False),
        (0.9, None, "higher", None),
        (None, AT_LEAST_HALF, "higher", None),
    ],
)
def test_met_follows_the_goal(
    value: float | None, goal: Goal | None, direction: str, met: bool | None
) -> None:
    assert figure(value, goal, direction).met is met


def test_goal_must_agree_with_direction() -> None:
    with pytest.raises(ValidationError, match="contradicts direction"):
        figure(1.0, AT_MOST_2S, "higher")


def test_nan_is_not_a_figure_value() -> None:
    with pytest.raises(ValidationError):
        figure(float("nan"), None)


def test_goal_text() -> None:
    assert AT_LEAST_HALF.describe() == "≥ 0.5 (issue: extraction)"


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "—"), (1890.0, "1,890"), (0.3925, "0.393"), (123.456, "123.5"), (0.0004, "0.0004")],
)
def test_number_format(value: float | None, text: str) -> None:
    assert format_number(value) == text


def make_report() -> BenchReport:
    return BenchReport(
        date=dt.date(2025, 3, 4),
        commit="abc1234",
        mode="quick",
        machine=MachineInfo(
            cpu_count=2, cpu_model="Test CPU", memory_total_gib=24.0, python="3.11.7", platform="x"
        ),
        groups=(
            GroupRun(name="extraction", duration_s=1.5, figures=2),
            GroupRun(name="qa", duration_s=0.1, figures=0, error="BenchError: no data | at all"),
        ),
        figures=(
            Figure(
                group="extraction",
                name="f1",
                value=0.55,
                unit="ratio",
                direction="higher",
                goal=AT_LEAST_HALF,
                baselines={"Vicuna-13B": 0.32},
                notes="5 ontologies",
            ),
            Figure(
                group="extraction",
                name="latency_p95",
                value=2.5,
                unit="s",
                direction="lower",
                goal=AT_MOST_2S,
                baselines={"BM25": 0.01},
            ),
        ),
    )


def test_write_report_writes_json_and_markdown(tmp_path: Path) -> None:
    files = write_report(make_report(), tmp_path / "results")

    assert files.json == tmp_path / "results" / "2025-03-04-abc1234.json"
    assert files.markdown == tmp_path / "results" / "2025-03-04-abc1234.md"
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert [f["met"] for f in data["figures"]] == [True, False]
    assert data["groups"][1]["error"] == "BenchError: no data | at all"

    markdown = files.markdown.read_text(encoding="utf-8")
    assert (
        "| group | figure | value | unit | direction | goal | met | Vicuna-13B | BM25 | notes |"
        in (markdown)
    )
    assert (
        "| extraction | f1 | 0.55 | ratio | higher | ≥ 0.5 (issue: extraction) | yes | 0.32 |  "
        "| 5 ontologies |"
    ) in markdown
    assert (
        "| extraction | latency_p95 | 2.5 | s | lower | ≤ 2 (issue: latency) | no |  | 0.01 |"
        in (markdown)
    )
    assert "failed: BenchError: no data \\| at all" in markdown
    assert "2 CPUs (Test CPU), 24.0 GiB RAM" in markdown


def test_report_reads_back_from_json(tmp_path: Path) -> None:
    files = write_report(make_report(), tmp_path)
    again = BenchReport.model_validate_json(files.json.read_text(encoding="utf-8"))
    assert again == make_report()
    assert [g.name for g in again.failed] == ["qa"]
