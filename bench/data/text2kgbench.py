"""Loader for ``text2kgbench-tekgen-dev``: Text2KGBench's Wikidata-TekGen part, ontologies 1-5.

Layout under the evaluation data folder (see ``shared/eval/README.md``)::

    text2kgbench-tekgen-dev/
      ontologies/<N>_<name>_ontology.json          concepts and relations (domain/range QIDs)
      train/ont_<N>_<name>_train.jsonl             one gold triple per line, with its sentence
      validation/ont_<N>_<name>_validation.jsonl   same shape as train
      test/ont_<N>_<name>_test.jsonl               {"id", "sent"}
      ground_truth/ont_<N>_<name>_ground_truth.jsonl  {"id", "sent", "triples": [{sub, rel, obj}]}

An ontology is named by its key, e.g. ``"1_movie"``. Tune on train/validation, report on test.
"""

import re
from pathlib import Path
from typing import Final, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bench.data.paths import iter_jsonl, read_json, require_path
from bench.errors import EvalDataInvalid

DATASET_DIR: Final = "text2kgbench-tekgen-dev"
_ONTOLOGY_FILE = re.compile(r"^(?P<key>(?P<number>\d+)_[a-z_]+)_ontology\.json$")
_Model = TypeVar("_Model", bound=BaseModel)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Concept(_Frozen):
    """An ontology concept (a Wikidata class)."""

    qid: str
    label: str


class Relation(_Frozen):
    """An ontology relation (a Wikidata property) with its domain and range concepts."""

    pid: str
    label: str
    domain: str
    range: str


class Ontology(_Frozen):
    """One Text2KGBench ontology."""

    id: str
    title: str
    concepts: tuple[Concept, ...]
    relations: tuple[Relation, ...]

    @property
    def key(self) -> str:
        """The ontology's key, e.g. ``"1_movie"`` for id ``"ont_1_movie"``."""
        return self.id.removeprefix("ont_")


class Triple(_Frozen):
    """A (subject, relation, object) triple of labels, as in the ground truth files."""

    sub: str
    rel: str
    obj: str


class TrainingExample(_Frozen):
    """One line of a train or validation file: one gold triple and its sentence.

    A sentence with several gold triples appears on several lines, each with its own id.
    ``sub``, ``rel`` and ``obj`` are Wikidata ids; ``obj`` is ``None`` for a literal object
    (a date, a quantity).
    """

    id: str
    sent: str
    sub_label: str
    rel_label: str
    obj_label: str
    sub: str
    rel: str
    obj: str | None

    @property
    def triple(self) -> Triple:
        """The example's triple by label."""
        return Triple(sub=self.sub_label, rel=self.rel_label, obj=self.obj_label)


class TestSentence(_Frozen):
    """A test sentence, without its gold triples."""

    __test__ = False  # not a pytest test class, despite the name

    id: str
    sent: str


class GroundTruthSentence(_Frozen):
    """A test sentence with its gold triples.

    A few sentences have no gold triple (2 in 3_sport, 46 of 230 in 5_military); the benchmark
    scores them 0/0/0 whatever the system outputs, which caps those ontologies' F1 (0.8 for
    5_military).
    """

    id: str
    sent: str
    triples: tuple[Triple, ...]


def dataset_dir(eval_root: Path) -> Path:
    """Return the data set's folder under ``eval_root``, raising a clear error if absent."""
    return require_path(eval_root / DATASET_DIR, "Text2KGBench data folder")


def list_ontologies(eval_root: Path) -> list[str]:
    """List the ontology keys present (``["1_movie", "2_music", ...]``), in numeric order."""
    folder = require_path(dataset_dir(eval_root) / "ontologies", "Text2KGBench ontologies folder")
    found: list[tuple[int, str]] = []
    for path in folder.iterdir():
        match = _ONTOLOGY_FILE.match(path.name)
        if match:
            found.append((int(match["number"]), match["key"]))
    return [key for _, key in sorted(found)]


def load_ontology(eval_root: Path, key: str) -> Ontology:
    """Load the ontology ``key`` (e.g. ``"1_movie"``)."""
    path = dataset_dir(eval_root) / "ontologies" / f"{key}_ontology.json"
    raw = read_json(path, f"Text2KGBench ontology {key}")
    try:
        return Ontology.model_validate(raw)
    except ValidationError as e:
        raise EvalDataInvalid(f"Text2KGBench ontology {path} has an unexpected shape: {e}") from e


def _split_path(eval_root: Path, split: str, key: str) -> Path:
    return dataset_dir(eval_root) / split / f"ont_{key}_{split}.jsonl"


def _load_lines(path: Path, model: type[_Model], what: str) -> list[_Model]:
    items: list[_Model] = []
    for number, record in iter_jsonl(path, what):
        try:
            items.append(model.model_validate(record))
        except ValidationError as e:
            raise EvalDataInvalid(f"{what} {path}:{number} has an unexpected shape: {e}") from e
    return items


def load_train(eval_root: Path, key: str) -> list[TrainingExample]:
    """Load the training examples of ontology ``key`` (one gold triple per item)."""
    path = _split_path(eval_root, "train", key)
    return _load_lines(path, TrainingExample, f"Text2KGBench train file for {key}")


def load_validation(eval_root: Path, key: str) -> list[TrainingExample]:
    """Load the validation examples of ontology ``key`` (one gold triple per item)."""
    path = _split_path(eval_root, "validation", key)
    return _load_lines(path, TrainingExample, f"Text2KGBench validation file for {key}")


def load_test(eval_root: Path, key: str) -> list[TestSentence]:
    """Load the test sentences of ontology ``key`` (no gold triples)."""
    path = _split_path(eval_root, "test", key)
    return _load_lines(path, TestSentence, f"Text2KGBench test file for {key}")


def load_ground_truth(eval_root: Path, key: str) -> list[GroundTruthSentence]:
    """Load the test sentences of ontology ``key`` with their gold triples."""
    path = _split_path(eval_root, "ground_truth", key)
    return _load_lines(path, GroundTruthSentence, f"Text2KGBench ground truth for {key}")
