"""Engine latency workload: a synthetic competitive-intelligence graph and questions over it.

Run as ``python -m bench.workloads.engine_graph --store STORE --nodes N``; prints one JSON object.
The graph has the shape ingestion writes: documents with chunks; companies, products, places,
people and markets with unique made-up names (sharing suffixes such as "Systems", as real names
do); relation assertions, observations over 2022-2024 and situation/wisdom/experience statements
with their links, every assertion with an evidence span. Questions of every shape are generated
from facts that exist, so each has an answer.

Every question is asked once unmeasured, then ``--passes`` times measured (3 by default: the p95 of
56 samples is the third-largest, one stall moves it). Each measured ask is timed with
``Engine.ask`` (no LLM, answers not stored) and followed by the raw execution of the same plans:
the compiled Cypher through the driver on Neo4j, the store's plan execution on the embedded
backend. On Neo4j it also replays every query the ask sent (entity linking, precedents, plans,
evidence), captured by ``Neo4jStore.capture_reads``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from graph_schema import (
    AssertionKind,
    Label,
    Layer,
    RelType,
    Status,
    evidence_id,
    rel_id,
    stable_id,
)
from graph_schema.properties import (
    AssertionRecord,
    ChunkRecord,
    DocumentRecord,
    EntityRecord,
    EvidenceRecord,
    LinkRecord,
)
from kag.engine import Engine
from kag.settings import EngineSettings, Neo4jSettings, Settings
from kag.store import GraphStore, WriteBatch, open_store

T0 = "2026-01-01T00:00:00.000000Z"
SYLLABLES = [
    "ka",
    "lo",
    "mer",
    "vin",
    "tor",
    "sal",
    "quen",
    "bri",
    "dax",
    "fen",
    "gor",
    "hal",
    "ix",
    "jun",
    "kel",
    "mor",
    "nev",
    "ost",
    "pra",
    "rul",
    "sev",
    "tam",
    "ul",
    "var",
    "wex",
    "yor",
    "zan",
]
SUFFIXES = ["Systems", "Labs", "Group", "Cloud", "Robotics", "Software", "Logistics", "Analytics"]
CHUNK = "The company reported its figures and described its partners, suppliers and rivals. " * 3
COMPANY_PREDICATES = [
    "COMPETES_WITH",
    "ACQUIRED",
    "SUPPLIED_BY",
    "PARTNERS_WITH",
    "CUSTOMER_OF",
    "INVESTED_IN",
    "SUBSIDIARY_OF",
]
SITUATIONS = [
    "A competitor cuts list prices in a renewal",
    "A rival bundles integrations for free",
    "A supplier raises cloud prices sharply",
    "A heavily funded entrant targets our segment",
    "A key partner is acquired by a competitor",
]


@dataclass
class Synthetic:
    """The generated graph and the questions over it."""

    batches: list[WriteBatch] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    nodes: int = 0


class _Gen:
    def __init__(self, n: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = n
        self.names: set[str] = set()
        self.docs: list[tuple[DocumentRecord, list[ChunkRecord]]] = []
        self.assertions: list[AssertionRecord] = []
        self.evidence: list[EvidenceRecord] = []
        self.links: list[LinkRecord] = []

    def name(self, suffix: str) -> str:
        while True:
            word = "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 3)))
            name = f"{word.title()} {suffix}".strip()
            if name not in self.names:
                self.names.add(name)
                return name

    def entity(self, kind: str, suffix: str) -> EntityRecord:
        name = self.name(suffix)
        return EntityRecord(
            id=stable_id(Label.ENTITY, kind, name.lower()),
            name=name,
            type=kind,
            status=Status.APPROVED,
            confidence=0.9,
            created_at=T0,
        )

    def documents(self, count: int) -> None:
        for d in range(count):
            doc_id = stable_id(Label.DOCUMENT, f"bench/engine/doc-{d}.txt")
            chunks = [
                ChunkRecord(
                    id=stable_id(Label.CHUNK, doc_id, "1", str(c)),
                    document_id=doc_id,
                    version=1,
                    position=c,
                    start=c * len(CHUNK),
                    end=(c + 1) * len(CHUNK),
                    text=CHUNK,
                )
                for c in range(4)
            ]
            doc = DocumentRecord(
                id=doc_id,
                source=f"bench/engine/doc-{d}.txt",
                title=f"doc {d}",
                media_type="text/plain",
                content_hash=f"h{d}",
                version=1,
                char_count=4 * len(CHUNK),
                created_at=T0,
                updated_at=T0,
            )
            self.docs.append((doc, chunks))

    def add(self, record: AssertionRecord) -> AssertionRecord:
        doc, chunks = self.docs[len(self.assertions) % len(self.docs)]
        chunk = self.rng.choice(chunks)
        self.assertions.append(record)
        self.evidence.append(
            EvidenceRecord(
                id=evidence_id(record.id, chunk.id, chunk.start, chunk.start + 40),
                assertion_id=record.id,
                chunk_id=chunk.id,
                document_id=doc.id,
                start=chunk.start,
                end=chunk.start + 40,
                quote=CHUNK[:40],
                extractor="bench",
            )
        )
        return record

    def relation(self, s: EntityRecord, predicate: str, o: EntityRecord) -> AssertionRecord:
        fp = f"relation|{s.id}|{predicate}|{o.id}"
        return AssertionRecord(
            id=stable_id(Label.KNOWLEDGE, fp),
            layer=Layer.KNOWLEDGE,
            kind=AssertionKind.RELATION,
            text=f"{s.name} {predicate} {o.name}",
            fingerprint=fp,
            status=Status.APPROVED,
            confidence=0.9,
            subject_id=s.id,
            predicate=predicate,
            object_id=o.id,
            extractors=("bench",),
            created_at=T0,
        )

    def observation(
        self, s: EntityRecord, metric: str, value: float, unit: str, period: str
    ) -> AssertionRecord:
        fp = f"observation|{s.id}|{metric}|{period}|{value}|{unit}"
        return AssertionRecord(
            id=stable_id(Label.KNOWLEDGE, fp),
            layer=Layer.KNOWLEDGE,
            kind=AssertionKind.OBSERVATION,
            text=f"{s.name} {metric} in {period}: {value} {unit}",
            fingerprint=fp,
            status=Status.APPROVED,
            confidence=0.9,
            subject_id=s.id,
            metric=metric,
            value=value,
            unit=unit,
            period=period,
            extractors=("bench",),
            created_at=T0,
        )

    def statement(
        self, layer: Layer, text: str, about: Sequence[EntityRecord] = ()
    ) -> AssertionRecord:
        return AssertionRecord(
            id=stable_id(layer.label, text.lower()),
            layer=layer,
            kind=AssertionKind.STATEMENT,
            text=text,
            fingerprint=text.lower(),
            status=Status.APPROVED,
            confidence=0.8,
            entity_ids=tuple(e.id for e in about),
            extractors=("bench",),
            created_at=T0,
        )

    def link(self, kind: RelType, source: AssertionRecord, target: AssertionRecord) -> None:
        self.links.append(
            LinkRecord(
                id=rel_id(kind.value, source.id, target.id),
                type=kind,
                source_id=source.id,
                target_id=target.id,
                confidence=0.9,
                status=Status.APPROVED,
            )
        )


def build(n: int, seed: int = 1) -> Synthetic:
    """A graph of about ``n`` nodes and 60 questions over it."""
    g = _Gen(n, seed)
    rng = g.rng
    g.documents(max(n // 100, 4))
    companies = [g.entity("company", rng.choice(SUFFIXES)) for _ in range(int(n * 0.17))]
    products = [g.entity("product", "") for _ in range(int(n * 0.04))]
    places = [g.entity("place", "") for _ in range(max(n // 500, 5))]
    people = [g.entity("person", "") for _ in range(int(n * 0.03))]
    entities = companies + products + places + people
    relations: dict[tuple[str, str], list[AssertionRecord]] = {}
    seen: set[str] = set()
    while len(seen) < int(n * 0.35):
        s = rng.choice(companies)
        roll = rng.random()
        if roll < 0.7:
            predicate, o = rng.choice(COMPANY_PREDICATES), rng.choice(companies)
        elif roll < 0.8:
            predicate, o = "HEADQUARTERED_IN", rng.choice(places)
        elif roll < 0.9:
            predicate, o = "OFFERS", rng.choice(products)
        else:
            predicate, o = "LED_BY", rng.choice(people)
        record = g.relation(s, predicate, o)
        if s.id == o.id or record.id in seen:
            continue
        seen.add(record.id)
        relations.setdefault((predicate, s.id), []).append(g.add(record))
    reporting = rng.sample(companies, min(len(companies), int(n * 0.25 / 4)))
    for company in reporting:
        base = rng.uniform(5, 500) * 1e6
        for year in ("2022", "2023", "2024"):
            base *= rng.uniform(0.9, 1.3)
            g.add(g.observation(company, "revenue", round(base, -5), "USD", year))
        g.add(
            g.observation(company, "market share", round(rng.uniform(1, 30), 1), "percent", "2024")
        )
    situations = [
        g.add(g.statement(Layer.SITUATION, f"{text} ({i})"))
        for i in range(max(n // 100, 5))
        for text in [rng.choice(SITUATIONS)]
    ]
    wisdoms = []
    for i in range(max(n // 50, 10)):
        w = g.add(
            g.statement(
                Layer.WISDOM,
                f"Lesson {i}: compete on integration depth rather than price, case {i}.",
            )
        )
        g.link(RelType.APPLIES_IN, w, rng.choice(situations))
        wisdoms.append(w)
    experiences = []
    for i in range(int(n * 0.06)):
        about = rng.sample(companies, 2)
        e = g.add(
            g.statement(
                Layer.EXPERIENCE,
                f"In deal {i} against {about[0].name} we kept our price and won.",
                about,
            )
        )
        g.link(rng.choice([RelType.SUPPORTS, RelType.CONTRADICTS]), e, rng.choice(wisdoms))
        experiences.append(e)
    out = Synthetic()
    out.batches.append(WriteBatch(entities=tuple(entities)))
    docs = tuple(d for d, _ in g.docs)
    chunks = tuple(c for _, cs in g.docs for c in cs)
    out.batches.append(WriteBatch(documents=docs, chunks=chunks))
    step = 5000
    for i in range(0, len(g.assertions), step):
        part = g.assertions[i : i + step]
        ids = {a.id for a in part}
        out.batches.append(
            WriteBatch(
                assertions=tuple(part),
                evidence=tuple(e for e in g.evidence if e.assertion_id in ids),
            )
        )
    out.batches.append(WriteBatch(links=tuple(g.links)))
    out.nodes = len(entities) + len(docs) + len(chunks) + len(g.assertions)
    out.questions = _questions(rng, companies, relations, reporting, situations)
    return out


def _questions(
    rng: random.Random,
    companies: list[EntityRecord],
    relations: dict[tuple[str, str], list[AssertionRecord]],
    reporting: list[EntityRecord],
    situations: list[AssertionRecord],
) -> list[str]:
    names = {c.id: c.name for c in companies}
    acquired = [r for (p, _), rs in relations.items() if p == "ACQUIRED" for r in rs]
    chains = [
        (r, s) for r in acquired for s in relations.get(("SUPPLIED_BY", r.subject_id or ""), [])
    ]
    out: list[str] = []
    for _ in range(8):
        out.append(f"Tell me about {rng.choice(companies).name}.")
        if chains:
            acq, _sup = rng.choice(chains)
            out.append(f"Who supplies the company that acquired {names[acq.object_id or '']}?")
            out.append(
                f"How is {names[acq.object_id or '']} related to {names[_sup.object_id or '']}?"
            )
        r = rng.choice(acquired)
        subject, obj = names[r.subject_id or ""], names[r.object_id or ""]
        out.append(f"Why do we believe that {subject} acquired {obj}?")
        a, b = rng.sample(reporting, 2)
        out.append(f"How did {a.name}'s revenue develop from 2022 to 2024?")
        out.append(f"Compare the 2024 revenue of {a.name} and {b.name}.")
        out.append(f"{rng.choice(situations).text}. What should we do?")
    return out


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _raw(store: GraphStore, answer: Any, driver: Any) -> tuple[float, float]:
    """Seconds to run the answer's plans again: raw (the compiled Cypher through the driver on
    Neo4j; the store's plan execution on the embedded backend) and through ``execute_plan``."""
    started = time.perf_counter()
    for query in answer.cypher:
        if driver is not None:
            driver.execute_query(query.cypher, query.params, routing_="r")
        elif query.plan is not None:
            store.execute_plan(query.plan)
    raw = time.perf_counter() - started
    started = time.perf_counter()
    for query in answer.cypher:
        if query.plan is not None:
            store.execute_plan(query.plan)
    return raw, time.perf_counter() - started


