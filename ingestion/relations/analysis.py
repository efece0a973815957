"""One sentence prepared for the learned finder: its candidate spans and their features.

Shared by the finder (:mod:`ingestion.relations.learned`) and the lexicon builder
(:mod:`ingestion.relations.training`), so that training sees exactly the candidates and features
the finder will see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

from graph_schema import GraphSchema
from ingestion.relations.features import pair_features, sentence_class, subject_features
from ingestion.relations.spans import CandidateSpan, candidate_spans
from ingestion.relations.values import date_spans, squash

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan

KnownFor = Callable[[CandidateSpan], list[str]]
DATE_TYPE: Final = "date"
VALUE_TYPE: Final = "value"
#: The entity labels of spaCy's English NER (OntoNotes 5).
NER_LABELS: Final = frozenset(
    [
        "PERSON",
        "NORP",
        "FAC",
        "ORG",
        "GPE",
        "LOC",
        "PRODUCT",
        "EVENT",
        "WORK_OF_ART",
        "LAW",
        "LANGUAGE",
        "DATE",
        "TIME",
        "PERCENT",
        "MONEY",
        "QUANTITY",
        "ORDINAL",
        "CARDINAL",
    ]
)


@dataclass
class SentenceAnalysis:
    """A sentence with its candidate argument spans."""

    sent: SpacySpan
    klass: str
    candidates: list[CandidateSpan]

    def subject_features(self) -> list[list[str]]:
        """Features of every candidate as the sentence's subject, in candidate order."""
        return [subject_features(self.sent, c, self.klass) for c in self.candidates]

    def object_features(self, subject: int, known_for: KnownFor) -> list[tuple[int, list[str]]]:
        """Features of every candidate that can be an object of ``candidates[subject]``.

        Candidates overlapping the subject or naming the same thing are left out.
        """
        s = self.candidates[subject]
        s_key = squash(s.name)
        out: list[tuple[int, list[str]]] = []
        for i, o in enumerate(self.candidates):
            if o.start < s.end and s.start < o.end:
                continue
            if squash(o.name) == s_key:
                continue
            feats = pair_features(self.sent, s, o, self.klass)
            feats.extend(f"known_for={r}" for r in known_for(o))
            out.append((i, feats))
        return out


def argument_type(schema: GraphSchema, relation: str, role: str, cand: CandidateSpan) -> str:
    """The entity type a relation's argument gets: the relation's first domain (subject) or
    range (object) concept, else ``date`` for a date and ``value`` for another literal."""
    rtype = schema.relation_types[relation]
    types = rtype.domains if role == "subject" else rtype.ranges
    if types:
        return types[0]
    if cand.sources & {"date", "year"}:
        return DATE_TYPE
    return VALUE_TYPE


def analyse(
    sent: SpacySpan,
    known: Mapping[str, str],
    date_templates: Mapping[str, str],
    extra: list[CandidateSpan] | None = None,
    entity_labels: Mapping[str, str] | None = None,
) -> SentenceAnalysis:
    """Propose the candidate spans of ``sent``.

    Args:
        sent: A parsed sentence.
        known: Known values by squashed surface (see :func:`candidate_spans`).
        date_templates: Output templates of dates by granularity.
        extra: More candidates (e.g. entity mentions found by other extractors).
        entity_labels: spaCy NER label for an entity label that is not one (the ingestion's
            EntityRuler labels names already in the graph with their concept, e.g. "human";
            the scorers were trained on the NER's labels, e.g. "PERSON").
    """
    candidates = candidate_spans(sent, known, date_spans(sent, dict(date_templates)))
    if extra:
        index = {(c.start, c.end, c.value): i for i, c in enumerate(candidates)}
        for cand in extra:
            at = index.get((cand.start, cand.end, cand.value))
            if at is None:
                index[(cand.start, cand.end, cand.value)] = len(candidates)
                candidates.append(cand)
            else:  # the same span, proposed again: it gains the source
                old = candidates[at]
                candidates[at] = replace(old, sources=old.sources | cand.sources)
    if any(c.ner and c.ner not in NER_LABELS for c in candidates):
        labels = entity_labels or {}
        candidates = [
            c if not c.ner or c.ner in NER_LABELS else replace(c, ner=labels.get(c.ner, ""))
            for c in candidates
        ]
    return SentenceAnalysis(sent=sent, klass=sentence_class(sent), candidates=candidates)
