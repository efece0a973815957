"""Engine test fixtures: the question pipeline, and engines over small real embedded graphs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kag.engine import Engine
from kag.engine.nlp import load_question_nlp
from kag.samples import gold_write_batches
from kag.settings import EngineSettings, Settings
from kag.store import GraphStore, open_store
from tests.support.engine_graph import write_engine_graph


@pytest.fixture(scope="session")
def nlp() -> Any:
    """The question pipeline (loaded once: about a second)."""
    return load_question_nlp(None, "fast")


def settings_for(path: Path, **engine: Any) -> Settings:
    """Embedded-store settings with engine overrides (answers not stored unless asked)."""
    engine.setdefault("store_answers", False)
    return Settings(store=f"embedded:{path}", engine=EngineSettings(**engine))


@pytest.fixture(scope="module")
def gold_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    """The sample corpus' gold graph in an embedded store (read-only for the tests)."""
    path = tmp_path_factory.mktemp("gold") / "graph.db"
    store = open_store(settings_for(path))
    for batch in gold_write_batches(store.schema):
        store.write(batch)
    yield store
    store.close()


@pytest.fixture
def gold_engine(gold_store: GraphStore, nlp: Any) -> Engine:
    """An engine without LLM over the gold graph."""
    return Engine(gold_store, settings_for(Path("unused.db")), nlp=nlp)


@pytest.fixture
def small_store(tmp_path: Path) -> Iterator[GraphStore]:
    """The engine test graph (tests/support/engine_graph.py) in a fresh embedded store."""
    store = open_store(settings_for(tmp_path / "graph.db"))
    write_engine_graph(store)
    yield store
    store.close()
