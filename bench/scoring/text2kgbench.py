"""Text2KGBench scoring: the benchmark's own per-sentence rule plus strict micro figures.

The rule, from ``shared/eval/README.md`` (text2kgbench-tekgen-dev), which is authoritative here:
"for each test sentence, keep only the system triples whose relation (spaces written as
underscores) is one of that sentence's gold relations; normalise each triple by lower-casing and
deleting whitespace and underscores in subject, relation and object; precision, recall and F1
against the gold set per sentence (a sentence with no system triples scores 0/0/0); average over
all test sentences of the ontology; the global figure is the mean of the ontologies' averages.
Also report ontology conformance (share of system triples whose relation is in the ontology) and
subject/object hallucination (share of triples whose stemmed subject/object does not occur in the
stemmed sentence plus the ontology's concept labels)."

Details the README leaves open follow the benchmark's evaluation script, repository
cenguix/Text2KGBench, ``src/evaluation/run_eval.py`` (functions ``normalize_triple``,
``calculate_precision_recall_f1``, ``get_ontology_conformance``, ``clean_entity_string`` and
``get_subject_object_hallucinations``): triples are compared as sets; conformance and
hallucination are per-sentence shares over the sentence's raw system triples, averaged like P/R/F1
(a sentence with no triples counts as conformance 1 and hallucination 0); stemming is NLTK's
Porter stemmer over NLTK word tokens, and the stemmed entity has the string ``"01januari"``
deleted (the ground truth writes bare years as "01 January <year>").

Where this module knowingly differs from that script, the README's wording wins:

- Relations are compared through :func:`relation_key` on both sides (spaces written as
  underscores, repeated and outer separators dropped). The script converts only the gold side and
  keeps ontology labels' trailing spaces, so there a system relation written with spaces ("cast
  member") is filtered out, and "country_of_origin_" conforms in 3_sport while
  "country_of_origin" does not.
- A normalised triple is a (subject, relation, object) tuple; the script concatenates the three
  strings, so ``("ab", "c", ...)`` and ``("a", "bc", ...)`` collide there.
- The concept labels are joined to the sentence with a space; the script glues the first label to
  the sentence's last word.
- A sentence missing from the system output counts as a sentence with no triples; the script
  scores a missing sentence's conformance 0 but an empty one's 1.
- NLTK's pretrained Punkt model cannot be fetched here, so word tokens differ from the script's
  at abbreviations followed by a full stop; see :mod:`bench.scoring.stemming`.

Figures this module adds beyond the benchmark: strict micro P/R/F1 (no relation filter, counts
pooled over sentences), triple-level ("micro") conformance and hallucination shares, and the mean
number of system triples per sentence.
"""

import re
from collections.abc import Mapping, Sequence, Set
from statistics import fmean
from typing import Final

from pydantic import BaseModel, ConfigDict

from bench.data.text2kgbench import GroundTruthSentence, Ontology, Triple
from bench.scoring.stemming import entity_form, stemmed_form

UPSTREAM_SCRIPT: Final = "cenguix/Text2KGBench src/evaluation/run_eval.py"
_SEPARATORS = re.compile(r"[_\s]+")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PublishedReference(_Frozen):
    """Published figures of a reference system, for a side-by-side column."""

    system: str
    source: str
    f1_by_ontology: dict[str, float]
    f1_mean: float
    precision_all: float
    recall_all: float
    f1_all: float
    conformance_all: float


VICUNA_13B_REFERENCE: Final = PublishedReference(
    system="Vicuna-13B few-shot (Text2KGBench baseline)",
    source="shared/eval/README.md, text2kgbench-tekgen-dev: published reference, all test cases",
    f1_by_ontology={
        "1_movie": 0.25,
        "2_music": 0.32,
        "3_sport": 0.52,
        "4_book": 0.26,
        "5_military": 0.24,
    },
    # f1_mean is over ontologies 1-5; the *_all figures are over all 10 TekGen ontologies.
    f1_mean=0.32,
    precision_all=0.38,
    recall_all=0.35,
    f1_all=0.35,
    conformance_all=0.84,
)


def normalize_label(text: str) -> str:
    """Lower-case ``text`` and delete its whitespace and underscores (the benchmark's rule)."""
    return _SEPARATORS.sub("", text).lower()


def normalize_triple(triple: Triple) -> tuple[str, str, str]:
    """Normalise subject, relation and object with :func:`normalize_label`."""
    return (normalize_label(triple.sub), normalize_label(triple.rel), normalize_label(triple.obj))


def relation_key(label: str) -> str:
    """Write a relation label the way the benchmark compares relations.

    Spaces are written as underscores; runs of spaces and underscores count as one, and leading
    or trailing ones are dropped, so ``"country of origin "`` (a label in 3_sport, with its
    trailing space) and ``"country_of_origin_"`` (how prompts built from it spell it) both give
    ``"country_of_origin"``.
    """
    return "_".join(label.replace("_", " ").split())


