"""Ingestion jobs: status with progress and per-document outcomes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam

from api.deps import AdminDep, RuntimeDep
from api.schemas.documents import JOB_ID_PATTERN, JobPublic, JobQuery, JobSummaryPublic
from api.schemas.problem import AUTH_ERRORS, problem_responses

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("", summary="Recent jobs", responses=problem_responses(*AUTH_ERRORS, 422))
def list_jobs(
    key: AdminDep, runtime: RuntimeDep, query: Annotated[JobQuery, Query()]
) -> list[JobSummaryPublic]:
    """Jobs, newest first, with their progress."""
    jobs = runtime.jobs.recent(limit=query.limit, offset=query.offset)
    return [JobSummaryPublic.of(j) for j in jobs]


@router.get(
    "/{job_id}", summary="A job's status", responses=problem_responses(*AUTH_ERRORS, 404, 422)
)
def get_job(
    key: AdminDep,
    runtime: RuntimeDep,
    job_id: Annotated[str, PathParam(pattern=JOB_ID_PATTERN)],
) -> JobPublic:
    """Status, attempts, progress and each document's outcome."""
    return JobPublic.of(runtime.jobs.get(job_id))
