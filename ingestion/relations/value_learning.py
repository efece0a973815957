"""Learning object values from labelled sentences: date templates, known values, value maps.

Labels often name an object differently from the sentence: a bare year "1984" is labelled
"01 January 1984", "middle distance runner" is "middle-distance runner", "under-23 football team"
is "men's U23 association football". This module learns, from the labels alone:

- the date output template of each granularity (day, month, year);
- per relation, the values seen as objects in several sentences (closed vocabularies such as
  genres, voice types, ranks), keyed by how they are written;
- per relation, value maps from a phrase in the sentence to a label that is not written there,
  kept only when the phrase predicts the label reliably.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from ingestion.relations.values import DEFAULT_DATE_TEMPLATES, MONTHS, find_dates, squash

_GOLD_DATE = re.compile(r"^(?P<day>\d{1,2}) (?P<month>[A-Z][a-z]+) (?P<year>\d{4})$")
TEMPLATE_CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "day": (
        "{day:02d} {month_name} {year}",
        "{day} {month_name} {year}",
        "{month_name} {day}, {year}",
        "{year}-{month:02d}-{day:02d}",
    ),
    "month": ("01 {month_name} {year}", "{month_name} {year}", "{year}-{month:02d}"),
    "year": ("01 January {year}", "{year}", "{year}-01-01"),
}
MAX_MAP_WORDS: Final = 4


@dataclass(frozen=True, slots=True)
class LabelledTriple:
    """A gold triple of a labelled sentence; ``relation`` is the relationship type name."""

    subject: str
    relation: str
    object: str


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    """A sentence with every gold triple the labels give for it."""

    text: str
    triples: tuple[LabelledTriple, ...]


def learn_date_templates(sentences: Iterable[LabelledSentence]) -> dict[str, str]:
    """Pick, per date granularity, the template that reproduces the most date labels.

    Only labels whose year is written in the sentence count; a granularity with no evidence
    keeps the default template.
    """
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence in sentences:
        mentions = find_dates(sentence.text)
        if not mentions:
            continue
        for triple in sentence.triples:
            for mention in mentions:
                if str(mention.year) not in triple.object:
                    continue
                for template in TEMPLATE_CHOICES[mention.granularity]:
                    rendered = template.format(
                        day=mention.day,
                        month=mention.month,
                        month_name=MONTHS[mention.month - 1],
                        year=mention.year,
                    )
                    if rendered == triple.object:
                        votes[mention.granularity][template] += 1
    templates = dict(DEFAULT_DATE_TEMPLATES)
    for granularity, counter in votes.items():
        templates[granularity] = counter.most_common(1)[0][0]
    return templates


@dataclass
class ValueStatistics:
    """Per relation: how often each object value was seen, and surface -> value maps.

    ``sentences_by_value[relation][squashed surface]`` holds the indexes of the sentences where
    the value was labelled, so a training sentence's own labels can be left out (leave-one-out)
    when its features are computed.
    """

    values: dict[str, dict[str, str]]
    sentences_by_value: dict[str, dict[str, set[int]]]
    min_sentences: int = 2

    def known_for(self, surface: str, exclude: int | None = None) -> list[str]:
        """Relations that would know ``surface`` (squashed) as a value had sentence ``exclude``
        not been labelled: what the finder will know of a sentence it never saw."""
        out = []
        for relation, index in self.sentences_by_value.items():
            seen = index.get(surface, set())
            if len(seen - {exclude}) >= self.min_sentences:
                out.append(relation)
        return sorted(out)


def _ngrams(words: Sequence[str], max_n: int) -> set[str]:
    out: set[str] = set()
    for i in range(len(words)):
        for n in range(1, max_n + 1):
            if i + n <= len(words):
                out.add(" ".join(words[i : i + n]))
    return out


_WORD = re.compile(r"[\w'\u2019-]+", re.UNICODE)


def learn_values(
    sentences: Sequence[LabelledSentence],
    *,
    min_sentences: int = 2,
    min_map_precision: float = 0.6,
) -> ValueStatistics:
    """Learn known values and value maps per relation.

    Args:
        sentences: The labelled sentences.
        min_sentences: A value (or a map) must be supported by this many distinct sentences.
        min_map_precision: A phrase maps to a label only if, among the relation's sentences
            containing the phrase, at least this share carry the label.

    Returns:
        The values with the sentences supporting each.
    """
    written: dict[str, dict[str, str]] = defaultdict(dict)
    support: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    unwritten: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for index, sentence in enumerate(sentences):
        text = squash(sentence.text)
        for triple in sentence.triples:
            key = squash(triple.object)
            if not key or _GOLD_DATE.match(triple.object):
                continue
            if key in text:
                written[triple.relation].setdefault(key, triple.object)
                support[triple.relation][key].add(index)
            else:
                unwritten[triple.relation].append((index, triple.object))
    values: dict[str, dict[str, str]] = defaultdict(dict)
    for relation, keyed in support.items():
        for key, seen in keyed.items():
            if len(seen) >= min_sentences:
                values[relation][written[relation][key].lower()] = written[relation][key]
    _learn_maps(sentences, unwritten, values, support, min_sentences, min_map_precision)
    return ValueStatistics(
        values={r: dict(v) for r, v in values.items()},
        sentences_by_value={r: {k: set(s) for k, s in idx.items()} for r, idx in support.items()},
        min_sentences=min_sentences,
    )


def _learn_maps(
    sentences: Sequence[LabelledSentence],
    unwritten: dict[str, list[tuple[int, str]]],
    values: dict[str, dict[str, str]],
    support: dict[str, dict[str, set[int]]],
    min_sentences: int,
    min_precision: float,
) -> None:
    """Phrases that stand for a label not written in the sentence ("general" -> "Shang Jiang")."""
    for relation, labelled in unwritten.items():
        relation_sentences = {
            i for i, s in enumerate(sentences) if any(t.relation == relation for t in s.triples)
        }
        phrase_sentences: dict[str, set[int]] = defaultdict(set)
        for i in relation_sentences:
            words = [w.lower() for w in _WORD.findall(sentences[i].text)]
            for gram in _ngrams(words, MAX_MAP_WORDS):
                phrase_sentences[gram].add(i)
        by_label: dict[str, set[int]] = defaultdict(set)
        for i, label in labelled:
            by_label[label].add(i)
        for label, carriers in by_label.items():
            if len(carriers) < min_sentences:
                continue
            best: tuple[int, int, str] | None = None
            for gram, seen in phrase_sentences.items():
                hits = len(seen & carriers)
                if hits < min_sentences or hits / len(seen) < min_precision:
                    continue
                if not any(ch.isalpha() for ch in gram):
                    continue
                rank = (hits, len(gram.split()), gram)
                if best is None or rank > best:
                    best = rank
            if best is not None:
                surface = best[2]
                values[relation].setdefault(surface, label)
                support[relation][squash(surface)] |= carriers
