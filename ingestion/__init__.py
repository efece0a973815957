"""Ingestion: documents in, a curated-ready wisdom/knowledge/experience graph out.

Entry point: :class:`ingestion.pipeline.IngestionPipeline` (``ingest_paths``, ``ingest_texts``,
``delete``), used by ``kag ingest``, notebooks and the REST API. Steps, one module or package
each: ``loaders`` (files, formats, normalisation), ``chunking``, ``nlp`` (spaCy extraction),
``relations`` (relation finders), ``llm`` (the optional LLM half), ``reconcile``, ``resolve``,
``review``, ``records`` (graph records of a document), ``linking`` (links across documents),
``run`` (one run: versions, groups, the writer thread) and ``report``.
"""
