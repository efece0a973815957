"""Documents and ingestion jobs through the real HTTP stack on both backends: upload files or
texts, follow the job, list/get documents, re-upload (nothing changes), delete."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from kag.samples.corpus import corpus_dir
from kag.settings import Settings
from kag.state import Role
from tests.e2e.api.conftest import api_settings
from tests.e2e.api.test_auth import assert_problem
from tests.support.api_server import RunningApi, issue_keys, serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SAMPLES = [
    "profiles/corvane-robotics.md",
    "market/wms-market-2024.md",
    "profiles/orvik-sensors.txt",
]


def sample_files(names: list[str] = SAMPLES) -> list[tuple[str, tuple[str, bytes, str]]]:
    """Multipart ``files`` fields for sample documents (named by their base name)."""
    return [
        ("files", (Path(name).name, (corpus_dir() / name).read_bytes(), "application/octet-stream"))
        for name in names
    ]


def wait_for_job(client: httpx.Client, location: str, timeout_s: float = 300) -> dict[str, Any]:
    """Poll a job until it is finished; returns its last state."""
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = client.get(location).json()
        if job["status"] in {"succeeded", "partial", "failed"}:
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"job {location} not finished after {timeout_s:.0f} s: {job}")
        time.sleep(0.3)


def test_upload_follow_list_reupload_delete(api: RunningApi) -> None:
    with api.client(Role.ADMIN) as admin, api.client(Role.ANALYST) as analyst:
        queued = admin.post("/v1/documents", files=sample_files())
        assert queued.status_code == 202, queued.text
        location = queued.headers["location"]
        assert location == f"/v1/jobs/{queued.json()['id']}"
        assert queued.json()["progress"]["total"] == 3

        job = wait_for_job(admin, location)
        assert job["status"] == "succeeded", job
        assert job["attempts"] == 1
        assert job["progress"] == {"total": 3, "done": 3, "skipped": 0, "failed": 0, "pending": 0}
        outcomes = {i["name"]: i["outcome"] for i in job["items"]}
        assert set(outcomes) == {"corvane-robotics.md", "wms-market-2024.md", "orvik-sensors.txt"}
        assert all(o["status"] == "ingested" and o["chunks"] >= 1 for o in outcomes.values())

        listed = analyst.get("/v1/documents").json()
        assert listed["total"] == 3
        assert [d["source"] for d in listed["items"]] == sorted(outcomes)
        doc = analyst.get(f"/v1/documents/{outcomes['corvane-robotics.md']['document_id']}").json()
        assert doc["version"] == 1
        assert doc["deleted"] is False
        assert doc["chunks"] >= 1
        assert doc["assertions"] == outcomes["corvane-robotics.md"]["assertions"] > 0

        # The same files again: nothing changes.
        again = wait_for_job(
            admin, admin.post("/v1/documents", files=sample_files()).headers["location"]
        )
        assert again["status"] == "succeeded"
        assert {i["outcome"]["status"] for i in again["items"]} == {"unchanged"}
        assert analyst.get("/v1/documents").json() == listed

        # Delete one: its facts that no other document states are superseded.
        doc_id = doc["id"]
        deleted = admin.delete(f"/v1/documents/{doc_id}")
        assert deleted.status_code == 200, deleted.text
        assert deleted.json()["status"] == "deleted"
        after = analyst.get(f"/v1/documents/{doc_id}").json()
        assert after["deleted"] is True
        assert after["chunks"] == 0
        assert after["version"] == 2
        assert_problem(admin.delete(f"/v1/documents/{doc_id}"), 404, "not-found")
        assert_problem(analyst.delete(f"/v1/documents/{doc_id}"), 403, "forbidden")


def test_texts_with_a_bad_one_make_a_partial_job(api: RunningApi) -> None:
    texts = {
        "documents": [
            {
                "source": "notes/acme.md",
                "text": "Acme Corp competes with Globex in Europe.",
                "media_type": "text/markdown",
                "title": "Acme note",
            },
            {"source": "notes/blank.txt", "text": "   \n  "},
        ]
    }
    with api.client(Role.ADMIN) as admin:
        queued = admin.post("/v1/documents", json=texts)
        assert queued.status_code == 202, queued.text
        job = wait_for_job(admin, queued.headers["location"])
        listed = admin.get("/v1/documents").json()
    assert job["status"] == "partial"
    good, blank = job["items"]
    assert (good["status"], good["outcome"]["status"]) == ("done", "ingested")
    assert blank["status"] == "skipped"
    assert "empty" in blank["error"]
    assert [d["source"] for d in listed["items"]] == ["notes/acme.md"]
    assert listed["items"][0]["title"] == "Acme note"


def test_unusable_files_are_reported_per_file(api: RunningApi) -> None:
    files = [
        ("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream")),
        *sample_files([SAMPLES[0]]),
        ("files", ("empty.txt", b"", "text/plain")),
        ("files", ("latin1.txt", "Caf\xe9 cr\xe8me".encode("latin-1"), "text/plain")),
        *sample_files([SAMPLES[0]]),  # the same name twice: one document, the repeat skipped
    ]
    with api.client(Role.ADMIN) as admin:
        queued = admin.post("/v1/documents", files=files)
        assert queued.status_code == 202, queued.text
        job = wait_for_job(admin, queued.headers["location"])
        listed = admin.get("/v1/documents").json()
    assert job["status"] == "partial"
    assert job["progress"] == {"total": 5, "done": 1, "skipped": 4, "failed": 0, "pending": 0}
    exe, good, empty, latin1, repeat = job["items"]
    assert "unsupported file type '.exe'" in exe["error"]
    assert good["outcome"]["status"] == "ingested"
    assert empty["status"] == latin1["status"] == repeat["status"] == "skipped"
    assert "came twice" in repeat["error"]
    assert [d["source"] for d in listed["items"]] == ["corvane-robotics.md"]


def test_invalid_upload_requests_create_no_job(api: RunningApi, api_config: Settings) -> None:
    with api.client(Role.ADMIN) as admin:
        nothing = admin.post("/v1/documents", files=[])  # httpx sends no body at all
        plain = admin.post("/v1/documents", content=b"hi", headers={"content-type": "text/plain"})
        no_texts = admin.post("/v1/documents", json={"documents": []})
        unknown_field = admin.post(
            "/v1/documents", json={"documents": [{"source": "a", "text": "x", "lang": "en"}]}
        )
        control = admin.post("/v1/documents", json={"documents": [{"source": "a\nb", "text": "x"}]})
        extra_form = admin.post(
            "/v1/documents", files=sample_files([SAMPLES[0]]), data={"folder": "x"}
        )
        jobs = admin.get("/v1/jobs").json()
    for response in (no_texts, unknown_field, control, extra_form):
        assert_problem(response, 422, "validation-error")
    for response in (nothing, plain):
        detail = assert_problem(response, 415, "unsupported-media-type")["detail"]
        assert "multipart/form-data" in detail
    assert jobs == []
    uploads = api_config.api.state_dir / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_a_hostile_file_name_stays_a_name(api: RunningApi, api_config: Settings) -> None:
    with api.client(Role.ADMIN) as admin:
        files = [("files", ("../../../../tmp/evil name.md", b"# Evil\nAcme Corp competes.", "x/y"))]
        job = wait_for_job(admin, admin.post("/v1/documents", files=files).headers["location"])
    assert job["items"][0]["name"] == "evil name.md"
    assert job["items"][0]["outcome"]["source"] == "evil name.md"
    assert not Path("/tmp/evil name.md").exists()


def test_too_many_files(store_settings: Settings, tmp_path: Path) -> None:
    settings = api_settings(store_settings, tmp_path / "state", max_upload_files=2)
    tokens = issue_keys(settings)
    with serve(settings) as url, RunningApi(url, tokens).client(Role.ADMIN) as admin:
        three = admin.post("/v1/documents", files=sample_files())
        two = admin.post("/v1/documents", files=sample_files(SAMPLES[:2]))
        texts = admin.post(
            "/v1/documents",
            json={"documents": [{"source": f"t{i}", "text": "x"} for i in range(3)]},
        )
    problem = assert_problem(three, 422, "validation-error")
    assert "at most 2 files" in problem["errors"][0]["message"]
    assert two.status_code == 202
    assert texts.status_code == 202  # the limit is on files; texts have the request size limit


def test_upload_size_limit(store_settings: Settings, tmp_path: Path) -> None:
    settings = api_settings(store_settings, tmp_path / "state", max_upload_bytes=10_000)
    tokens = issue_keys(settings)
    with serve(settings) as url, RunningApi(url, tokens).client(Role.ADMIN) as admin:
        big = admin.post(
            "/v1/documents", files=[("files", ("big.txt", b"word " * 5_000, "text/plain"))]
        )
        small = admin.post(
            "/v1/documents", files=[("files", ("ok.txt", b"Acme competes.", "text/plain"))]
        )
    assert "10,000 bytes" in assert_problem(big, 413, "content-too-large")["detail"]
    assert small.status_code == 202
