"""The Maven-built Neo4j 5.26 launcher (``tools/neo4j``): build it, start it, stop it."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Final, Literal, Self

from kag.errors import KagError, StoreUnavailable

logger = logging.getLogger(__name__)

LAUNCHER_MAIN: Final = "dev.kag.neo4j.Launcher"
CONTAINER_IMAGE: Final = "neo4j:5.26-community"
DEFAULT_READY_TIMEOUT_S: Final = 180.0
DEFAULT_STOP_TIMEOUT_S: Final = 60.0

#: JVM flags for Neo4j 5.26 on Java 17. The three ``--add-opens`` and ``--enable-native-access``
#: are the ones Neo4j's own neo4j.conf ships: without ``java.nio`` the page cache falls back to a
#: slower buffer mode, without ``java.io``/``sun.nio.ch`` the transaction-log fadvise calls fail
#: ("Incorrect file descriptor" warnings). The heap is explicit because the default is a quarter
#: of the RAM; the page cache is set by the launcher (its default would be half the RAM).
JVM_FLAGS: Final[tuple[str, ...]] = (
    "-Xms512m",
    "-Xmx1g",
    "-XX:+UseParallelGC",
    "-XX:-OmitStackTraceInFastThrow",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
)

#: Where a Neo4j came from, in the order :func:`provide_neo4j` tries them.
Source = Literal["env", "testcontainers", "launcher"]

_READY_LINE: Final = re.compile(r"^READY (bolt://\S+)$", re.MULTILINE)
_STOPPED_LINE: Final = re.compile(r"^STOPPED$", re.MULTILINE)
_BUILD_STAMP: Final = ".kag-build-stamp"
_INSTALL_HINT: Final = (
    "install a JDK 17+ and Maven (Debian: apt-get install openjdk-17-jdk-headless maven), "
    "start a Docker engine, or set KAG_NEO4J_URI=bolt://HOST:7687 to use a running server"
)


class Neo4jUnavailable(KagError):
    """No way to get a Neo4j server here; ``reason`` says what was tried and what to install."""

    code = "neo4j-unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Neo4jStartError(StoreUnavailable):
    """A Neo4j source was chosen but did not come up (build failed, crashed, timed out, ...)."""

    code = "neo4j-start-error"


@dataclass(frozen=True, slots=True)
class Neo4jEndpoint:
    """Where a ready Neo4j answers, and which source provided it."""

    uri: str
    user: str
    password: str = field(repr=False)
    source: Source

    @property
    def auth(self) -> tuple[str, str] | None:
        """Driver auth: ``None`` when the password is empty (server runs without auth)."""
        return (self.user, self.password) if self.password else None


def repo_root() -> Path:
    """The checkout this module lives in (``tools/neo4j`` is found relative to it)."""
    return Path(__file__).resolve().parents[2]


def launcher_project_dir() -> Path:
    """The Maven project of the launcher: ``$KAG_NEO4J_LAUNCHER_DIR`` or ``<repo>/tools/neo4j``."""
    configured = os.environ.get("KAG_NEO4J_LAUNCHER_DIR")
    return Path(configured) if configured else repo_root() / "tools" / "neo4j"


def launcher_is_built(project_dir: Path) -> bool:
    """True when target/classes and target/lib exist and are newer than the pom and sources."""
    target = project_dir / "target"
    stamp = target / _BUILD_STAMP
    lib = target / "lib"
    if not (stamp.is_file() and (target / "classes").is_dir() and lib.is_dir()):
        return False
    if not any(lib.glob("*.jar")):
        return False
    inputs = [
        project_dir / "pom.xml",
        *(p for p in (project_dir / "src").rglob("*") if p.is_file()),
    ]
    built_at = stamp.stat().st_mtime
    return all(p.stat().st_mtime <= built_at for p in inputs)


def build_launcher(project_dir: Path, *, force: bool = False) -> bool:
    """Build the launcher with Maven unless it is up to date; returns whether it built.

    A file lock keeps parallel test workers from building into the same target/ at once.

    Raises:
        Neo4jUnavailable: ``mvn`` is not on PATH and a build is needed.
        Neo4jStartError: the Maven build failed (the message ends with Maven's output).
    """
    import fcntl  # Unix only, like the launcher's signal handling

    if not (project_dir / "pom.xml").is_file():
        raise Neo4jUnavailable(
            f"the launcher project {project_dir} has no pom.xml; {_INSTALL_HINT}"
        )
    target = project_dir / "target"
    target.mkdir(exist_ok=True)
    with (target / ".kag-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and launcher_is_built(project_dir):
            return False
        mvn = shutil.which("mvn")
        if mvn is None:
            raise Neo4jUnavailable(
                f"the launcher in {project_dir} is not built and mvn is not on PATH"
            )
        command = [mvn, "-B", "-q", "-f", str(project_dir / "pom.xml"), "package", "-DskipTests"]
        logger.info("building the Neo4j launcher: %s", " ".join(command))
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            output = _tail(done.stdout + done.stderr, 40)
            raise Neo4jStartError(
                f"building the Neo4j launcher failed (mvn exit {done.returncode}); "
                f"Maven needs Maven Central or a filled ~/.m2. Output:\n{output}"
            )
        (target / _BUILD_STAMP).touch()
        return True


class LaunchedNeo4j:
    """A Neo4j launcher process on one data directory.

    ``start()`` builds the launcher if needed, starts it in a new session with its output appended
    to ``log_path`` (default ``<data_dir parent>/neo4j.log``) and waits for its ``READY`` line.
    ``stop()`` sends SIGTERM to that pid only, waits, and sends SIGKILL after a timeout.

    Unless ``detached``, the JVM's stdin is a pipe from this process and the launcher shuts down
    cleanly when it closes, so a test run that is killed does not leave a JVM behind. ``detached``
    servers (the ``up`` command) outlive this process and must be stopped by pid.

    Example:
        >>> with LaunchedNeo4j(tmp_path / "data") as neo4j:  # doctest: +SKIP
        ...     driver = GraphDatabase.driver(neo4j.uri, auth=None)
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int = 0,
        listen: str = "127.0.0.1",
        pagecache: str = "64m",
        ready_timeout_s: float = DEFAULT_READY_TIMEOUT_S,
        log_path: Path | None = None,
        project_dir: Path | None = None,
        extra_jvm_flags: Sequence[str] = (),
        detached: bool = False,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.listen = listen
        self.pagecache = pagecache
        self.ready_timeout_s = ready_timeout_s
        self.log_path = (log_path or self.data_dir.parent / "neo4j.log").resolve()
        self.project_dir = (project_dir or launcher_project_dir()).resolve()
        self.extra_jvm_flags = tuple(extra_jvm_flags)
        self.detached = detached
        self.build_seconds = 0.0
        self.ready_seconds = 0.0
        self.returncode: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._uri: str | None = None
        self._log_offset = 0

    @property
    def uri(self) -> str:
        """The Bolt URI the launcher reported, e.g. ``bolt://127.0.0.1:41234``."""
        if self._uri is None:
            raise Neo4jStartError("the Neo4j launcher has not been started; call start() first")
        return self._uri

    @property
    def pid(self) -> int:
        """The JVM's process id."""
        if self._process is None:
            raise Neo4jStartError("the Neo4j launcher has not been started; call start() first")
        return self._process.pid

    def command(self) -> list[str]:
        """The full ``java`` command line, for logs and for running it by hand."""
        java = shutil.which("java")
        if java is None:
            raise Neo4jUnavailable(f"java is not on PATH; {_INSTALL_HINT}")
        target = self.project_dir / "target"
        classpath = f"{target / 'classes'}{os.pathsep}{target / 'lib' / '*'}"
        return [
            java,
            *JVM_FLAGS,
            *self.extra_jvm_flags,
            "-cp",
            classpath,
            LAUNCHER_MAIN,
            "--data",
            str(self.data_dir),
            "--port",
            str(self.port),
            "--listen",
            self.listen,
            "--pagecache",
            self.pagecache,
            *(() if self.detached else ("--watch-stdin",)),
        ]

    def start(self) -> Self:
        """Build if needed, start the JVM and wait for ``READY``.

        Raises:
            Neo4jUnavailable: java (or, for a needed build, mvn) is missing.
            Neo4jStartError: the build failed, or the launcher exited or timed out before READY.
        """
        if self._process is not None:
            raise Neo4jStartError(f"this launcher already runs as pid {self._process.pid}")
        command = self.command()
        began = time.monotonic()
        build_launcher(self.project_dir)
        self.build_seconds = time.monotonic() - began
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._log_offset = log.tell()
            began = time.monotonic()
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL if self.detached else subprocess.PIPE,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        logger.info("started the Neo4j launcher", extra={"pid": self._process.pid})
        try:
            self._uri = self._wait_ready(self._process)
        except BaseException:
            self.stop()  # also on Ctrl-C: never leave a JVM behind
            raise
        self.ready_seconds = time.monotonic() - began
        return self

    def _wait_ready(self, process: subprocess.Popen[bytes]) -> str:
        deadline = time.monotonic() + self.ready_timeout_s
        while True:
            ready = _READY_LINE.search(self.output())
            if ready:
                return ready.group(1)
            code = process.poll()
            if code is not None:
                self.returncode = code
                raise Neo4jStartError(
                    f"the Neo4j launcher exited with status {code} before it was ready; "
                    f"log {self.log_path}:\n{_tail(self.output(), 30)}"
                )
            if time.monotonic() > deadline:
                raise Neo4jStartError(
                    f"the Neo4j launcher was not ready within {self.ready_timeout_s:.0f} s and "
                    f"will be stopped; log {self.log_path}:\n{_tail(self.output(), 30)}"
                )
            time.sleep(0.1)

    def output(self) -> str:
        """What this run wrote to the log so far (stdout protocol lines and stderr)."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(self._log_offset)
                return log.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def stopped_cleanly(self) -> bool:
        """True after a stop in which the launcher printed ``STOPPED`` and exited with 0."""
        return self.returncode == 0 and _STOPPED_LINE.search(self.output()) is not None

    def stop(self, timeout_s: float = DEFAULT_STOP_TIMEOUT_S) -> int | None:
        """SIGTERM, wait up to ``timeout_s``, then SIGKILL. Returns the exit status.

        Harmless when not started or already stopped.
        """
        process = self._process
        if process is None:
            return self.returncode
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                logger.warning(
                    "the Neo4j launcher ignored SIGTERM for %.0f s; killing it",
                    timeout_s,
                    extra={"pid": process.pid},
                )
                process.kill()
                process.wait()
        if process.stdin is not None:
            process.stdin.close()
        self.returncode = process.returncode
        return self.returncode

    def __enter__(self) -> Self:
        return self.start() if self._process is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def pid_is_running(pid: int) -> bool:
    """True when ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        # The state letter follows the parenthesised command name; Z is a zombie.
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def pid_is_launcher(pid: int) -> bool:
    """True when ``pid`` runs the launcher (guards against a reused pid). Linux checks /proc."""
    if not pid_is_running(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return True  # no /proc (macOS): trust the pid file
    with contextlib.suppress(OSError):
        return LAUNCHER_MAIN in cmdline.read_bytes().decode(errors="replace")
    return False


def stop_pid(pid: int, timeout_s: float = DEFAULT_STOP_TIMEOUT_S) -> bool:
    """SIGTERM ``pid``, wait up to ``timeout_s``, then SIGKILL. True if SIGTERM sufficed."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while pid_is_running(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            return False
        time.sleep(0.1)
    return True


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
