"""Stemmed forms for Text2KGBench's hallucination check.

The benchmark's script (cenguix/Text2KGBench ``src/evaluation/run_eval.py``, ``clean_entity_string``
and ``get_subject_object_hallucinations``) Porter-stems every NLTK word token, concatenates the
stems, deletes whitespace and underscores and lower-cases; an entity also loses the string
``"01januari"``. The script tokenizes with ``nltk.word_tokenize``, which needs NLTK's pretrained
Punkt model; that model is a download, not part of the ``nltk`` package, and cannot be fetched
here. So sentences are split by an untrained Punkt splitter and then tokenized by NLTK's Treebank
word tokenizer, which is what ``word_tokenize`` does with the pretrained model. The two splitters
differ only at abbreviations, and a split only changes the stem of the word glued to a full stop.
"""

import re
from collections.abc import Iterable
from functools import cache
from typing import Final

from nltk.stem import PorterStemmer
from nltk.tokenize import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktSentenceTokenizer

_SEPARATORS = re.compile(r"[_\s]+")
_YEAR_ONLY_DATE_PREFIX: Final = "01januari"


@cache
def _stemmer() -> PorterStemmer:
    return PorterStemmer()


@cache
def stem_word(word: str) -> str:
    """Porter-stem one word (NLTK's default mode, lower-casing), with a per-process cache."""
    return str(_stemmer().stem(word))


@cache
def _word_tokenizer() -> NLTKWordTokenizer:
    return NLTKWordTokenizer()


@cache
def _sentence_splitter() -> PunktSentenceTokenizer:
    return PunktSentenceTokenizer()


def _words(text: str) -> Iterable[str]:
    for sentence in _sentence_splitter().tokenize(text):
        yield from _word_tokenizer().tokenize(sentence)


def stemmed_form(text: str) -> str:
    """Porter-stem every word token, concatenate the stems, delete whitespace and underscores,
    and lower-case."""
    return _SEPARATORS.sub("", "".join(stem_word(word) for word in _words(text))).lower()


def entity_form(entity: str) -> str:
    """The stemmed form of a subject or object, with ``"01januari"`` deleted (upstream rule)."""
    return stemmed_form(entity).replace(_YEAR_ONLY_DATE_PREFIX, "")
