"""Crash in the middle of a write, reopen: everything committed is there, nothing half-written.

Both backends are really killed (SIGKILL), not closed politely.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from graph_schema import Label, stable_id
from kag.errors import KagError
from kag.settings import Neo4jSettings, Settings
from kag.store import WriteBatch, open_store
from kag.testing.neo4j_server import LaunchedNeo4j, launcher_problem
from tests.support.builders import entity, relation

CRASHING_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from kag.settings import Settings
    from kag.store import WriteBatch, open_store
    from tests.support.builders import entity, relation

    store = open_store(Settings(store="embedded:" + sys.argv[1]))
    first = [entity(f"Committed {i}") for i in range(50)]
    store.write(WriteBatch(entities=tuple(first)))
    second = [entity(f"Lost {i}") for i in range(5000)]
    rels = [relation(second[i], "COMPETES_WITH", second[i + 1]) for i in range(4999)]

    def crash(*args, **kwargs):  # rows are inserted, COMMIT has not run yet
        os.kill(os.getpid(), signal.SIGKILL)

    store._apply = crash
    store.write(WriteBatch(entities=tuple(second), assertions=tuple(rels)))
    print("not reached")
    """
)


def test_embedded_store_survives_a_kill_mid_transaction(tmp_path: Path) -> None:
    db = tmp_path / "graph.db"
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "not reached" not in done.stdout

    store = open_store(Settings(store=f"embedded:{db}"))
    try:
        counts = store.counts()
        assert counts.nodes == {"Entity": 50}
        assert counts.relationships == {}
        assert store.find_entities("Committed 7")[0].entity.name == "Committed 7"
        assert store.get_nodes([entity("Lost 1").id]) == []
        # and the store still takes writes after recovery
        store.write(WriteBatch(entities=(entity("After"),)))
        assert store.counts().nodes == {"Entity": 51}
    finally:
        store.close()


@pytest.mark.neo4j
@pytest.mark.slow
def test_neo4j_survives_a_kill_mid_transaction(tmp_path: Path) -> None:
    problem = launcher_problem()
    if problem is not None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI=true and the Neo4j launcher cannot run: {problem}")
        pytest.skip(f"the Neo4j launcher cannot run here: {problem}")
    data = tmp_path / "data"
    committed = [entity(f"Committed {i}") for i in range(50)]
    big = [entity(f"Big {i}") for i in range(60_000)]
    big_rels = tuple(relation(big[i], "COMPETES_WITH", big[i + 1]) for i in range(59_999))
    errors: list[BaseException] = []

    with LaunchedNeo4j(data) as server:
        settings = Settings(store=server.uri, neo4j=Neo4jSettings(write_batch_size=2000))
        store = open_store(settings)
        store.write(WriteBatch(entities=tuple(committed)))

        def big_write() -> None:
            try:
                store.write(WriteBatch(entities=tuple(big), assertions=big_rels))
            except KagError as exc:
                errors.append(exc)

        writer = threading.Thread(target=big_write)
        writer.start()
        # kill the server while the transaction is running (it takes several seconds)
        writer.join(timeout=3.0)
        assert writer.is_alive(), "the big write finished before the server could be killed"
        os.kill(server.pid, signal.SIGKILL)
        writer.join(timeout=120)
        store.close()
    assert errors, "the write into a killed server must fail with a KagError"

    with LaunchedNeo4j(data) as server:
        store = open_store(Settings(store=server.uri))
        try:
            counts = store.counts()
            assert counts.nodes == {"Entity": 50}, counts
            assert counts.relationships == {}
            assert store.get_nodes([stable_id(Label.ENTITY, "company", "committed 3")])
        finally:
            store.close()
    shutil.rmtree(data, ignore_errors=True)
