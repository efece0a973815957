"""Evaluation harness of the learned relation finder on Text2KGBench (tekgen, ontologies 1-5).

``python -m bench.extraction_eval --split validation [--mode finder|pipeline] [--cache DIR]
[--only 1_movie] [--limit N]`` builds a lexicon per ontology from the train split, extracts
triples from the chosen split's sentences and prints the benchmark's scores.

- ``--mode finder`` (fast, for iterating on validation): the learned finder over spaCy parses of
  each sentence, one spaCy sentence at a time as the pipeline calls it; parses are cached as
  spaCy ``DocBin`` files under ``--cache`` (keyed by model and input).
- ``--mode pipeline`` (what the ``extraction`` figure group reports): each sentence ingested as a
  document by the product pipeline into a fresh embedded store, triples read back from the graph.

Tune on validation, report test.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bench.data.paths import resolve_eval_root
from bench.data.text2kgbench import (
    GroundTruthSentence,
    TrainingExample,
    Triple,
    dataset_dir,
    list_ontologies,
    load_ground_truth,
    load_ontology,
    load_train,
    load_validation,
)
from bench.errors import BenchError
from bench.scoring.text2kgbench import (
    BenchmarkScore,
    OntologyScore,
    score_benchmark,
    score_ontology,
)
from graph_schema import GraphSchema
from graph_schema.ontology import relation_type_name
from ingestion.relations.base import SentenceContext
from ingestion.relations.learned import LearnedRelationFinder
from ingestion.relations.lexicon import RelationLexicon
from ingestion.relations.training import BuildOptions, build_lexicon
from ingestion.relations.value_learning import LabelledSentence, LabelledTriple

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from kag.store import RelView

logger = logging.getLogger(__name__)
Split = Literal["validation", "test"]
Mode = Literal["finder", "pipeline"]


def load_nlp() -> Language:
    """The spaCy pipeline the product loads (official model, else the pinned re-upload)."""
    from ingestion.nlp.model import load_model

    return load_model()


def labelled(examples: Iterable[TrainingExample]) -> list[LabelledSentence]:
    """Group train/validation lines by sentence; relations become relationship type names."""
    grouped: dict[str, list[LabelledTriple]] = {}
    for ex in examples:
        triple = LabelledTriple(ex.sub_label, relation_type_name(ex.rel_label), ex.obj_label)
        triples = grouped.setdefault(ex.sent, [])
        if triple not in triples:
            triples.append(triple)
    return [LabelledSentence(text, tuple(triples)) for text, triples in grouped.items()]


def as_cases(examples: Iterable[TrainingExample]) -> list[GroundTruthSentence]:
    """Validation lines as scorer cases (one per distinct sentence, all its triples)."""
    cases: dict[str, tuple[str, list[Triple]]] = {}
    for ex in examples:
        triples = cases.setdefault(ex.sent, (ex.id, []))[1]
        if ex.triple not in triples:
            triples.append(ex.triple)
    return [
        GroundTruthSentence(id=case_id, sent=sent, triples=tuple(triples))
        for sent, (case_id, triples) in cases.items()
    ]


def ontology_schema(eval_root: Path, key: str) -> GraphSchema:
    """The graph schema with the benchmark ontology ``key``."""
    return GraphSchema.load(dataset_dir(eval_root) / "ontologies" / f"{key}_ontology.json")


def parse_cached(nlp: Language, texts: Sequence[str], cache: Path | None, tag: str) -> list[Doc]:
    """Parse ``texts`` with ``nlp``, reusing a DocBin in ``cache`` made from the same input."""
    from spacy.tokens import DocBin

    digest = hashlib.sha256(
        "\n".join([nlp.meta.get("name", ""), nlp.meta.get("version", ""), *texts]).encode()
    ).hexdigest()[:16]
    path = cache / f"{tag}-{digest}.spacy" if cache else None
    if path is not None and path.exists():
        return list(DocBin().from_disk(path).get_docs(nlp.vocab))
    docs = list(nlp.pipe(texts, batch_size=64))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        bin_ = DocBin(store_user_data=False)
        for doc in docs:
            bin_.add(doc)
        bin_.to_disk(path)
    return docs


class _CachedNlp:
    """Wraps a pipeline so ``pipe`` (as the lexicon builder calls it) reuses cached parses."""

    def __init__(self, nlp: Language, cache: Path | None, tag: str) -> None:
        self._nlp, self._cache, self._tag = nlp, cache, tag
        self.meta = nlp.meta

    def pipe(self, texts: Iterable[str], batch_size: int = 64) -> list[Doc]:
        return parse_cached(self._nlp, list(texts), self._cache, self._tag)


def build_ontology_lexicon(
    eval_root: Path,
    key: str,
    nlp: Language,
    cache: Path | None,
    options: BuildOptions | None = None,
) -> tuple[GraphSchema, RelationLexicon]:
    """Build ``key``'s lexicon from its train split."""
    schema = ontology_schema(eval_root, key)
    sentences = labelled(load_train(eval_root, key))
    source = f"text2kgbench-tekgen-dev/train/ont_{key}_train.jsonl"
    lexicon = build_lexicon(
        sentences,
        schema,
        _CachedNlp(nlp, cache, f"{key}-train"),  # type: ignore[arg-type]
        options,
        sources=[source],
    )
    return schema, lexicon


