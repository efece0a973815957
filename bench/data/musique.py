"""Loader for ``musique-dev``: the MuSiQue subset shipped with OpenSPG/KAG.

Layout under the evaluation data folder (see ``shared/eval/README.md``)::

    musique-dev/
      train_corpus.json   [{"title", "text"}], the 1,890 passages to ingest
      qa_train.json       100 questions with answer, aliases, decomposition and 20 paragraphs each

Passages are identified by :class:`bench.scoring.qa.PassageKey` (title and text).
"""

import re
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, ValidationError

from bench.data.paths import read_json, require_path
from bench.errors import EvalDataInvalid
from bench.scoring.qa import PassageKey, passage_key

DATASET_DIR: Final = "musique-dev"
CORPUS_FILE: Final = "train_corpus.json"
QUESTIONS_FILE: Final = "qa_train.json"
_HOP_PREFIX = re.compile(r"^(?P<hops>\d+)hop")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CorpusPassage(_Frozen):
    """A passage of the corpus to ingest."""

    title: str
    text: str

    @property
    def key(self) -> PassageKey:
        """The passage's identity (title and text)."""
        return passage_key(self.title, self.text)


class QuestionParagraph(_Frozen):
    """One of the 20 paragraphs given with a question; ``idx`` is its position in that list."""

    idx: int
    title: str
    paragraph_text: str
    is_supporting: bool

    @property
    def key(self) -> PassageKey:
        """The paragraph's identity (title and text), comparable with corpus passages."""
        return passage_key(self.title, self.paragraph_text)


class DecompositionStep(_Frozen):
    """One single-hop sub-question; ``#1`` etc. in ``question`` refer to earlier answers."""

    id: int
    question: str
    answer: str
    paragraph_support_idx: int | None


class MusiqueQuestion(_Frozen):
    """A multi-hop question with its answer, aliases and gold passages."""

    id: str
    question: str
    answer: str
    answer_aliases: tuple[str, ...]
    answerable: bool
    question_decomposition: tuple[DecompositionStep, ...]
    paragraphs: tuple[QuestionParagraph, ...]

    @property
    def hops(self) -> int:
        """Number of hops: from the id prefix (``2hop__``, ``3hop1__``, ...), else the
        decomposition's length (the two agree on every question of this subset)."""
        match = _HOP_PREFIX.match(self.id)
        return int(match["hops"]) if match else len(self.question_decomposition)

    @property
    def gold_answers(self) -> tuple[str, ...]:
        """The answer followed by its aliases, as the EM/F1 scorers take them."""
        return (self.answer, *self.answer_aliases)

    @property
    def supporting_keys(self) -> frozenset[PassageKey]:
        """The gold supporting passages (``is_supporting`` true)."""
        return frozenset(p.key for p in self.paragraphs if p.is_supporting)


def dataset_dir(eval_root: Path) -> Path:
    """Return the data set's folder under ``eval_root``, raising a clear error if absent."""
    return require_path(eval_root / DATASET_DIR, "MuSiQue data folder")


def load_corpus(eval_root: Path) -> list[CorpusPassage]:
    """Load the passage corpus, in file order."""
    path = dataset_dir(eval_root) / CORPUS_FILE
    raw = read_json(path, "MuSiQue corpus")
    if not isinstance(raw, list):
        raise EvalDataInvalid(f"MuSiQue corpus {path} should be a JSON list of passages")
    try:
        return [CorpusPassage.model_validate(item) for item in raw]
    except ValidationError as e:
        raise EvalDataInvalid(f"MuSiQue corpus {path} has an unexpected shape: {e}") from e


def load_questions(eval_root: Path) -> list[MusiqueQuestion]:
    """Load the questions, in file order."""
    path = dataset_dir(eval_root) / QUESTIONS_FILE
    raw = read_json(path, "MuSiQue questions")
    if not isinstance(raw, list):
        raise EvalDataInvalid(f"MuSiQue questions {path} should be a JSON list of questions")
    try:
        return [MusiqueQuestion.model_validate(item) for item in raw]
    except ValidationError as e:
        raise EvalDataInvalid(f"MuSiQue questions {path} have an unexpected shape: {e}") from e
