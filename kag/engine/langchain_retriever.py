"""The engine as a langchain-core ``BaseRetriever``: documents are cited paths with evidence.

Each returned ``Document`` is one citation of the engine's answer: ``page_content`` is the path
as a readable chain followed by its evidence quotes; ``metadata`` carries the answer id and
outcome, the citation id and role, node and relationship ids, the source documents, the
confidence and whether unreviewed facts are on the path.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from kag.engine.agent import Engine
from kag.engine.answer import Answer, Citation


def citation_document(answer: Answer, citation: Citation) -> Document:
    """One citation of an answer as a LangChain document."""
    quotes = [
        f"- {span.quote} ({span.document_source} v{span.version}, {span.start}-{span.end})"
        for hop in citation.hops
        for span in hop.spans
    ]
    content = citation.chain() + ("\nEvidence:\n" + "\n".join(quotes) if quotes else "")
    metadata: dict[str, Any] = {
        "answer_id": answer.id,
        "answer_outcome": answer.outcome,
        "citation_id": citation.id,
        "role": citation.role,
        "node_ids": [n.id for n in citation.nodes],
        "relationship_ids": [r.id for r in citation.relationships],
        "documents": citation.documents,
        "confidence": citation.confidence,
        "proposed": citation.proposed,
    }
    return Document(page_content=content, metadata=metadata)


class KagRetriever(BaseRetriever):
    """Retrieves the cited paths of the engine's answer to a query.

    Example:
        ``KagRetriever(engine=Engine(store, settings)).invoke("Who leads Pellmark?")``
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: Engine
    save_answers: bool = False

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        answer = self.engine.ask(query, save=self.save_answers)
        return [citation_document(answer, c) for c in answer.citations]
