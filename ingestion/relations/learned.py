"""The learned relation finder: relations found by the scorers of a relation lexicon.

For each sentence the finder proposes candidate spans (see :mod:`ingestion.relations.spans`),
picks the sentence's subject with the lexicon's subject chooser, scores every other candidate
as the object of every relation type, and emits the triples whose P(subject) x score reaches the
relation's threshold — at most ``max_per_sentence`` per relation, and never two overlapping
objects (or two objects of the same name) for one relation. An object coordinated with an emitted
one ("directed by A and B", "starring A, B and C") is emitted too, with the same score, under
the relation that object scores highest for: the training labels mark one object of such lists,
so the scorers alone would keep one relation per sentence where the text states several. A
sentence whose best subject is too uncertain yields nothing. A candidate's confidence is that
product; its subject and object mentions carry the two factors.

The lexicon was learned from parses of the plain spaCy model. In the ingestion, an EntityRuler
fed with the graph's entities runs before the statistical NER and labels known names with
concept types, which changes the entity features the scorers see (a performer met earlier, typed
by range-less relation, loses its PERSON label and with it the composer/lyricist evidence). So
when the extractor hands the finder its pipeline (:meth:`LearnedRelationFinder.use_pipeline`),
a sentence with ruler-labelled entities is re-read with the statistical NER alone, on a copy.

The scores are a ranking more than calibrated probabilities: the training labels mark only some
of each sentence's facts (see :mod:`ingestion.relations.training`), so the thresholds are
chosen on held-out data, not set at 0.5.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from graph_schema import GraphSchema
from ingestion.models import EntityMention, RelationCandidate, Span
from ingestion.relations.analysis import NER_LABELS, SentenceAnalysis, analyse, argument_type
from ingestion.relations.base import SentenceContext
from ingestion.relations.lexicon import RelationLexicon, load_lexicon
from ingestion.relations.spans import CandidateSpan
from ingestion.relations.values import squash

if TYPE_CHECKING:
    from collections.abc import Callable

    from spacy.language import Language
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

logger = logging.getLogger(__name__)
EXTRACTOR: Final = "learned"
#: At most this many objects of one relation per sentence once coordinated objects are added.
MAX_COORDINATED: Final = 6
_NAME_LEFT: Final = frozenset({"compound", "flat", "amod", "nmod", "poss"})
_NAME_RIGHT: Final = frozenset({"compound", "flat"})
_NAME_SKIP: Final = frozenset({"det", "punct", "cc", "case"})


@dataclass(frozen=True, slots=True)
class ScoredTriple:
    """A triple the finder decided to emit, before it becomes a :class:`RelationCandidate`."""

    subject: CandidateSpan
    relation: str
    object: CandidateSpan
    subject_probability: float
    fact_probability: float

    @property
    def confidence(self) -> float:
        """P(subject) x P(fact | subject)."""
        return self.subject_probability * self.fact_probability


class LearnedRelationFinder:
    """A :class:`~ingestion.relations.base.RelationFinder` driven by a relation lexicon."""

    name: str = EXTRACTOR
    #: The finder proposes its own argument spans (titles, dates, values), so a sentence needs
    #: no entity mention at all to be worth reading.
    min_mentions: int = 0

    def __init__(self, lexicon: RelationLexicon, schema: GraphSchema) -> None:
        """Use ``lexicon`` for ``schema``'s ontology.

        Raises:
            ConfigurationError: the lexicon is for another ontology or finder version.
        """
        lexicon.check_against(schema)
        self.lexicon = lexicon
        self.schema = schema
        self._known = lexicon.known_values()
        self._known_for: dict[str, list[str]] = {}
        self._ner: Callable[[Doc], Doc] | None = None
        self._reread: tuple[Doc, Doc] | None = None  # (doc as given, its statistical re-read)
        for relation, entry in sorted(lexicon.relations.items()):
            for surface in entry.values:
                self._known_for.setdefault(squash(surface), []).append(relation)

    @classmethod
    def from_file(cls, path: Path | str, schema: GraphSchema) -> LearnedRelationFinder:
        """Load the lexicon at ``path`` (see :func:`~ingestion.relations.lexicon.load_lexicon`)."""
        return cls(load_lexicon(path), schema)

    def use_pipeline(self, nlp: Language) -> None:
        """Re-read ruler-labelled sentences with ``nlp``'s statistical NER (see the module
        docstring). The NLP extractor calls this with the pipeline whose parses it passes."""
        self._ner = nlp.get_pipe("ner") if "ner" in nlp.pipe_names else None
        self._reread = None

    def _statistical(self, sentence: SpacySpan) -> SpacySpan:
        """``sentence`` with the entity labels the statistical NER alone gives, when another
        component (the EntityRuler) labelled some of its entities; else ``sentence`` itself."""
        if self._ner is None or all(e.label_ in NER_LABELS for e in sentence.ents):
            return sentence
        doc = sentence.doc
        if self._reread is None or self._reread[0] is not doc:
            # the same tokens, so candidate token positions (and offsets) hold for both
            copy = doc.copy()
            copy.set_ents([], default="missing")
            self._reread = (doc, self._ner(copy))
        return self._reread[1][sentence.start : sentence.end]

    def analyse(
        self, sentence: SpacySpan, mentions: Sequence[EntityMention] = (), offset: int = 0
    ) -> SentenceAnalysis:
        """Candidate spans of ``sentence``, including the given entity mentions."""
        extra = [c for c in (_mention_span(sentence, m, offset) for m in mentions) if c]
        return analyse(
            sentence, self._known, self.lexicon.date_templates, extra, self.lexicon.entity_labels
        )

    def decide(self, analysis: SentenceAnalysis) -> list[ScoredTriple]:
        """The triples to emit for an analysed sentence, best first."""
        if not analysis.candidates:
            return []
        subject_scorer = self.lexicon.subject
        scores = subject_scorer.probabilities(analysis.subject_features())
        best = max(range(len(scores)), key=lambda i: (scores[i], -i))
        if scores[best] < subject_scorer.threshold:
            return []
        subject = analysis.candidates[best]
        by_relation: dict[str, list[tuple[float, CandidateSpan]]] = {}
        for index, feats in analysis.object_features(best, self._object_known_for):
            candidate = analysis.candidates[index]
            for relation, entry in self.lexicon.relations.items():
                p = entry.truth_probability(feats)
                if p * scores[best] >= entry.threshold:
                    by_relation.setdefault(relation, []).append((p, candidate))
        names: dict[str, set[str]] = {relation: set() for relation in by_relation}
        chosen = {
            relation: _choose(
                scored, self.lexicon.relations[relation].max_per_sentence, names[relation]
            )
            for relation, scored in by_relation.items()
        }
        # an object's coordinates take the relation it is most surely the object of
        role: dict[tuple[int, int], tuple[float, str]] = {}
        for relation, scored in by_relation.items():
            for p, cand in scored:
                span = (cand.start, cand.end)
                role[span] = max(role.get(span, (p, relation)), (p, relation))
        out: list[ScoredTriple] = []
        for relation, kept in chosen.items():
            leads = [(p, c) for p, c in kept if role[(c.start, c.end)][1] == relation]
            kept += _coordinated(analysis, subject, leads, kept, names[relation])
            out += [ScoredTriple(subject, relation, c, scores[best], p) for p, c in kept]
        return sorted(out, key=lambda t: -t.confidence)

    def find(
        self,
        sentence: SpacySpan,
        mentions: Sequence[EntityMention],
        context: SentenceContext,
    ) -> list[RelationCandidate]:
        """Relation candidates stated by ``sentence`` (see the module docstring)."""
        offset = context.document_offset
        sentence = self._statistical(sentence)
        triples = self.decide(self.analyse(sentence, mentions, offset))
        evidence = _span(sentence, sentence.start, sentence.end, offset)
        out = [
            RelationCandidate(
                subject=self._mention(
                    sentence, t.subject, t.relation, "subject", offset, t.subject_probability
                ),
                predicate=t.relation,
                object=self._mention(
                    sentence, t.object, t.relation, "object", offset, t.fact_probability
                ),
                evidence=evidence,
                extractor=EXTRACTOR,
                confidence=round(t.confidence, 4),
            )
            for t in triples
        ]
        logger.debug("learned finder: %d relation candidates in a sentence", len(out))
        return out

    def _object_known_for(self, candidate: CandidateSpan) -> list[str]:
        return self._known_for.get(squash(candidate.name), [])

    def _mention(
        self,
        sentence: SpacySpan,
        cand: CandidateSpan,
        relation: str,
        role: str,
        offset: int,
        confidence: float,
    ) -> EntityMention:
        return EntityMention(
            name=cand.name,
            type=argument_type(self.schema, relation, role, cand),
            span=_span(sentence, cand.start, cand.end, offset),
            extractor=EXTRACTOR,
            confidence=round(confidence, 4),
        )


def load_relation_finder(schema: GraphSchema, path: Path) -> LearnedRelationFinder:
    """The learned finder for the lexicon file ``path`` (what
    ``KAG_INGESTION__RELATION_LEXICON`` selects; see :mod:`ingestion.relations.select`).

    Raises:
        ConfigurationError: the file is not a lexicon, or not one for ``schema``'s ontology.
    """
    return LearnedRelationFinder.from_file(path, schema)


def _choose(
    scored: Sequence[tuple[float, CandidateSpan]], most: int, names: set[str]
) -> list[tuple[float, CandidateSpan]]:
    """The best ``most`` objects of a relation, best first: never two overlapping objects or
    two of the same name (``names`` gains the names taken)."""
    kept: list[tuple[float, CandidateSpan]] = []
    for p, cand in sorted(scored, key=lambda pc: (-pc[0], pc[1].start, pc[1].end)):
        key = squash(cand.name)
        if key in names or any(_overlaps(cand, c) for _, c in kept):
            continue
        kept.append((p, cand))
        names.add(key)
        if len(kept) >= most:
            break
    return kept


def _coordinated(
    analysis: SentenceAnalysis,
    subject: CandidateSpan,
    leads: Sequence[tuple[float, CandidateSpan]],
    chosen: Sequence[tuple[float, CandidateSpan]],
    names: set[str],
) -> list[tuple[float, CandidateSpan]]:
    """Objects coordinated with the ``leads`` (some of the ``chosen`` objects of a relation),
    each with the score of its lead ("directed by A and B", "starring A, B and C").

    A conjunct takes the candidate headed by its token, of the chosen object's entity label,
    preferring the span of its name (the token with its compound and flat parts); spans that
    hold a list themselves, overlap an argument or repeat a name are skipped. ``names`` gains
    the names taken.
    """
    doc = analysis.sent.doc
    taken = [subject, *(c for _, c in chosen)]
    out: list[tuple[float, CandidateSpan]] = []
    for p, cand in leads:
        if _is_list(doc[cand.start : cand.end]):
            continue
        for token in _conjuncts(doc[cand.start : cand.end].root):
            if len(chosen) + len(out) >= MAX_COORDINATED:
                return out
            options = [
                c
                for c in analysis.candidates
                if c.start <= token.i < c.end
                and c.ner == cand.ner
                and doc[c.start : c.end].root.i == token.i
                and not _is_list(doc[c.start : c.end])
                and not any(_overlaps(c, t) for t in taken)
            ]
            if not options:
                continue
            name = _name_range(token)
            pick = max(options, key=lambda c: ((c.start, c.end) == name, c.end - c.start, -c.start))
            key = squash(pick.name)
            if key in names:
                continue
            names.add(key)
            taken.append(pick)
            out.append((p, pick))
    return out


def _conjuncts(token: Token) -> list[Token]:
    """Tokens coordinated with ``token``; a list whose second member the parser took for an
    apposition ("stars A, B, C and D") counts, an apposition alone ("A, a novelist") does not."""
    out = list(token.conjuncts)
    for child in token.children:
        if child.dep_ == "appos" and child.conjuncts:
            out += [t for t in (child, *child.conjuncts) if t not in out and t != token]
    return sorted(out, key=lambda t: t.i)


def _is_list(span: SpacySpan) -> bool:
    return any(t.dep_ == "cc" or t.text in (",", ";") for t in span)


def _name_range(token: Token) -> tuple[int, int]:
    """The token range of the name ``token`` heads: with its compound, flat and modifier
    parts, without a leading determiner or punctuation."""
    start = end = token.i
    for child in token.children:
        if child.i < token.i and child.dep_ in _NAME_LEFT:
            start = min(start, child.left_edge.i)
        elif child.i > token.i and child.dep_ in _NAME_RIGHT:
            end = max(end, child.right_edge.i)
    while start < token.i and token.doc[start].dep_ in _NAME_SKIP:
        start += 1
    return start, end + 1


def _overlaps(a: CandidateSpan, b: CandidateSpan) -> bool:
    return a.start < b.end and b.start < a.end


def _span(sentence: SpacySpan, start: int, end: int, offset: int) -> Span:
    doc = sentence.doc
    start_char = doc[start].idx
    end_char = doc[end - 1].idx + len(doc[end - 1].text)
    return Span(
        start=offset + start_char, end=offset + end_char, text=doc.text[start_char:end_char]
    )


def _mention_span(sentence: SpacySpan, mention: EntityMention, offset: int) -> CandidateSpan | None:
    span = sentence.doc.char_span(
        mention.span.start - offset, mention.span.end - offset, alignment_mode="expand"
    )
    if span is None or span.start < sentence.start or span.end > sentence.end:
        return None
    return CandidateSpan(
        span.start, span.end, span.text, frozenset({"mention"}), ner=span[0].ent_type_
    )
