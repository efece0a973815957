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

"""

from __future__ import annotations

import contextlib
import http.client
import importlib
import importlib.util
import logging
import os
import secrets
import shutil
import socket
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kag.testing.neo4j_launcher import (
    _INSTALL_HINT,
    CONTAINER_IMAGE,
    DEFAULT_READY_TIMEOUT_S,
    LaunchedNeo4j,
    Neo4jEndpoint,
    Neo4jStartError,
    Neo4jUnavailable,
    Source,
    _first_line,
    launcher_is_built,
    launcher_project_dir,
)

logger = logging.getLogger(__name__)


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