def pipeline_triples(
    ontology_path: Path,
    lexicon: RelationLexicon,
    cases: Sequence[GroundTruthSentence],
    workdir: Path,
    nlp: Language | None = None,
) -> dict[str, list[Triple]]:
    """Ingest each sentence as a document with the product pipeline (NLP only, the learned
    finder selected by ``KAG_INGESTION__RELATION_LEXICON``) into a fresh embedded store, and
    read the relation assertions back as triples, by the sentence their evidence comes from.

    ``nlp`` must be a pipeline the ingestion may change (it adds its EntityRuler).
    """
    from graph_schema import Status
    from ingestion.pipeline import IngestionPipeline, TextInput
    from ingestion.relations.lexicon import save_lexicon
    from kag.settings import IngestionSettings, Settings
    from kag.store import open_store

    workdir.mkdir(parents=True, exist_ok=True)
    lexicon_path = workdir / "lexicon.json"
    save_lexicon(lexicon, lexicon_path)
    settings = Settings(
        store=f"embedded:{workdir / 'graph.db'}",
        ontology=ontology_path,
        llm="none",
        ingestion=IngestionSettings(relation_lexicon=lexicon_path),
    )
    store = open_store(settings)
    try:
        pipeline = IngestionPipeline(store, settings, nlp=nlp)
        with warnings.catch_warnings():
            # the benchmark ontologies give the EntityRuler no examples, so until the graph has
            # entities spaCy warns (W036) on every document; the warning says nothing here
            warnings.filterwarnings("ignore", message=r"\[W036\]", category=UserWarning)
            pipeline.ingest_texts([TextInput(source=c.id, text=c.sent, title=c.id) for c in cases])
        schema = store.schema
        labels = {name: rtype.label for name, rtype in schema.relation_types.items()}
        every = list(Status)
        entity_ids = [e.id for e in store.list_entities()]
        names: dict[str, str] = {}
        relations: dict[str, RelView] = {}
        for i in range(0, len(entity_ids), 500):
            sub = store.neighbourhood(
                entity_ids[i : i + 500],
                hops=1,
                rel_types=list(labels),
                statuses=every,
                entity_statuses=every,
                limit=10**9,
            )
            names.update((n.id, n.name) for n in sub.nodes)
            relations.update((r.id, r) for r in sub.relationships)
        out: dict[str, list[Triple]] = {c.id: [] for c in cases}
        evidence = store.evidence(sorted(relations))
        for rel_id, rel in sorted(relations.items()):
            triple = Triple(
                sub=names[rel.source_id], rel=labels[rel.type], obj=names[rel.target_id]
            )
            for source in sorted({e.document_source for e in evidence.get(rel_id, [])}):
                if source in out and triple not in out[source]:
                    out[source].append(triple)
        return out
    finally:
        store.close()