class Counts(_Frozen):
    """Matched, system and gold triple counts; precision, recall and F1 derive from them."""

    true_positives: int = 0
    system: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        """Matched / system triples (0 when the system gave none)."""
        return self.true_positives / self.system if self.system else 0.0

    @property
    def recall(self) -> float:
        """Matched / gold triples (0 when there is no gold)."""
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0 when both are 0)."""
        return _f1(self.precision, self.recall)

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(
            true_positives=self.true_positives + other.true_positives,
            system=self.system + other.system,
            gold=self.gold + other.gold,
        )


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total > 0 else 0.0


def set_scores(gold: Set[tuple[str, str, str]], system: Set[tuple[str, str, str]]) -> Counts:
    """Count matches between two sets of normalised triples."""
    return Counts(true_positives=len(gold & system), system=len(system), gold=len(gold))


def hallucination_context(sentence: str, ontology: Ontology) -> str:
    """The stemmed sentence plus the ontology's concept labels, where entities must occur."""
    labels = " ".join(concept.label for concept in ontology.concepts)
    return stemmed_form(f"{sentence} {labels}")


class SentenceScore(_Frozen):
    """Scores of one test sentence."""

    id: str
    benchmark: Counts
    strict: Counts
    system_triples: int
    conformant_triples: int
    subject_hallucinated: int
    object_hallucinated: int

    @property
    def precision(self) -> float:
        """Benchmark precision (relation-filtered)."""
        return self.benchmark.precision

    @property
    def recall(self) -> float:
        """Benchmark recall (relation-filtered; 0 when no system triple is kept)."""
        return self.benchmark.recall

    @property
    def f1(self) -> float:
        """Benchmark F1 (relation-filtered)."""
        return self.benchmark.f1

    @property
    def conformance(self) -> float:
        """Share of this sentence's system triples whose relation is in the ontology (1 if none)."""
        return self.conformant_triples / self.system_triples if self.system_triples else 1.0

    @property
    def subject_hallucination(self) -> float:
        """Share of this sentence's system triples whose subject is not found (0 if none)."""
        return self.subject_hallucinated / self.system_triples if self.system_triples else 0.0

    @property
    def object_hallucination(self) -> float:
        """Share of this sentence's system triples whose object is not found (0 if none)."""
        return self.object_hallucinated / self.system_triples if self.system_triples else 0.0


