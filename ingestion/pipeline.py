"""The ingestion pipeline: files or texts in, one graph transaction per document out.

``IngestionPipeline(store, settings).ingest_paths(["docs/"])`` loads, normalises and chunks the
documents; parses their chunks together with spaCy; asks the LLM (when configured) per chunk;
reconciles, resolves entities and applies the review policy; and writes each document version
with ``GraphStore.replace_document``. An unchanged document (same source, same content hash) is
left alone; a changed one becomes a new version whose disappeared facts are superseded;
:meth:`IngestionPipeline.delete` retires a document the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict, Field

from graph_schema import Label, stable_id
from graph_schema.properties import DocumentRecord
from ingestion.loaders import SkippedFile, discover, load_file, load_text, source_of
from ingestion.models import LoadedDocument
from ingestion.report import DocumentOutcome, IngestReport, LlmEstimate
from ingestion.run import DELETED_HASH, DocumentJob, Pending, RunState
from kag.errors import InvalidInput
from kag.settings import Settings
from kag.store import GraphStore, WriteBatch

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from spacy.language import Language

logger = logging.getLogger(__name__)


class TextInput(BaseModel):
    """A document given as text (notebooks, the REST API, benchmarks)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1, description="the document's identity, e.g. a URL or name")
    text: str
    title: str | None = None
    media_type: str = "text/plain"


class ProgressSink(Protocol):
    """Receives progress while a run goes on (the CLI draws a progress bar from it)."""

    def started(self, documents: int) -> None:
        """A run over this many documents (files found, texts given) begins."""
        ...

    def document_done(self, outcome: DocumentOutcome, tokens: int) -> None:
        """A document is done; ``tokens``: LLM tokens spent so far in the run."""
        ...