def _replay(driver: Any, sent: Sequence[Any]) -> float:
    """Seconds to run again, through the driver, every read query an ``ask`` sent."""
    started = time.perf_counter()
    for query in sent:
        driver.execute_query(query.query, query.params, routing_="r")
    return time.perf_counter() - started


def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings(
        store=args.store,
        neo4j=Neo4jSettings(user=args.user, password=args.password, write_batch_size=10_000),
        engine=EngineSettings(store_answers=False),
    )
    synthetic = build(args.nodes, args.seed)
    store = open_store(settings)
    for batch in synthetic.batches:
        store.write(batch)
    driver = getattr(store, "_driver", None)
    engine = Engine(store, settings)
    # A first pass over every question loads spaCy and lets Neo4j plan each query shape once
    # (a new Cypher string costs 0.3-0.7 s to plan, once per server); it is reported apart.
    first = []
    for question in synthetic.questions:
        started = time.perf_counter()
        engine.ask(question)
        first.append((time.perf_counter() - started) * 1000)
    asks, raws, plans, outcomes, everything = [], [], [], [], []
    capture = getattr(store, "capture_reads", None)
    for question in [q for _ in range(args.passes) for q in synthetic.questions]:
        with capture() if capture is not None else nullcontext([]) as sent:
            started = time.perf_counter()
            answer = engine.ask(question)
            asks.append((time.perf_counter() - started) * 1000)
        raw, plan = _raw(store, answer, driver)
        raws.append(raw * 1000)
        plans.append(plan * 1000)
        outcomes.append(answer.outcome)
        if sent:
            everything.append(_replay(driver, sent) * 1000)
    counts = store.counts()
    store.close()
    ratios = [a / r for a, r in zip(asks, raws, strict=True) if r > 0]
    if everything:  # Neo4j: every query ask sent (linking, precedents, plans, evidence)
        every = {
            "all_queries_p50_ms": _percentile(everything, 50),
            "all_queries_p95_ms": _percentile(everything, 95),
            "all_ratio_p50": _percentile(asks, 50) / _percentile(everything, 50),
            "all_ratio_p95": _percentile(asks, 95) / _percentile(everything, 95),
        }
    else:
        every = {}
    return {
        **every,
        "nodes": sum(counts.nodes.values()),
        "relationships": sum(counts.relationships.values()),
        "questions": len(synthetic.questions),
        "asks": len(asks),
        "answered": outcomes.count("answered"),
        "ask_p50_ms": _percentile(asks, 50),
        "ask_p95_ms": _percentile(asks, 95),
        "first_pass_p50_ms": _percentile(first, 50),
        "first_pass_p95_ms": _percentile(first, 95),
        "raw_p50_ms": _percentile(raws, 50),
        "raw_p95_ms": _percentile(raws, 95),
        "ratio_p50": _percentile(asks, 50) / _percentile(raws, 50),
        "ratio_p95": _percentile(asks, 95) / _percentile(raws, 95),
        "ratio_median_per_question": statistics.median(ratios),
        "plan_p50_ms": _percentile(plans, 50),
        "plan_p95_ms": _percentile(plans, 95),
        "plan_ratio_p50": _percentile(plans, 50) / _percentile(raws, 50),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", required=True)
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default="")
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--passes", type=int, default=3, help="measured passes over the questions")
    print(json.dumps(run(parser.parse_args(argv))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
