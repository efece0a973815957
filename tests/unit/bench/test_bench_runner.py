"""The runner: failures recorded per group, Neo4j on demand, the CLI's files and exit codes."""

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from bench.context import BenchContext
from bench.errors import BenchError
from bench.groups import GROUP_MODULES
from bench.report import Figure
from bench.runner import GroupLoader, load_group, main, registered_groups, run_bench


@dataclass(frozen=True)
class Endpoint:
    uri: str = "bolt://localhost:7687"
    user: str = "neo4j"
    password: str = "secret"
    source: str = "test"


class Neo4jCounter:
    """A provider that counts how often a server is started and stopped."""

    def __init__(self) -> None:
        self.started = 0
        self.stopped = 0

    @contextmanager
    def __call__(self) -> Iterator[Endpoint]:
        self.started += 1
        try:
            yield Endpoint()
        finally:
            self.stopped += 1


class FakeGroup:
    def __init__(self, name: str, *, fail: bool = False, neo4j: bool = False) -> None:
        self.NAME = name
        self.fail = fail
        self.neo4j = neo4j

    def run(self, ctx: BenchContext) -> list[Figure]:
        if self.neo4j:
            ctx.neo4j()
        if self.fail:
            raise RuntimeError(f"{self.NAME} broke")
        return [Figure(group=self.NAME, name="x", value=1.0, unit="count", direction="higher")]


def loaders(*groups: FakeGroup) -> dict[str, GroupLoader]:
    return {g.NAME: partial(lambda group: group, g) for g in groups}


def test_a_failing_group_is_recorded_and_the_others_still_run(tmp_path: Path) -> None:
    report = run_bench(
        loaders(FakeGroup("a"), FakeGroup("b", fail=True), FakeGroup("c")),
        mode="quick",
        eval_data=tmp_path,
        out_dir=tmp_path,
        neo4j_provider=Neo4jCounter(),
    )
    assert [(g.name, g.error) for g in report.groups] == [
        ("a", None),
        ("b", "RuntimeError: b broke"),
        ("c", None),
    ]
    assert [f.group for f in report.figures] == ["a", "c"]


def test_figures_must_carry_their_group_name(tmp_path: Path) -> None:
    class Mislabelled(FakeGroup):
        def run(self, ctx: BenchContext) -> list[Figure]:
            return [Figure(group="other", name="x", value=1.0, unit="s", direction="lower")]

    report = run_bench(
        loaders(Mislabelled("a")),
        mode="full",
        eval_data=tmp_path,
        out_dir=tmp_path,
    )
    assert report.groups[0].error is not None
    assert "other" in report.groups[0].error


def test_neo4j_starts_once_on_demand_and_stops_at_the_end(tmp_path: Path) -> None:
    counter = Neo4jCounter()
    groups = loaders(FakeGroup("a"), FakeGroup("b", neo4j=True), FakeGroup("c", neo4j=True))
    run_bench(groups, mode="quick", eval_data=tmp_path, out_dir=tmp_path, neo4j_provider=counter)
    assert (counter.started, counter.stopped) == (1, 1)


def test_neo4j_is_not_started_when_no_group_needs_it(tmp_path: Path) -> None:
    counter = Neo4jCounter()
    run_bench(
        loaders(FakeGroup("a")),
        mode="quick",
        eval_data=tmp_path,
        out_dir=tmp_path,
        neo4j_provider=counter,
    )
    assert counter.started == 0


def test_a_broken_neo4j_fails_each_group_that_asks_without_retrying(tmp_path: Path) -> None:
    calls = []

    def broken() -> AbstractContextManager[Endpoint]:
        calls.append(1)
        raise OSError("port 7687 refused")

    report = run_bench(
        loaders(FakeGroup("a", neo4j=True), FakeGroup("b", neo4j=True), FakeGroup("c")),
        mode="quick",
        eval_data=tmp_path,
        out_dir=tmp_path,
        neo4j_provider=broken,
    )
    assert len(calls) == 1
    assert [g.ok for g in report.groups] == [False, False, True]
    assert "port 7687 refused" in (report.groups[1].error or "")


def test_main_writes_the_report_prints_it_and_exits_1_on_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    groups = loaders(FakeGroup("a"), FakeGroup("b", fail=True))
    status = main(["--full", "--out", str(out), "--eval-data", str(tmp_path)], groups=groups)

    assert status == 1
    (json_file,) = out.glob("*.json")
    (markdown_file,) = out.glob("*.md")
    assert json_file.stem == markdown_file.stem
    data = json.loads(json_file.read_text(encoding="utf-8"))
    assert data["mode"] == "full"
    assert [g["name"] for g in data["groups"]] == ["a", "b"]
    assert capsys.readouterr().out.strip() == markdown_file.read_text(encoding="utf-8").strip()


def test_main_only_runs_the_selected_groups_and_exits_0(tmp_path: Path) -> None:
    groups = loaders(FakeGroup("a"), FakeGroup("b", fail=True))
    status = main(["--only", "a", "--out", str(tmp_path)], groups=groups)
    assert status == 0
    (json_file,) = tmp_path.glob("*.json")
    assert [g["name"] for g in json.loads(json_file.read_text())["groups"]] == ["a"]


def test_unknown_group_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--only", "nope", "--out", str(tmp_path)], groups=loaders(FakeGroup("a")))
    assert caught.value.code == 2


def test_list_names_the_registered_groups(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    listed = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(registered_groups())
    assert "qa_bm25" in listed


def test_registered_modules_declare_their_own_name() -> None:
    declared = [load_group(path).NAME for path in GROUP_MODULES]
    assert declared == [path.rsplit(".", 1)[-1] for path in GROUP_MODULES]


def test_a_module_with_the_wrong_name_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "wrongly_named.py").write_text(
        'NAME = "something_else"\n\ndef run(ctx):\n    return []\n', encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(BenchError, match="must set NAME = 'wrongly_named'"):
        load_group("wrongly_named")
