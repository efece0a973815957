"""Fault: the API process is killed (SIGKILL) in the middle of an ingestion job and started
again. The job resumes by itself; afterwards the graph holds every document exactly once and is
the same graph an uninterrupted ingestion builds, and the job's status tells what happened."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from ingestion.loaders import load_file
from ingestion.pipeline import IngestionPipeline
from kag.samples.corpus import corpus_dir, document_paths
from kag.settings import IngestionSettings, Settings
from kag.state import Role
from kag.store import open_store
from tests.e2e.api.conftest import api_settings
from tests.e2e.api.test_documents import wait_for_job
from tests.support.api_server import ApiProcess, issue_keys, settings_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

COPIES = 2  # every sample document twice (as different documents): a longer job


def make_documents(folder: Path) -> list[Path]:
    """Distinct documents: each sample once per copy, with a line that makes it unique."""
    folder.mkdir()
    paths = []
    for copy in range(COPIES):
        for name in document_paths():
            source = corpus_dir() / name
            target = folder / f"c{copy}-{name.replace('/', '-')}"
            text = source.read_text(encoding="utf-8")
            if target.suffix == ".html":
                text = text.replace("</body>", f"<p>Copy {copy} of the brief.</p></body>")
            else:
                text += f"\n\nCopy {copy} of the brief.\n"
            target.write_text(text, encoding="utf-8")
            paths.append(target)
    return paths


def job_row(state_dir: Path, job_id: str) -> tuple[str, int]:
    """(status, attempts) straight from the state file."""
    with sqlite3.connect(state_dir / "state.db") as conn:
        status, attempts = conn.execute(
            "SELECT status, attempts FROM jobs WHERE id = ?", (job_id,)
        ).fetchone()
    return str(status), int(attempts)


def test_sigkill_mid_job_then_restart(store_settings: Settings, tmp_path: Path) -> None:
    # One document per batch, so outcomes are committed one by one and the kill lands mid-job.
    settings = api_settings(store_settings, tmp_path / "state").model_copy(
        update={"ingestion": IngestionSettings(documents_per_batch=1)}
    )
    paths = make_documents(tmp_path / "docs")
    token = issue_keys(settings)[Role.ADMIN]
    env = {**settings_env(settings), "KAG_INGESTION__DOCUMENTS_PER_BATCH": "1"}
    headers = {"Authorization": f"Bearer {token}"}
    log = tmp_path / "api.log"

    first = ApiProcess(env, log).start()
    try:
        files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
        queued = httpx.post(f"{first.url}/v1/documents", files=files, headers=headers, timeout=60)
        assert queued.status_code == 202, queued.text
        job_id = queued.json()["id"]
        deadline = time.monotonic() + 300
        while True:
            progress = httpx.get(
                f"{first.url}/v1/jobs/{job_id}", headers=headers, timeout=30
            ).json()["progress"]
            if progress["done"] >= 3:
                break
            assert time.monotonic() < deadline, f"no progress: {progress}"
            time.sleep(0.05)
        first.kill()
    finally:
        first.kill()
    status, attempts = job_row(settings.api.state_dir, job_id)
    assert (status, attempts) == ("running", 1), "the kill must land while the job runs"
    assert progress["pending"] > 0, "the kill must land before the last document"

    second = ApiProcess(env, log).start()
    try:
        with httpx.Client(base_url=second.url, headers=headers, timeout=60) as client:
            job = wait_for_job(client, f"/v1/jobs/{job_id}")
            documents = client.get("/v1/documents", params={"limit": 500}).json()
    finally:
        second.stop()

    total = len(paths)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2
    assert job["progress"] == {
        "total": total,
        "done": total,
        "skipped": 0,
        "failed": 0,
        "pending": 0,
    }
    assert {i["outcome"]["status"] for i in job["items"]} <= {"ingested", "unchanged"}
    assert documents["total"] == total
    assert sorted(d["source"] for d in documents["items"]) == sorted(p.name for p in paths)
    assert all(d["version"] == 1 for d in documents["items"]), "no document written twice"
    assert not any((settings.api.state_dir / "uploads").iterdir()), "inputs are cleaned up"

    # The same documents ingested without interruption into a fresh store: the same graph.
    reference = Settings(
        store=f"embedded:{tmp_path / 'reference.db'}",
        ingestion=IngestionSettings(documents_per_batch=1),
    )
    crashed = open_store(settings)
    fresh = open_store(reference)
    try:
        limit = reference.ingestion.max_file_bytes
        IngestionPipeline(fresh, reference).ingest_documents(
            load_file(p, max_bytes=limit, source=p.name) for p in paths
        )
        got, want = crashed.counts(), fresh.counts()
        assert got.nodes == want.nodes
        assert got.relationships == want.relationships
        assert got.statuses == want.statuses
    finally:
        crashed.close()
        fresh.close()
