"""A real Neo4j 5.26 for tests, CI and benchmarks, with or without a Docker engine.

:func:`provide_neo4j` picks the first source that works, in this order:

1. ``KAG_NEO4J_URI`` (with ``KAG_NEO4J_USER``, default ``neo4j``, and ``KAG_NEO4J_PASSWORD``,
   empty meaning no auth): a server somebody already runs.
2. A ``neo4j:5.26-community`` container through testcontainers, when a Docker engine answers.
3. :class:`LaunchedNeo4j`: the Maven-built launcher in ``tools/neo4j`` (needs ``java`` 17+, and
   ``mvn`` while the launcher is not built), on a temporary data directory.

Otherwise it raises :class:`Neo4jUnavailable`, which says what was tried and what to install or set.
A source that was chosen but failed raises :class:`Neo4jStartError` instead: that is a fault to
fix, not a reason to skip.

Run as ``python -m kag.testing.neo4j_server up|down|status [--dir .neo4j] [--port 7687]`` to keep
a launcher running in the background across commands (``make neo4j-up`` / ``make neo4j-down``).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib
import importlib.util
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self

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


def wait_until_answers(endpoint: Neo4jEndpoint, timeout_s: float = 60.0) -> None:
    """Wait until ``RETURN 1`` succeeds on ``endpoint``.

    Raises:
        Neo4jStartError: no answer within ``timeout_s``, or the credentials were refused.
    """
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

    deadline = time.monotonic() + timeout_s
    with GraphDatabase.driver(endpoint.uri, auth=endpoint.auth, connection_timeout=5.0) as driver:
        while True:
            try:
                # session.run, not execute_query: the latter retries for 30 s on its own.
                with driver.session() as session:
                    session.run("RETURN 1 AS ok").consume()
                return
            except AuthError as e:
                raise Neo4jStartError(
                    f"Neo4j at {endpoint.uri} refused user {endpoint.user!r}: {e.message}; "
                    "check KAG_NEO4J_USER / KAG_NEO4J_PASSWORD"
                ) from e
            except (ServiceUnavailable, SessionExpired) as e:
                if time.monotonic() > deadline:
                    raise Neo4jStartError(
                        f"Neo4j at {endpoint.uri} ({endpoint.source}) did not answer RETURN 1 "
                        f"within {timeout_s:.0f} s: {e}"
                    ) from e
                time.sleep(0.5)


def docker_engine_problem(timeout_s: float = 2.0) -> str | None:
    """``None`` when a Docker engine answers ``GET /_ping`` within ``timeout_s``, else why not.

    Plain ``unix://`` and ``tcp://`` hosts are pinged with the standard library: the docker SDK
    leaks its socket when the connection fails, which ``filterwarnings = error`` turns into test
    failures. TLS, ssh and other hosts go through the docker SDK.
    """
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            path = host.removeprefix("unix://")
            if not Path(path).exists():
                return f"no Docker engine (no socket at {path})"
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout_s)
                sock.connect(path)
                sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
                status = sock.recv(64).split(b"\r\n", 1)[0].decode(errors="replace")
        elif host.startswith("tcp://") and not os.environ.get("DOCKER_TLS_VERIFY"):
            address = urllib.parse.urlsplit(host)
            connection = http.client.HTTPConnection(
                address.hostname or "localhost", address.port or 2375, timeout=timeout_s
            )
            try:
                connection.request("GET", "/_ping")
                status = f"HTTP {connection.getresponse().status}"
            finally:
                connection.close()
        else:
            return _docker_sdk_problem(timeout_s)
    except OSError as e:
        return f"no Docker engine answered at {host} ({type(e).__name__}: {e})"
    if " 200" not in status:
        return f"the Docker engine at {host} answered the ping with {status!r}"
    return None


def _docker_sdk_problem(timeout_s: float) -> str | None:
    try:
        docker: Any = importlib.import_module("docker")
    except ImportError:
        return "the docker Python package is not installed (pip install -e '.[dev]')"
    try:
        client = docker.from_env(timeout=timeout_s)
        try:
            client.ping()
        finally:
            client.close()
    except (docker.errors.DockerException, OSError) as e:
        # requests' errors are OSErrors; DockerException covers "cannot connect" and API errors.
        return f"no Docker engine answered ({type(e).__name__}: {_first_line(str(e))})"
    return None


def launcher_problem(project_dir: Path | None = None) -> str | None:
    """``None`` when the Maven launcher can run here, else why not."""
    project = project_dir or launcher_project_dir()
    if shutil.which("java") is None:
        return "java is not on PATH"
    if not (project / "pom.xml").is_file():
        return f"the launcher project {project} is missing (installed without the repository?)"
    if shutil.which("mvn") is None and not launcher_is_built(project):
        return f"mvn is not on PATH and the launcher in {project} is not built"
    return None


def choose_neo4j_source() -> Source:
    """The first available source in the documented order; starts nothing.

    Raises:
        Neo4jUnavailable: none is available; the reason lists each one tried and how to fix it.
    """
    if os.environ.get("KAG_NEO4J_URI", "").strip():
        return "env"
    tried = ["KAG_NEO4J_URI is not set"]
    docker_problem = docker_engine_problem()
    if docker_problem is None and importlib.util.find_spec("testcontainers") is None:
        docker_problem = "a Docker engine answered but testcontainers is not installed"
    if docker_problem is None:
        return "testcontainers"
    tried.append(docker_problem)
    problem = launcher_problem()
    if problem is None:
        return "launcher"
    tried.append(problem)
    raise Neo4jUnavailable("no Neo4j available: " + "; ".join(tried) + f". To fix: {_INSTALL_HINT}")


@contextlib.contextmanager
def provide_neo4j(
    ready_timeout_s: float = DEFAULT_READY_TIMEOUT_S,
    answer_timeout_s: float = 60.0,
    pagecache: str = "64m",
) -> Iterator[Neo4jEndpoint]:
    """Yield a Neo4j that answers ``RETURN 1``; stop and clean up whatever was started.

    Args:
        ready_timeout_s: how long a container or launcher may take to start.
        answer_timeout_s: how long a server may take to answer ``RETURN 1`` once up.
        pagecache: page cache of a server started here (small for tests; benchmarks give more).

    Raises:
        Neo4jUnavailable: no source is available; the reason lists each one tried.
        Neo4jStartError: a source was chosen but its server did not come up or answer.
    """
    source = choose_neo4j_source()
    if source == "env":
        endpoint = Neo4jEndpoint(
            uri=os.environ["KAG_NEO4J_URI"].strip(),
            user=os.environ.get("KAG_NEO4J_USER", "neo4j"),
            password=os.environ.get("KAG_NEO4J_PASSWORD", ""),
            source="env",
        )
        wait_until_answers(endpoint, timeout_s=answer_timeout_s)
        yield endpoint
        return
    started = _container if source == "testcontainers" else _launched
    with started(ready_timeout_s, pagecache) as endpoint:
        wait_until_answers(endpoint, timeout_s=answer_timeout_s)
        yield endpoint


@contextlib.contextmanager
def _container(ready_timeout_s: float, pagecache: str) -> Iterator[Neo4jEndpoint]:
    # testcontainers applies its own startup timeout instead: TC_MAX_TRIES x TC_POOLING_INTERVAL
    # (120 x 1 s by default).
    del ready_timeout_s
    from testcontainers.community.neo4j import Neo4jContainer

    password = secrets.token_urlsafe(16)  # Neo4j 5 wants at least 8 characters
    container = (
        Neo4jContainer(CONTAINER_IMAGE, password=password)
        .with_env("NEO4J_server_memory_pagecache_size", pagecache)
        .with_env("NEO4J_server_memory_heap_initial__size", "512m")
        .with_env("NEO4J_server_memory_heap_max__size", "1g")
    )
    with container:
        endpoint = Neo4jEndpoint(
            uri=container.get_connection_url(),
            user="neo4j",
            password=password,
            source="testcontainers",
        )
        yield endpoint


@contextlib.contextmanager
def _launched(ready_timeout_s: float, pagecache: str) -> Iterator[Neo4jEndpoint]:
    workdir = Path(tempfile.mkdtemp(prefix="kag-neo4j-"))
    try:
        with LaunchedNeo4j(
            workdir / "data", ready_timeout_s=ready_timeout_s, pagecache=pagecache
        ) as server:
            yield Neo4jEndpoint(uri=server.uri, user="neo4j", password="", source="launcher")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- the background server behind `make neo4j-up` / `make neo4j-down` -------------------------


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


@dataclass(frozen=True, slots=True)
class _StateFiles:
    directory: Path

    @property
    def pid(self) -> Path:
        return self.directory / "neo4j.pid"

    @property
    def uri(self) -> Path:
        return self.directory / "uri"

    def running_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            pid = int(self.pid.read_text().strip())
            return pid if pid_is_launcher(pid) else None
        return None

    def clear(self) -> None:
        self.pid.unlink(missing_ok=True)
        self.uri.unlink(missing_ok=True)


def _cmd_up(args: argparse.Namespace) -> int:
    state = _StateFiles(Path(args.dir).resolve())
    pid = state.running_pid()
    if pid is not None:
        uri = state.uri.read_text().strip() if state.uri.exists() else "unknown URI"
        print(uri)
        print(f"Neo4j is already running (pid {pid}); stop it with 'down'", file=sys.stderr)
        return 0
    state.clear()
    state.directory.mkdir(parents=True, exist_ok=True)
    server = LaunchedNeo4j(
        state.directory / "data",
        port=args.port,
        pagecache=args.pagecache,
        ready_timeout_s=args.timeout or DEFAULT_READY_TIMEOUT_S,
        log_path=state.directory / "neo4j.log",
        detached=True,
    )
    try:
        server.start()
    except (Neo4jUnavailable, Neo4jStartError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    state.pid.write_text(f"{server.pid}\n")
    state.uri.write_text(f"{server.uri}\n")
    print(server.uri)
    built = f", launcher built in {server.build_seconds:.1f} s" if server.build_seconds > 1 else ""
    print(
        f"Neo4j ready in {server.ready_seconds:.1f} s{built} "
        f"(pid {server.pid}, data {server.data_dir}, log {server.log_path})",
        file=sys.stderr,
    )
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    state = _StateFiles(Path(args.dir).resolve())
    pid = state.running_pid()
    if pid is None:
        state.clear()
        print(f"Neo4j is not running (no live launcher pid in {state.pid})")
        return 0
    began = time.monotonic()
    graceful = stop_pid(pid, timeout_s=args.timeout or DEFAULT_STOP_TIMEOUT_S)
    state.clear()
    how = "stopped" if graceful else "killed after SIGTERM timed out"
    print(f"Neo4j {how} (pid {pid}) in {time.monotonic() - began:.1f} s")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    state = _StateFiles(Path(args.dir).resolve())
    pid = state.running_pid()
    if pid is None:
        print("not running")
        return 3  # LSB status code for "not running"
    uri = state.uri.read_text().strip() if state.uri.exists() else "unknown URI"
    print(f"running (pid {pid}) {uri}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: ``up``, ``down`` or ``status`` of a background launcher."""
    parser = argparse.ArgumentParser(
        prog="python -m kag.testing.neo4j_server",
        description="Run a local Neo4j 5.26 (Maven-built launcher) in the background.",
    )
    parser.add_argument("command", choices=("up", "down", "status"))
    parser.add_argument("--dir", default=".neo4j", help="state directory (default .neo4j)")
    parser.add_argument("--port", type=int, default=7687, help="Bolt port, 0 = any (default 7687)")
    parser.add_argument("--pagecache", default="64m", help="page cache size (default 64m)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help=f"seconds to wait for READY (up, default {DEFAULT_READY_TIMEOUT_S:.0f}) "
        f"or for the exit before SIGKILL (down, default {DEFAULT_STOP_TIMEOUT_S:.0f})",
    )
    args = parser.parse_args(argv)
    commands = {"up": _cmd_up, "down": _cmd_down, "status": _cmd_status}
    return commands[args.command](args)


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(main())


def clear_database(endpoint: Neo4jEndpoint, batch: int = 20_000) -> None:
    """Delete every node and relationship (constraints and indexes stay), in batches."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(endpoint.uri, auth=endpoint.auth) as driver:
        while True:
            records, _, _ = driver.execute_query(
                "MATCH (n) WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted",
                batch=batch,
            )
            if records[0]["deleted"] == 0:
                return
