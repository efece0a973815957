"""What a figure group gets from the runner: mode, paths, a scratch folder, and Neo4j on demand."""

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar, cast

from bench.errors import BenchError
from bench.report import Mode

_Value = TypeVar("_Value")


class Neo4jEndpoint(Protocol):
    """A running Neo4j server, as ``kag.testing.neo4j_server.provide_neo4j()`` yields it."""

    @property
    def uri(self) -> str:
        """Bolt URI."""
        ...

    @property
    def user(self) -> str:
        """User name."""
        ...

    @property
    def password(self) -> str:
        """Password."""
        ...

    @property
    def source(self) -> str:
        """Where the server comes from (an existing server, a container, a local binary...)."""
        ...


Neo4jProvider = Callable[[], AbstractContextManager[Neo4jEndpoint]]


def provide_kag_neo4j() -> AbstractContextManager[Neo4jEndpoint]:
    """The default Neo4j provider: ``kag.testing.neo4j_server.provide_neo4j()``.

    Imported on first use so that runs which need no Neo4j never touch it.
    """
    from kag.testing.neo4j_server import provide_neo4j

    # Benchmarks measure a server sized like a small deployment (the tests' server has 64m).
    return cast(AbstractContextManager[Neo4jEndpoint], provide_neo4j(pagecache="512m"))


@dataclass
class BenchContext:
    """The runner's state shared by the figure groups of one run.

    Attributes:
        mode: ``"quick"`` (seconds, for ``make bench`` on every change) or ``"full"``.
        eval_data: The evaluation data folder (``KAG_EVAL_DATA``); not checked to exist.
        out_dir: Where the report is written.
        scratch: A temporary folder removed at the end of the run.
        stack: Closes the scratch folder and any Neo4j server at the end of the run.
        neo4j_provider: Starts or finds a Neo4j server; called at most once per run.
    """

    mode: Mode
    eval_data: Path
    out_dir: Path
    scratch: Path
    stack: ExitStack = field(repr=False)
    neo4j_provider: Neo4jProvider = field(default=provide_kag_neo4j, repr=False)
    _neo4j: Neo4jEndpoint | None = field(default=None, init=False, repr=False)
    _neo4j_error: str | None = field(default=None, init=False, repr=False)
    _cache: dict[str, object] = field(default_factory=dict, init=False, repr=False)

    @property
    def quick(self) -> bool:
        """Whether this is a quick run."""
        return self.mode == "quick"

    def neo4j(self) -> Neo4jEndpoint:
        """Return a Neo4j endpoint, starting it on the first call; it stays up for the run.

        Raises:
            BenchError: The provider failed, now or on an earlier call in this run (it is not
                retried, so one broken server fails each group that needs it quickly).
        """
        if self._neo4j is not None:
            return self._neo4j
        if self._neo4j_error is not None:
            raise BenchError(f"Neo4j is unavailable for this run: {self._neo4j_error}")
        try:
            self._neo4j = self.stack.enter_context(self.neo4j_provider())
        except Exception as e:
            self._neo4j_error = f"{type(e).__name__}: {e}"
            raise BenchError(f"Neo4j is unavailable for this run: {self._neo4j_error}") from e
        return self._neo4j

    def cached(self, key: str, build: Callable[[], _Value]) -> _Value:
        """Build a value once per run and share it between groups (e.g. a baseline index).

        Args:
            key: A name unique across groups, conventionally ``"<group>.<thing>"``.
            build: Called on the first request for ``key``.
        """
        if key not in self._cache:
            self._cache[key] = build()
        return cast(_Value, self._cache[key])
