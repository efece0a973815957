"""Documents: upload (files or texts) as an ingestion job, list, get, delete."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from fastapi import Path as PathParam

from api.deps import AdminDep, AnalystDep, RuntimeDep, StoreDep
from api.ingest_runner import INGEST_JOB
from api.runtime import Runtime
from api.schemas.documents import (
    DOCUMENT_ID_PATTERN,
    DocumentListPublic,
    DocumentOutcomePublic,
    DocumentPublic,
    DocumentQuery,
    JobPublic,
    TextsRequest,
)
from api.schemas.problem import BODY_ERRORS, STORE_ERRORS, problem_responses
from api.uploads import save_files, save_texts
from ingestion.pipeline import IngestionPipeline
from kag.errors import InvalidInput, NotFound
from kag.state import ApiKey, NewItem

router = APIRouter(prefix="/documents", tags=["documents"])

DocumentIdPath = Annotated[str, PathParam(pattern=DOCUMENT_ID_PATTERN)]

_ACCEPTED = {
    "description": "The job was queued; follow it at the Location header",
    "headers": {
        "Location": {"description": "the job's URL", "schema": {"type": "string"}},
    },
}


def _queue(
    runtime: Runtime, key: ApiKey, response: Response, save: Callable[[Path], list[NewItem]]
) -> JobPublic:
    """Write the inputs, then record the job: a job never exists without its inputs."""
    jobs = runtime.jobs
    job_id = jobs.new_id()
    folder = jobs.input_dir(job_id)
    try:
        items = save(folder)
        job = jobs.create(job_id, INGEST_JOB, key.id, items)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    runtime.runner.submit()
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobPublic.of(job)


@router.post(
    "",
    summary="Upload files to ingest",
    status_code=status.HTTP_202_ACCEPTED,
    responses={202: _ACCEPTED, **problem_responses(*STORE_ERRORS, *BODY_ERRORS)},
)
def upload_files(
    key: AdminDep,
    runtime: RuntimeDep,
    response: Response,
    files: Annotated[
        list[UploadFile],
        File(description="text, Markdown, HTML or PDF files; each file name is its source"),
    ],
) -> JobPublic:
    """Queue an ingestion job for the uploaded files; follow it at ``/v1/jobs/{id}``."""
    limit = runtime.settings.api.max_upload_files
    if len(files) > limit:
        raise InvalidInput(
            f"{len(files)} files in one upload; at most {limit} (KAG_API__MAX_UPLOAD_FILES)"
        )
    runtime.store.get()  # refuse (503) now rather than queue behind a store that is down
    return _queue(
        runtime,
        key,
        response,
        lambda folder: save_files(folder, [(f.filename, f.file) for f in files]),
    )


@router.post(
    "/texts",
    summary="Send texts to ingest",
    status_code=status.HTTP_202_ACCEPTED,
    responses={202: _ACCEPTED, **problem_responses(*STORE_ERRORS, *BODY_ERRORS)},
)
def upload_texts(
    key: AdminDep, runtime: RuntimeDep, response: Response, body: TextsRequest
) -> JobPublic:
    """Queue an ingestion job for documents given as text."""
    runtime.store.get()
    return _queue(runtime, key, response, lambda folder: save_texts(folder, body.documents))


@router.get(
    "",
    summary="List documents",
    responses=problem_responses(*STORE_ERRORS, 422),
)
def list_documents(
    key: AnalystDep, store: StoreDep, query: Annotated[DocumentQuery, Query()]
) -> DocumentListPublic:
    """Documents ordered by source, with their current version and counts."""
    page = store.list_documents(offset=query.offset, limit=query.limit)
    return DocumentListPublic(
        total=page.total,
        offset=query.offset,
        limit=query.limit,
        items=[DocumentPublic.of(d) for d in page.items],
    )


@router.get(
    "/{document_id}",
    summary="A document",
    responses=problem_responses(*STORE_ERRORS, 404, 422),
)
def get_document(key: AnalystDep, store: StoreDep, document_id: DocumentIdPath) -> DocumentPublic:
    """The document's current version, chunk and assertion counts."""
    page = store.list_documents(ids=[document_id], limit=1)
    if not page.items:
        raise NotFound(f"no document has id {document_id!r}; GET /v1/documents lists them")
    return DocumentPublic.of(page.items[0])


@router.delete(
    "/{document_id}",
    summary="Delete a document",
    responses=problem_responses(*STORE_ERRORS, 404, 422),
)
def delete_document(
    key: AdminDep, runtime: RuntimeDep, store: StoreDep, document_id: DocumentIdPath
) -> DocumentOutcomePublic:
    """Retire the document: its evidence goes, and facts no other document states become
    ``superseded`` (kept for audit, not used for answers)."""
    page = store.list_documents(ids=[document_id], limit=1)
    if not page.items:
        raise NotFound(f"no document has id {document_id!r}; GET /v1/documents lists them")
    source = str(page.items[0].document.props["source"])
    report = IngestionPipeline(store, runtime.settings).delete([source])
    [outcome] = report.documents
    if outcome.status == "not found":
        raise NotFound(f"document {document_id!r} ({source!r}) is already deleted")
    return DocumentOutcomePublic.of(outcome.model_dump(mode="json"))
