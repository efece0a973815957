"""The feedback replay on the embedded store: the experiment's claims hold, and would fail if
feedback did nothing (touched answers are wrong before) or too much (the hostile analyst)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.data.injected_facts import INJECTED, injected_corpus
from bench.groups import feedback_replay
from kag.settings import EngineSettings, Settings
from kag.store import open_store

pytestmark = pytest.mark.slow


def _settings(path: Path) -> Settings:
    return Settings(store=f"embedded:{path}", engine=EngineSettings(store_answers=False))


def test_replay_fixes_touched_questions_and_leaves_untouched_ones(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "replay.db")
    store = open_store(settings)
    try:
        corpus = injected_corpus(store.schema, tmp_path)
        assert len(corpus.injected_ids) == len(INJECTED)
        for batch in corpus.batches:
            store.write(batch)
        result = feedback_replay.replay(store, settings, corpus)
    finally:
        store.close()
    touched = result.touched
    untouched = set(result.before) - touched
    assert touched
    assert sum(result.after[q] for q in touched) > sum(result.before[q] for q in touched)
    assert [q for q in untouched if result.before[q] != result.after[q]] == []
    assert result.injected_rejected == len(INJECTED)
    assert result.gold_rejected == 0


def test_hostile_analyst_changes_no_approved_fact(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "hostile.db")
    store = open_store(settings)
    try:
        corpus = injected_corpus(store.schema, tmp_path)
        for batch in corpus.batches:
            store.write(batch)
        result = feedback_replay.hostile(store, settings, corpus)
    finally:
        store.close()
    assert result.feedback > 0
    assert result.refused > 0
    assert result.approved_changed == 0
    assert result.newly_approved == 0