def score_sentence(
    case: GroundTruthSentence, system_triples: Sequence[Triple], ontology: Ontology
) -> SentenceScore:
    """Score one sentence's system triples against its gold triples.

    Args:
        case: The test sentence with its gold triples.
        system_triples: The system's triples for it, as output (duplicates allowed).
        ontology: The sentence's ontology, for conformance and hallucination.

    Returns:
        The sentence's counts. Benchmark P/R/F1 use the relation-filtered set; ``strict`` uses
        every system triple. Conformance and hallucination count the raw list.
    """
    gold = {normalize_triple(t) for t in case.triples}
    gold_relations = {relation_key(t.rel) for t in case.triples}
    kept = {normalize_triple(t) for t in system_triples if relation_key(t.rel) in gold_relations}
    everything = {normalize_triple(t) for t in system_triples}

    ontology_relations = {relation_key(r.label) for r in ontology.relations}
    conformant = sum(relation_key(t.rel) in ontology_relations for t in system_triples)
    subject_misses = object_misses = 0
    if system_triples:
        context = hallucination_context(case.sent, ontology)
        subject_misses = sum(entity_form(t.sub) not in context for t in system_triples)
        object_misses = sum(entity_form(t.obj) not in context for t in system_triples)
    return SentenceScore(
        id=case.id,
        benchmark=set_scores(gold, kept),
        strict=set_scores(gold, everything),
        system_triples=len(system_triples),
        conformant_triples=conformant,
        subject_hallucinated=subject_misses,
        object_hallucinated=object_misses,
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class OntologyScore(_Frozen):
    """Scores of one ontology's test sentences."""

    ontology: str
    sentences: tuple[SentenceScore, ...]

    @property
    def precision(self) -> float:
        """Benchmark precision: mean of the sentences' precision."""
        return fmean(s.precision for s in self.sentences)

    @property
    def recall(self) -> float:
        """Benchmark recall: mean of the sentences' recall."""
        return fmean(s.recall for s in self.sentences)

    @property
    def f1(self) -> float:
        """Benchmark F1: mean of the sentences' F1 (not the F1 of the mean P and R)."""
        return fmean(s.f1 for s in self.sentences)

    @property
    def conformance(self) -> float:
        """Benchmark ontology conformance: mean of the sentences' conformance."""
        return fmean(s.conformance for s in self.sentences)

    @property
    def subject_hallucination(self) -> float:
        """Benchmark subject hallucination: mean of the sentences' shares."""
        return fmean(s.subject_hallucination for s in self.sentences)

    @property
    def object_hallucination(self) -> float:
        """Benchmark object hallucination: mean of the sentences' shares."""
        return fmean(s.object_hallucination for s in self.sentences)

    @property
    def strict(self) -> Counts:
        """Strict micro counts: every system triple, pooled over the sentences."""
        return sum((s.strict for s in self.sentences), Counts())

    @property
    def system_triples(self) -> int:
        """Number of system triples as output, duplicates included."""
        return sum(s.system_triples for s in self.sentences)

    @property
    def conformance_micro(self) -> float | None:
        """Conformant / all system triples (``None`` when there are none)."""
        return _share(sum(s.conformant_triples for s in self.sentences), self.system_triples)

    @property
    def subject_hallucination_micro(self) -> float | None:
        """Triples with a hallucinated subject / all system triples (``None`` when none)."""
        return _share(sum(s.subject_hallucinated for s in self.sentences), self.system_triples)

    @property
    def object_hallucination_micro(self) -> float | None:
        """Triples with a hallucinated object / all system triples (``None`` when none)."""
        return _share(sum(s.object_hallucinated for s in self.sentences), self.system_triples)

    @property
    def mean_triples_per_sentence(self) -> float:
        """System triples (duplicates included) per test sentence."""
        return self.system_triples / len(self.sentences)


def score_ontology(
    ontology: Ontology,
    cases: Sequence[GroundTruthSentence],
    system_output: Mapping[str, Sequence[Triple]],
) -> OntologyScore:
    """Score a system's triples on an ontology's test sentences.

    Args:
        ontology: The ontology.
        cases: The test sentences to average over (all of them for comparable figures).
        system_output: Sentence id to the system's triples; a missing id means no triples.

    Returns:
        Per-sentence scores with the ontology-level averages as properties.

    Raises:
        ValueError: ``cases`` is empty, or ``system_output`` names a sentence not in ``cases``.
    """
    if not cases:
        raise ValueError(f"no test sentences given for ontology {ontology.key}")
    known = {case.id for case in cases}
    unknown = sorted(set(system_output) - known)
    if unknown:
        raise ValueError(
            f"system output for ontology {ontology.key} names {len(unknown)} sentence id(s) that "
            f"are not among its test cases, e.g. {unknown[:3]}; score each ontology separately"
        )
    scores = tuple(score_sentence(case, system_output.get(case.id, ()), ontology) for case in cases)
    return OntologyScore(ontology=ontology.key, sentences=scores)


class BenchmarkScore(_Frozen):
    """Scores over several ontologies: benchmark figures are means over ontologies."""

    ontologies: tuple[OntologyScore, ...]

    @property
    def precision(self) -> float:
        """Mean of the ontologies' benchmark precision."""
        return fmean(o.precision for o in self.ontologies)

    @property
    def recall(self) -> float:
        """Mean of the ontologies' benchmark recall."""
        return fmean(o.recall for o in self.ontologies)

    @property
    def f1(self) -> float:
        """Mean of the ontologies' benchmark F1 (the benchmark's global figure)."""
        return fmean(o.f1 for o in self.ontologies)

    @property
    def conformance(self) -> float:
        """Mean of the ontologies' benchmark conformance."""
        return fmean(o.conformance for o in self.ontologies)

    @property
    def subject_hallucination(self) -> float:
        """Mean of the ontologies' benchmark subject hallucination."""
        return fmean(o.subject_hallucination for o in self.ontologies)

    @property
    def object_hallucination(self) -> float:
        """Mean of the ontologies' benchmark object hallucination."""
        return fmean(o.object_hallucination for o in self.ontologies)

    @property
    def strict(self) -> Counts:
        """Strict micro counts pooled over every sentence of every ontology."""
        return sum((o.strict for o in self.ontologies), Counts())

    @property
    def system_triples(self) -> int:
        """System triples over all ontologies, duplicates included."""
        return sum(o.system_triples for o in self.ontologies)

    @property
    def sentences(self) -> int:
        """Test sentences over all ontologies."""
        return sum(len(o.sentences) for o in self.ontologies)

    @property
    def conformance_micro(self) -> float | None:
        """Conformant / all system triples, pooled (``None`` when there are none)."""
        conformant = sum(s.conformant_triples for o in self.ontologies for s in o.sentences)
        return _share(conformant, self.system_triples)

    @property
    def subject_hallucination_micro(self) -> float | None:
        """Triples with a hallucinated subject / all system triples, pooled."""
        missed = sum(s.subject_hallucinated for o in self.ontologies for s in o.sentences)
        return _share(missed, self.system_triples)

    @property
    def object_hallucination_micro(self) -> float | None:
        """Triples with a hallucinated object / all system triples, pooled."""
        missed = sum(s.object_hallucinated for o in self.ontologies for s in o.sentences)
        return _share(missed, self.system_triples)

    @property
    def mean_triples_per_sentence(self) -> float:
        """System triples per test sentence, pooled over ontologies."""
        return self.system_triples / self.sentences


def score_benchmark(per_ontology: Sequence[OntologyScore]) -> BenchmarkScore:
    """Combine ontology scores; the benchmark's global figures are unweighted means over them.

    Raises:
        ValueError: ``per_ontology`` is empty.
    """
    if not per_ontology:
        raise ValueError("no ontology scores given")
    return BenchmarkScore(ontologies=tuple(per_ontology))
