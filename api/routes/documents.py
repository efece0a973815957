"""Documents: upload (files or texts) as an ingestion job, list, get, delete.

The upload route is added by :func:`build_router` (its schema carries the configured limits).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, BinaryIO

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response, status
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import AdminDep, AnalystDep, RuntimeDep, StoreDep
from api.errors import ApiProblem
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
from kag.errors import NotFound
from kag.settings import Settings
from kag.state import ApiKey, NewItem

router = APIRouter(prefix="/documents", tags=["documents"])

_UPLOAD_ERRORS = problem_responses(*STORE_ERRORS, *BODY_ERRORS, 415)

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


def _upload_body(max_files: int) -> dict[str, Any]:
    """The OpenAPI request body of an upload: files (multipart) or texts (JSON)."""
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": max_files,
                            "items": {
                                "type": "string",
                                "contentMediaType": "application/octet-stream",
                            },
                            "description": "text, Markdown, HTML or PDF files; each file's "
                            "name is its document's source",
                        }
                    },
                }
            },
            "application/json": {"schema": {"$ref": "#/components/schemas/TextsRequest"}},
        },
    }


def _invalid(errors: list[Any]) -> RequestValidationError:
    return RequestValidationError([{**e, "loc": ("body", *e.get("loc", ()))} for e in errors])


def _files(form: FormData, max_files: int) -> list[tuple[str | None, BinaryIO]]:
    unknown = sorted({k for k in form if k != "files"})
    uploads = [v for k, v in form.multi_items() if k == "files" and isinstance(v, UploadFile)]
    errors: list[dict[str, Any]] = [
        {"type": "extra_forbidden", "loc": (k,), "msg": "Extra inputs are not permitted"}
        for k in unknown
    ]
    if not uploads:
        errors.append({"type": "missing", "loc": ("files",), "msg": "Field required: files"})
    if len(uploads) > max_files:
        errors.append(
            {
                "type": "too_long",
                "loc": ("files",),
                "msg": f"at most {max_files} files in one upload (KAG_API__MAX_UPLOAD_FILES)",
            }
        )
    if errors:
        raise _invalid(errors)
    return [(u.filename, u.file) for u in uploads]


async def upload(
    key: AdminDep, runtime: RuntimeDep, request: Request, response: Response
) -> JobPublic:
    """Queue an ingestion job: files as ``multipart/form-data`` (field ``files``), or texts as
    JSON. Follow the job at the ``Location`` header; each document's outcome is reported there
    (an unreadable or unsupported file is skipped with the reason)."""
    runtime.store.get()  # refuse (503) now rather than queue behind a store that is down
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        limit = runtime.settings.api.max_upload_files
        try:
            form = await request.form(max_files=limit, max_fields=10)
        except StarletteHTTPException as exc:  # the parser stops at the limit, before the rest
            if "Too many files" in str(exc.detail):
                raise _invalid(
                    [
                        {
                            "type": "too_long",
                            "loc": ("files",),
                            "msg": f"at most {limit} files in one upload "
                            "(KAG_API__MAX_UPLOAD_FILES)",
                        }
                    ]
                ) from None
            raise
        try:
            files = _files(form, limit)
            return await to_thread.run_sync(
                _queue, runtime, key, response, lambda folder: save_files(folder, files)
            )
        finally:
            await form.close()
    if kind == "application/json":
        try:
            body = TextsRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            raise _invalid(list(exc.errors(include_url=False, include_input=False))) from None
        return await to_thread.run_sync(
            _queue, runtime, key, response, lambda folder: save_texts(folder, body.documents)
        )
    raise ApiProblem(
        415,
        "unsupported-media-type",
        f"{f'content type {kind!r}' if kind else 'a body without a content type'} is not "
        "accepted here: send files as multipart/form-data (field 'files') or texts as "
        "application/json",
    )


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


def build_router(settings: Settings) -> APIRouter:
    """The documents router; the upload's published schema carries the configured limits."""
    built = APIRouter(tags=["documents"])
    built.add_api_route(
        "/documents",
        upload,
        methods=["POST"],
        summary="Upload documents to ingest (files or texts)",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=JobPublic,
        responses={202: _ACCEPTED, **_UPLOAD_ERRORS},
        openapi_extra={"requestBody": _upload_body(settings.api.max_upload_files)},
    )
    built.include_router(router)
    return built
