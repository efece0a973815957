"""Store benchmark workload: bulk upsert of a synthetic graph, then 3-hop neighbourhood reads.

Run as ``python -m bench.workloads.store_graph --store STORE --entities N ...``; prints one JSON
object. Run in its own process so ``ru_maxrss`` is this backend's peak alone.

The graph has the shape ingestion writes: documents with chunks, entities, relation assertions
(a Knowledge node, the typed entity relationship and two ABOUT links) each with one evidence span.
With ``--entities 40000 --assertions 50000 --chunks 10000`` that is 100,010 nodes and 210,000
relationships.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from typing import Any

from graph_schema import AssertionKind, GraphSchema, Label, Layer, Status, evidence_id, stable_id
from graph_schema.properties import (
    AssertionRecord,
    ChunkRecord,
    DocumentRecord,
    EntityRecord,
    EvidenceRecord,
)
from kag.settings import Neo4jSettings, Settings
from kag.store import WriteBatch, open_store

T0 = "2026-01-01T00:00:00.000000Z"
CHUNK_TEXT = "Acme competes with Globex in the logistics software market. " * 4


def _entities(n: int) -> list[EntityRecord]:
    return [
        EntityRecord(
            id=stable_id(Label.ENTITY, "company", f"company {i}"),
            name=f"Company {i}",
            type="company",
            status=Status.APPROVED,
            confidence=0.9,
            created_at=T0,
        )
        for i in range(n)
    ]


def _document_batches(
    entities: list[EntityRecord], n_assertions: int, n_chunks: int, n_docs: int, seed: int
) -> list[WriteBatch]:
    rng = random.Random(seed)
    predicates = sorted(GraphSchema.load().relation_types)
    batches = []
    per_doc_chunks = n_chunks // n_docs
    per_doc_assertions = n_assertions // n_docs
    for d in range(n_docs):
        doc_id = stable_id(Label.DOCUMENT, f"bench/doc-{d}.txt")
        doc = DocumentRecord(
            id=doc_id,
            source=f"bench/doc-{d}.txt",
            title=f"doc {d}",
            media_type="text/plain",
            content_hash=f"h{d}",
            version=1,
            char_count=per_doc_chunks * len(CHUNK_TEXT),
            created_at=T0,
            updated_at=T0,
        )
        chunks = [
            ChunkRecord(
                id=stable_id(Label.CHUNK, doc_id, "1", str(c)),
                document_id=doc_id,
                version=1,
                position=c,
                start=c * len(CHUNK_TEXT),
                end=(c + 1) * len(CHUNK_TEXT),
                text=CHUNK_TEXT,
            )
            for c in range(per_doc_chunks)
        ]
        assertions, evidence = [], []
        for a in range(per_doc_assertions):
            s, o = rng.sample(entities, 2)
            pred = rng.choice(predicates)
            fp = f"{s.id}|{pred}|{o.id}|{d}|{a}"
            rec = AssertionRecord(
                id=stable_id(Label.KNOWLEDGE, fp),
                layer=Layer.KNOWLEDGE,
                kind=AssertionKind.RELATION,
                text=f"{s.name} {pred} {o.name}",
                fingerprint=fp,
                status=Status.APPROVED,
                confidence=0.8,
                subject_id=s.id,
                predicate=pred,
                object_id=o.id,
                extractors=("bench",),
                created_at=T0,
            )
            chunk = chunks[a % len(chunks)]
            assertions.append(rec)
            evidence.append(
                EvidenceRecord(
                    id=evidence_id(rec.id, chunk.id, chunk.start, chunk.start + 20),
                    assertion_id=rec.id,
                    chunk_id=chunk.id,
                    document_id=doc_id,
                    start=chunk.start,
                    end=chunk.start + 20,
                    quote=CHUNK_TEXT[:20],
                    extractor="bench",
                )
            )
        batches.append(
            WriteBatch(
                documents=(doc,),
                chunks=tuple(chunks),
                assertions=tuple(assertions),
                evidence=tuple(evidence),
            )
        )
    return batches


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings(
        store=args.store,
        neo4j=Neo4jSettings(user=args.user, password=args.password, write_batch_size=10_000),
    )
    started = time.perf_counter()
    entities = _entities(args.entities)
    entity_batches = [
        WriteBatch(entities=tuple(entities[i : i + 10_000]))
        for i in range(0, len(entities), 10_000)
    ]
    doc_batches = _document_batches(
        entities, args.assertions, args.chunks, max(args.chunks // 1000, 1), args.seed
    )
    build_s = time.perf_counter() - started

    store = open_store(settings)
    write_started = time.perf_counter()
    elements = store.write_many(entity_batches + doc_batches).elements
    write_s = time.perf_counter() - write_started
    counts = store.counts()

    rng = random.Random(args.seed + 1)
    seeds = [rng.choice(entities).id for _ in range(args.reads + 10)]
    for seed in seeds[:10]:  # warm caches and query plans
        store.neighbourhood([seed], hops=3)
    latencies, sizes = [], []
    for seed in seeds[10:]:
        t = time.perf_counter()
        sub = store.neighbourhood([seed], hops=3)
        latencies.append((time.perf_counter() - t) * 1000)
        sizes.append(len(sub.nodes))
    store.close()

    reopen_started = time.perf_counter()
    store = open_store(settings)
    store.neighbourhood([seeds[0]], hops=1)
    reopen_s = time.perf_counter() - reopen_started
    store.close()
    return {
        "nodes": sum(counts.nodes.values()),
        "relationships": sum(counts.relationships.values()),
        "elements_written": elements,
        "record_build_s": build_s,
        "write_s": write_s,
        "elements_per_s": elements / write_s,
        "read_p50_ms": _percentile(latencies, 50),
        "read_p95_ms": _percentile(latencies, 95),
        "read_mean_nodes": statistics.fmean(sizes),
        "reopen_s": reopen_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", required=True)
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default="")
    parser.add_argument("--entities", type=int, default=40_000)
    parser.add_argument("--assertions", type=int, default=50_000)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    print(json.dumps(run(parser.parse_args(argv))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