def finder_triples(
    finder: LearnedRelationFinder, schema: GraphSchema, docs: Sequence[Doc]
) -> list[list[Triple]]:
    """Run the finder over each parsed sentence (per spaCy sentence, as the pipeline does)."""
    context = SentenceContext(graph_schema=schema)
    labels = {name: rtype.label for name, rtype in schema.relation_types.items()}
    out: list[list[Triple]] = []
    for doc in docs:
        triples: list[Triple] = []
        for sent in doc.sents:
            for cand in finder.find(sent, [], context):
                triples.append(
                    Triple(sub=cand.subject.name, rel=labels[cand.predicate], obj=cand.object.name)
                )
        out.append(triples)
    return out


@dataclass(frozen=True)
class OntologyRun:
    """One ontology's score with its timing."""

    key: str
    score: OntologyScore
    build_s: float
    extract_s: float
    sentences: int


def evaluate_ontology(
    eval_root: Path,
    key: str,
    split: Split,
    nlp: Language,
    cache: Path | None,
    *,
    mode: Mode = "finder",
    workdir: Path | None = None,
    options: BuildOptions | None = None,
    limit: int | None = None,
) -> OntologyRun:
    """Build ``key``'s lexicon on train and score the extraction on ``split``."""
    started = time.perf_counter()
    schema, lexicon = build_ontology_lexicon(eval_root, key, nlp, cache, options)
    built = time.perf_counter()
    if split == "validation":
        cases = as_cases(load_validation(eval_root, key))
    else:
        cases = load_ground_truth(eval_root, key)
    cases = cases[:limit]
    if mode == "pipeline":
        if workdir is None:
            raise ValueError("pipeline mode needs a work folder for its store")
        ontology_path = dataset_dir(eval_root) / "ontologies" / f"{key}_ontology.json"
        output = pipeline_triples(ontology_path, lexicon, cases, workdir / key, load_nlp())
    else:
        docs = parse_cached(nlp, [c.sent for c in cases], cache, f"{key}-{split}-{limit}")
        finder = LearnedRelationFinder(lexicon, schema)
        predicted = finder_triples(finder, schema, docs)
        output = {case.id: triples for case, triples in zip(cases, predicted, strict=True)}
    done = time.perf_counter()
    score = score_ontology(load_ontology(eval_root, key), cases, output)
    return OntologyRun(key, score, built - started, done - built, len(cases))


def format_score(total: BenchmarkScore) -> str:
    """A small text table of the figures per ontology and mean."""
    lines = [
        f"{'ontology':<12} {'fP':>6} {'fR':>6} {'fF1':>6} {'sP':>6} {'sR':>6} {'sF1':>6} "
        f"{'conf':>6} {'subH':>6} {'objH':>6} {'tps':>5}"
    ]
    rows: list[tuple[str, OntologyScore | BenchmarkScore]] = [
        (o.ontology, o) for o in total.ontologies
    ]
    rows.append(("mean", total))
    for name, s in rows:
        strict = s.strict
        lines.append(
            f"{name:<12} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {strict.precision:6.3f} "
            f"{strict.recall:6.3f} {strict.f1:6.3f} {s.conformance:6.3f} "
            f"{s.subject_hallucination:6.3f} {s.object_hallucination:6.3f} "
            f"{s.mean_triples_per_sentence:5.2f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (see the module docstring)."""
    import tempfile

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--split", choices=["validation", "test"], default="validation")
    parser.add_argument("--mode", choices=["finder", "pipeline"], default="finder")
    parser.add_argument("--eval-data", default=None)
    parser.add_argument("--cache", type=Path, default=None, help="DocBin cache folder")
    parser.add_argument("--only", action="append", default=None, help="ontology key")
    parser.add_argument("--limit", type=int, default=None, help="sentences per ontology")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    eval_root = resolve_eval_root(args.eval_data)
    try:
        keys = args.only or list_ontologies(eval_root)
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    nlp = load_nlp()
    runs = []
    with tempfile.TemporaryDirectory(prefix="kag-extraction-") as work:
        for key in keys:
            run = evaluate_ontology(
                eval_root, key, args.split, nlp, args.cache, mode=args.mode,
                workdir=Path(work), limit=args.limit,
            )  # fmt: skip
            print(
                f"{key}: build {run.build_s:.1f}s, extract {run.extract_s:.1f}s "
                f"({run.sentences} sentences, {args.mode} mode)",
                file=sys.stderr,
            )
            runs.append(run)
    print(format_score(score_benchmark([r.score for r in runs])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
