"""The document catalogue of the embedded backend (``GraphStore.list_documents``).

Same rules as ``kag/store/neo4j/queries/catalogue.py``: a chunk counts when its version is its
document's current version; an assertion counts once however many of those chunks evidence it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from graph_schema import Label, RelType
from kag.store.base import DocumentPage, DocumentSummary, NodeView
from kag.store.embedded.memgraph import MemGraph


def list_documents(
    graph: MemGraph,
    view: Callable[[str], NodeView],
    *,
    ids: Sequence[str] | None,
    offset: int,
    limit: int,
) -> DocumentPage:
    """A page of documents with their live chunk and assertion counts."""
    wanted = set(ids) if ids is not None else None
    documents = [
        (str(graph.props[i].get("source", "")), i)
        for i in graph.nodes_with(Label.DOCUMENT)
        if wanted is None or i in wanted
    ]
    documents.sort()
    page = documents[offset : offset + limit] if limit > 0 else []
    items: list[DocumentSummary] = []
    for _, doc_id in page:
        version = graph.props[doc_id].get("version")
        chunks = [
            rel.target
            for rel in graph.out_rels(doc_id)
            if rel.type == RelType.HAS_CHUNK.value
            and graph.props.get(rel.target, {}).get("version") == version
        ]
        assertions = {
            rel.source
            for chunk in chunks
            for rel in graph.in_rels(chunk)
            if rel.type == RelType.EVIDENCED_BY.value
        }
        statuses = Counter(str(graph.props[a].get("status", "")) for a in assertions)
        items.append(
            DocumentSummary(
                document=view(doc_id),
                chunks=len(chunks),
                assertions=len(assertions),
                statuses=dict(sorted(statuses.items())),
            )
        )
    return DocumentPage(total=len(documents), items=tuple(items))
