"""The API state file: keys (hashed, revocable) and jobs (resumable), on a real SQLite file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kag.errors import Conflict, InvalidInput, NotFound
from kag.state import ItemStatus, JobStatus, JobStore, KeyStore, NewItem, Role, StateDB


@pytest.fixture
def db(tmp_path: Path) -> StateDB:
    state = StateDB(tmp_path / "state")
    yield state
    state.close()


def test_a_key_authenticates_until_revoked(db: StateDB) -> None:
    keys = KeyStore(db)
    issued = keys.create("ci bot", Role.EXPERT)
    assert issued.token.startswith(f"kag_{issued.key.id}_")
    assert keys.authenticate(issued.token) == issued.key
    assert keys.authenticate(issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B")) is None
    assert keys.authenticate("kag_" + "0" * 12 + "_" + "x" * 43) is None
    assert keys.authenticate("not a key") is None
    revoked = keys.revoke("ci bot")
    assert revoked.revoked_at is not None
    assert keys.authenticate(issued.token) is None
    assert keys.list() == []
    assert [k.id for k in keys.list(include_revoked=True)] == [issued.key.id]
    with pytest.raises(NotFound, match="ci bot"):
        keys.revoke("ci bot")


def test_only_a_salted_hash_is_stored(db: StateDB) -> None:
    keys = KeyStore(db)
    first = keys.create("a", Role.ANALYST)
    second = keys.create("b", Role.ANALYST)
    rows = {r["id"]: dict(r) for r in db.query("SELECT * FROM api_keys")}
    for issued in (first, second):
        secret = issued.token.split("_", 2)[2]
        row = rows[issued.key.id]
        assert secret not in str(row)
        assert (
            row["hash"] == hashlib.sha256(bytes.fromhex(row["salt"]) + secret.encode()).hexdigest()
        )
    assert rows[first.key.id]["salt"] != rows[second.key.id]["salt"]


def test_names_are_checked_and_unique_among_active_keys(db: StateDB) -> None:
    keys = KeyStore(db)
    keys.create("ops", Role.ADMIN)
    with pytest.raises(Conflict, match="ops"):
        keys.create("ops", Role.ANALYST)
    keys.revoke("ops")
    keys.create("ops", Role.ANALYST)  # the name is free again
    for bad in ("", " lead", "x" * 81, "a;DROP TABLE api_keys"):
        with pytest.raises(InvalidInput):
            keys.create(bad, Role.ANALYST)


def test_roles_include_each_other() -> None:
    assert Role.ADMIN.allows(Role.EXPERT)
    assert Role.EXPERT.allows(Role.ANALYST)
    assert not Role.ANALYST.allows(Role.EXPERT)
    assert not Role.EXPERT.allows(Role.ADMIN)


def _job(jobs: JobStore, n: int = 3) -> str:
    job_id = jobs.new_id()
    folder = jobs.input_dir(job_id)
    items = []
    for i in range(n):
        path = folder / f"{i}.txt"
        path.write_text(f"text {i}")
        items.append(NewItem(name=f"d{i}.txt", path=path, size=6, meta={"source": f"d{i}.txt"}))
    jobs.create(job_id, "ingest", "key1", items)
    return job_id


def test_a_job_interrupted_mid_run_resumes_with_what_is_left(db: StateDB) -> None:
    jobs = JobStore(db)
    job_id = _job(jobs)
    claimed = jobs.claim_next()
    assert claimed is not None
    assert (claimed.id, claimed.status, claimed.attempts) == (job_id, JobStatus.RUNNING, 1)
    jobs.record_item(job_id, 0, ItemStatus.DONE, result={"status": "ingested"})
    assert jobs.claim_next() is None  # nothing else is queued

    # The process dies here; the next one starts:
    assert jobs.requeue_interrupted() == [job_id]
    again = jobs.claim_next()
    assert again is not None
    assert again.attempts == 2
    assert [i.status for i in again.items] == [
        ItemStatus.DONE,
        ItemStatus.PENDING,
        ItemStatus.PENDING,
    ]
    assert again.items[0].result == {"status": "ingested"}
    assert "interrupted" in (again.error or "")
    done = jobs.finish(job_id, JobStatus.SUCCEEDED)
    assert done.finished_at is not None
    assert not (jobs.uploads / job_id).exists()  # inputs go with the finished job


def test_inputs_without_a_job_are_discarded_and_unknown_jobs_are_not_found(db: StateDB) -> None:
    jobs = JobStore(db)
    kept = _job(jobs, 1)
    orphan = jobs.new_id()
    (jobs.input_dir(orphan) / "0.txt").write_text("x")
    assert jobs.discard_orphan_inputs() == [orphan]
    assert (jobs.uploads / kept).is_dir()
    with pytest.raises(NotFound, match="job_0"):
        jobs.get("job_0")
    assert [j.id for j in jobs.recent()] == [kept]
