"""The registry of figure groups.

A group is a module here exposing ``NAME: str`` (equal to the module's own name) and
``run(ctx: BenchContext) -> list[Figure]``. Register a new group by adding its module path to
:data:`GROUP_MODULES`; the runner runs them in this order. Modules are imported only when their
group runs, so one group's missing dependency fails that group alone.
"""

from typing import Final, Protocol

from bench.context import BenchContext
from bench.report import Figure

GROUP_MODULES: Final[tuple[str, ...]] = (
    "bench.groups.store_writes",
    "bench.groups.qa_bm25",
    "bench.groups.ingestion",
    "bench.groups.extraction",
    "bench.groups.engine_golden",
    "bench.groups.engine_latency",
    "bench.groups.qa_musique",
    "bench.groups.api_load",
    "bench.groups.curation",
    "bench.groups.feedback_replay",
)


class Group(Protocol):
    """What the runner needs from a figure group module."""

    NAME: str

    def run(self, ctx: BenchContext) -> list[Figure]:
        """Measure the group's figures."""
        ...


def group_name(module_path: str) -> str:
    """The group name a registered module must declare as ``NAME``: its last path segment."""
    return module_path.rsplit(".", 1)[-1]
