"""Document and ingestion-job bodies."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestion.run import DELETED_HASH
from kag.state import ItemStatus, Job, JobItem, JobStatus
from kag.store import DocumentSummary

DOCUMENT_ID_PATTERN: Final = r"^doc_[0-9a-f]{20}$"
JOB_ID_PATTERN: Final = r"^job_[0-9a-f]{20}$"


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TextDocumentRequest(_Public):
    """A document sent as text."""

    source: str = Field(
        min_length=1,
        max_length=500,
        pattern=r"^[^\x00-\x1f]+$",
        description="the document's identity (a name or URL); the same source again makes a "
        "new version when the text changed",
    )
    text: str = Field(min_length=1)
    title: str | None = Field(default=None, max_length=300)
    media_type: Literal["text/plain", "text/markdown"] = "text/plain"


class TextsRequest(_Public):
    """Documents to ingest, sent as text."""

    documents: Annotated[list[TextDocumentRequest], Field(min_length=1, max_length=1000)]


class DocumentOutcomePublic(_Public):
    """What ingestion did with one document."""

    source: str
    status: str = Field(
        description="ingested, new version, unchanged, deleted, not found, skipped or failed"
    )
    reason: str | None = None
    document_id: str | None = None
    version: int | None = None
    chunks: int = 0
    words: int = 0
    assertions: int = 0
    entities: int = 0
    by_layer: dict[str, int] = Field(default_factory=dict)
    by_status: dict[str, int] = Field(default_factory=dict)
    superseded: int = 0

    @classmethod
    def of(cls, outcome: dict[str, Any]) -> DocumentOutcomePublic:
        """The public part of a stored outcome."""
        return cls(**{k: v for k, v in outcome.items() if k in cls.model_fields})


class JobItemPublic(_Public):
    """One input of a job: a file or a text."""

    position: int
    name: str
    size: int = Field(description="bytes")
    status: ItemStatus
    outcome: DocumentOutcomePublic | None
    error: str | None

    @classmethod
    def of(cls, item: JobItem) -> JobItemPublic:
        """The public view of a job item."""
        return cls(
            position=item.position,
            name=item.name,
            size=item.size,
            status=item.status,
            outcome=DocumentOutcomePublic.of(item.result) if item.result else None,
            error=item.error,
        )


class JobProgressPublic(_Public):
    """How far a job is."""

    total: int
    done: int
    skipped: int
    failed: int
    pending: int


class JobSummaryPublic(_Public):
    """A job without its items."""

    id: str
    kind: str
    status: JobStatus
    created_by: str = Field(description="id of the API key that created the job")
    created_at: str
    started_at: str | None
    finished_at: str | None
    attempts: int = Field(description="runs so far; more than 1 after an interruption")
    error: str | None
    progress: JobProgressPublic

    @classmethod
    def fields_of(cls, job: Job) -> dict[str, Any]:
        """The summary fields of a job."""
        return {
            "id": job.id,
            "kind": job.kind,
            "status": job.status,
            "created_by": job.created_by,
            "created_at": job.created_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "attempts": job.attempts,
            "error": job.error,
            "progress": JobProgressPublic(
                total=len(job.items),
                done=job.count(ItemStatus.DONE),
                skipped=job.count(ItemStatus.SKIPPED),
                failed=job.count(ItemStatus.FAILED),
                pending=job.count(ItemStatus.PENDING),
            ),
        }

    @classmethod
    def of(cls, job: Job) -> JobSummaryPublic:
        """The public summary of a job."""
        return cls(**cls.fields_of(job))


class JobPublic(JobSummaryPublic):
    """A job with its items and their outcomes."""

    items: list[JobItemPublic]

    @classmethod
    def of(cls, job: Job) -> JobPublic:
        """The public view of a job."""
        return cls(
            **JobSummaryPublic.fields_of(job), items=[JobItemPublic.of(i) for i in job.items]
        )


class DocumentPublic(_Public):
    """A document: its current version and what that version holds."""

    id: str
    source: str
    title: str
    media_type: str
    content_hash: str
    version: int
    char_count: int
    created_at: str | None
    updated_at: str | None
    deleted: bool = Field(description="deleted documents keep their node for audit")
    chunks: int
    assertions: int
    statuses: dict[str, int] = Field(description="the assertions by review status")

    @classmethod
    def of(cls, summary: DocumentSummary) -> DocumentPublic:
        """The public view of a stored document."""
        props = summary.document.props
        return cls(
            id=summary.document.id,
            source=str(props.get("source", "")),
            title=str(props.get("title", "")),
            media_type=str(props.get("media_type", "")),
            content_hash=str(props.get("content_hash", "")),
            version=int(props.get("version", 0)),
            char_count=int(props.get("char_count", 0)),
            created_at=props.get("created_at"),
            updated_at=props.get("updated_at"),
            deleted=props.get("content_hash") == DELETED_HASH,
            chunks=summary.chunks,
            assertions=summary.assertions,
            statuses=summary.statuses,
        )


class DocumentListPublic(_Public):
    """A page of documents, ordered by source."""

    total: int
    offset: int
    limit: int
    items: list[DocumentPublic]


class DocumentQuery(_Public):
    """Paging of ``GET /v1/documents``."""

    offset: int = Field(default=0, ge=0, le=1_000_000)
    limit: int = Field(default=50, ge=1, le=500)


class JobQuery(_Public):
    """Paging of ``GET /v1/jobs``."""

    offset: int = Field(default=0, ge=0, le=1_000_000)
    limit: int = Field(default=20, ge=1, le=200)