class IngestionPipeline:
    """Ingests documents into a graph store (Python API of the CLI and the REST API).

    Args:
        store: the graph store to write to (its schema gives the ontology).
        settings: ingestion settings (``KAG_INGESTION__*``) and the LLM (``KAG_LLM``).
        chat_model: a chat model to use instead of the one ``KAG_LLM`` names (tests pass a
            scripted one); ``None`` and ``KAG_LLM=none`` mean NLP only.
        nlp: a loaded spaCy pipeline to use instead of loading the configured model.
        progress: receives progress events.
    """

    def __init__(
        self,
        store: GraphStore,
        settings: Settings,
        *,
        chat_model: BaseChatModel | None = None,
        nlp: Language | None = None,
        progress: ProgressSink | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._chat_model = chat_model
        self._nlp = nlp
        self._progress = progress

    # -- public API ----------------------------------------------------------------------------
    def ingest_paths(
        self,
        paths: Sequence[Path | str],
        *,
        globs: Sequence[str] = (),
        base: Path | str | None = None,
        dry_run: bool = False,
    ) -> IngestReport:
        """Ingest files and folders (recursively; ``globs`` filter the files found).

        A document's source is its path relative to ``base`` when given, else to the folder
        given (a file given by itself: its name), so ingesting the same folder again finds the
        same documents.
        """
        found = list(discover(paths, globs))
        if all(problem is not None and path.is_dir() for path, _, problem in found):
            # only folders without a file to load (or nothing given): nothing to run at all
            reasons = "; ".join(f"{p.source}: {p.reason}" for _, _, p in found if p is not None)
            raise InvalidInput(
                f"no files to ingest: {reasons}"
                if reasons
                else f"no files to ingest under {', '.join(map(str, paths))}"
            )

        def documents() -> Iterator[LoadedDocument | SkippedFile]:
            limit = self.settings.ingestion.max_file_bytes
            for file, root, problem in found:
                if problem is not None:
                    yield problem
                    continue
                source = source_of(file, Path(base) if base is not None else root)
                yield load_file(file, max_bytes=limit, source=source)

        return self.ingest_documents(documents(), total=len(found), dry_run=dry_run)

    def ingest_texts(
        self, texts: Iterable[TextInput | tuple[str, str]], *, dry_run: bool = False
    ) -> IngestReport:
        """Ingest documents given as text: ``TextInput`` or ``(source, text)`` pairs."""
        items = [
            t if isinstance(t, TextInput) else TextInput(source=t[0], text=t[1]) for t in texts
        ]
        limit = self.settings.ingestion.max_file_bytes
        documents = (
            load_text(t.source, t.text, title=t.title, media_type=t.media_type, max_bytes=limit)
            for t in items
        )
        return self.ingest_documents(documents, total=len(items), dry_run=dry_run)

    def ingest_documents(
        self,
        documents: Iterable[LoadedDocument | SkippedFile],
        *,
        total: int | None = None,
        dry_run: bool = False,
    ) -> IngestReport:
        """Ingest loaded documents (files and texts come through here)."""
        started = time.perf_counter()
        state = RunState(self.store, self.settings, self._chat_model, self._nlp, dry_run=dry_run)
        if self._progress is not None and total is not None:
            self._progress.started(total)
        outcomes: list[DocumentOutcome] = []
        # The search indexes take the run's writes in once, at its end (Neo4j's full-text
        # indexes are eventually consistent): every document is searchable when the run returns.
        with self.store.deferred_search_refresh():
            self._run(state, documents, outcomes)
        if self._nlp is None and state.nlp_loaded is not None:
            self._nlp = state.nlp_loaded  # later runs of this pipeline reuse the model
        estimate: LlmEstimate | None = state.estimate() if dry_run else None
        return IngestReport(
            documents=tuple(outcomes),
            llm=state.llm_usage(),
            estimate=estimate,
            seconds=round(time.perf_counter() - started, 3),
            dry_run=dry_run,
        )

    def _run(
        self,
        state: RunState,
        documents: Iterable[LoadedDocument | SkippedFile],
        outcomes: list[DocumentOutcome],
    ) -> None:
        """Plan, parse, assemble and write the documents, a group at a time."""
        size = self.settings.ingestion.documents_per_batch
        group: list[DocumentJob] = []
        in_flight: list[Pending] = []
        try:
            for item in documents:
                if isinstance(item, SkippedFile):
                    in_flight.append(state.skipped(item))
                    continue
                group.append(state.plan(item))
                if len(group) >= size:
                    submitted = state.run_group(group)
                    # the previous group's writes ran while this group was parsed
                    self._done(state, outcomes, [state.finish(p) for p in in_flight])
                    in_flight, group = submitted, []
            if group:
                in_flight += state.run_group(group)
            self._done(state, outcomes, [state.finish(p) for p in in_flight])
        finally:
            state.close()

    def delete(self, sources: Sequence[str]) -> IngestReport:
        """Retire documents by source: each becomes a new version without chunks, and facts
        only they stated become ``superseded`` (kept for audit, not used for answers)."""
        started = time.perf_counter()
        outcomes: list[DocumentOutcome] = []
        for source in sources:
            doc_id = stable_id(Label.DOCUMENT, source)
            nodes = self.store.get_nodes([doc_id])
            if not nodes or nodes[0].props.get("content_hash") == DELETED_HASH:
                outcomes.append(
                    DocumentOutcome(
                        source=source,
                        status="not found",
                        reason="no document with this source; sources are paths relative to "
                        "the folder that was ingested, as `kag ingest` prints them",
                    )
                )
                continue
            props = nodes[0].props
            version = int(props["version"]) + 1
            record = DocumentRecord(
                id=doc_id,
                source=source,
                title=str(props.get("title", source)),
                media_type=str(props.get("media_type", "text/plain")),
                content_hash=DELETED_HASH,
                version=version,
                char_count=0,
            )
            summary = self.store.replace_document(WriteBatch(documents=(record,)), doc_id, version)
            outcomes.append(
                DocumentOutcome(
                    source=source,
                    status="deleted",
                    document_id=doc_id,
                    version=version,
                    superseded=len(summary.superseded),
                )
            )
            logger.info("deleted %s (%d superseded)", doc_id, len(summary.superseded))
        return IngestReport(
            documents=tuple(outcomes), seconds=round(time.perf_counter() - started, 3)
        )

    def _done(
        self, state: RunState, outcomes: list[DocumentOutcome], done: Sequence[DocumentOutcome]
    ) -> None:
        outcomes.extend(done)
        if self._progress is not None:
            for outcome in done:
                self._progress.document_done(outcome, state.tokens_spent)
