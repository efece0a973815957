"""The default relation finder: the ontology's relation ``cues`` plus dependency patterns.

For each cue found in a sentence (matched on words or lemmas, multi-word cues contiguous), the
finder reads the arguments of the cue from the parse:

- a **verb** cue ("acquire", "compete"): its logical agent (the subject, or the ``by`` phrase of a
  passive) and its logical patients (the object, prepositional objects, a passive subject);
- a **noun** cue ("supplier", "subsidiary", "partnership"): its *referent* (what the noun
  describes: the subject of "X is a supplier of Y", the head of "X, a supplier of Y", the
  subject of "X signed a partnership with Y") and its *holder* ("of Y", "Y's supplier").

Which argument is the relation's subject follows the relation label: for "… by" relations
("supplied by", "led by") the agent/referent is the *object* (Initech supplies Globex ->
Globex SUPPLIED_BY Initech), unless the cue itself is phrased from the receiver's side ("source
from"); otherwise it is the subject. Candidates must fit the relation's domain and range
(symmetric relations may be swapped). When the parse links no pair, the nearest fitting mentions
left and right of the cue are taken, with a lower confidence.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from graph_schema import GraphSchema, RelationType
from ingestion.models import EntityMention, RelationCandidate, Span
from ingestion.nlp.typing import coerce_type, type_allowed
from ingestion.relations.base import SentenceContext

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

NAME: Final = "nlp-cues"
CONFIDENCE_PARSE: Final = 0.95
CONFIDENCE_NOUN: Final = 0.9
CONFIDENCE_NEAREST: Final = 0.55

_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
_OBJECT_DEPS = frozenset({"dobj", "attr", "oprd", "dative", "obj"})
_HOLDER_PREPS = frozenset({"of", "to", "for", "with", "at", "in", "into", "on", "behind"})
_INHERITS_SUBJECT = frozenset({"xcomp", "conj", "ccomp", "advcl", "pcomp"})
_LOOSE_OBJECT_DEPS = frozenset({"advmod", "npadvmod", "dep", "nmod", "appos"})
_PREPOSITIONS = frozenset({"from", "in", "of", "with", "to", "into", "on", "at", "for", "by"})


@dataclass(frozen=True, slots=True)
class _Hit:
    """A cue found in a sentence: its head token and, for a cue ending with a preposition,
    that preposition (its objects are the cue's second argument)."""

    cue: _Cue
    anchor: Token
    prep: Token | None


def _head_of(window: Sequence[Token]) -> Token:
    inside = {t.i for t in window}
    return next((t for t in window if t.head.i not in inside or t.head == t), window[0])


def _prep_below(anchor: Token, word: str, depth: int = 3) -> Token | None:
    """The nearest preposition ``word`` after ``anchor`` in its subtree (a few levels down)."""
    frontier = [anchor]
    for _ in range(depth):
        children = [c for t in frontier for c in t.children]
        found = [c for c in children if c.lower_ == word and c.dep_ == "prep" and c.i > anchor.i]
        if found:
            return min(found, key=lambda t: t.i)
        frontier = [c for c in children if c.pos_ not in {"PUNCT", "CCONJ"}]
    return None


@dataclass(frozen=True, slots=True)
class _Cue:
    relation: RelationType
    words: tuple[str, ...]

    @property
    def receiver_side(self) -> bool:
        """Phrased from the receiving party ("source from", "buy from")."""
        return self.words[-1] == "from"


def _predicate_like(anchor: Token, spans: Sequence[tuple[int, int, EntityMention]]) -> bool:
    """Whether a cue word acts as the predicate: a verb, or a noun the small model mis-tagged
    ("Acme partners with Globex" read as a noun with "Acme" as its compound)."""
    if anchor.pos_ == "VERB":
        return True
    names = {i for start, end, _ in spans for i in range(start, end)}
    return anchor.dep_ == "ROOT" or any(
        c.dep_ == "compound" and c.i in names for c in anchor.children
    )


def _by_relation(relation: RelationType) -> bool:
    return relation.label.strip().lower().endswith(" by")


_STEM = 6


def _token_matches(token: Token, word: str) -> bool:
    if token.lower_ == word or token.lemma_.lower() == word:
        return True
    # "headquarter" -> "headquartered", "integrat" forms: long cue stems match inflections
    return (
        len(word) >= _STEM and token.lower_.startswith(word) and len(token.lower_) - len(word) <= 3
    )


class CueRelationFinder:
    """Finds ontology relations from cue words and dependency patterns in one sentence."""

    name = NAME

    def __init__(self, schema: GraphSchema, *, max_per_sentence: int = 6) -> None:
        self._max = max_per_sentence
        self._cues: dict[str, list[_Cue]] = {}
        for relation in schema.relation_types.values():
            for cue in relation.cues:
                words = tuple(cue.lower().split())
                if words:
                    self._cues.setdefault(words[0], []).append(_Cue(relation, words))
        # long cue words also match inflections ("headquartered"): index them by their stem
        self._stems: dict[str, list[tuple[str, list[_Cue]]]] = {}
        for key, cues in self._cues.items():
            if len(key) >= _STEM:
                self._stems.setdefault(key[:_STEM], []).append((key, cues))

    # -- cue matching ----------------------------------------------------------------------------
    def _candidates(self, token: Token) -> list[_Cue]:
        keys = {token.lower_, token.lemma_.lower()}
        found = [c for k in keys for c in self._cues.get(k, ())]
        found += [
            c
            for key, cues in self._stems.get(token.lower_[:_STEM], ())
            if key not in keys and _token_matches(token, key)
            for c in cues
        ]
        return found

    def _matches(self, sentence: SpacySpan) -> Iterator[_Hit]:
        """Every cue occurrence. A cue ending with a preposition ("source from") also matches
        with words between its verb and the preposition ("sources its chips from")."""
        tokens = list(sentence)
        for i, token in enumerate(tokens):
            for cue in self._candidates(token):
                words = cue.words
                window = tokens[i : i + len(words)]
                if len(window) == len(words) and all(
                    _token_matches(t, w) for t, w in zip(window, words, strict=True)
                ):
                    prep = window[-1] if words[-1] in _PREPOSITIONS and len(words) > 1 else None
                    yield _Hit(cue, _head_of(window[:-1] if prep else window), prep)
                    continue
                if len(words) < 2 or words[-1] not in _PREPOSITIONS:
                    continue
                head_words = tokens[i : i + len(words) - 1]
                if len(head_words) == len(words) - 1 and all(
                    _token_matches(t, w) for t, w in zip(head_words, words[:-1], strict=True)
                ):
                    anchor = _head_of(head_words)
                    prep = _prep_below(anchor, words[-1])
                    if prep is not None:
                        yield _Hit(cue, anchor, prep)

    # -- arguments -------------------------------------------------------------------------------
    @staticmethod
    def _subjects(verb: Token) -> list[Token]:
        current = verb
        for _ in range(4):
            found = [c for c in current.children if c.dep_ in _SUBJECT_DEPS]
            if found:
                return found
            if current.dep_ in {"relcl", "acl"}:
                return [current.head]
            if current.dep_ not in _INHERITS_SUBJECT or current.head == current:
                break
            current = current.head
        return []

    @staticmethod
    def _prep_objects(token: Token, skip: frozenset[str] = frozenset()) -> list[Token]:
        out: list[Token] = []
        for prep in token.children:
            if prep.dep_ in {"prep", "agent"} and prep.lower_ not in skip:
                out.extend(c for c in prep.children if c.dep_ in {"pobj", "pcomp"})
        return out

    def _verb_roles(self, verb: Token) -> tuple[list[Token], list[Token], bool]:
        """(agents, patients, passive) of a verb, with passives turned around."""
        passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in verb.children) or (
            verb.tag_ == "VBN" and verb.dep_ == "acl"
        )
        subjects = self._subjects(verb)
        objects = [c for c in verb.children if c.dep_ in _OBJECT_DEPS]
        # the small model sometimes hangs an object off the verb as an adverb ("uses RFID")
        objects += [c for c in verb.children if c.i > verb.i and c.dep_ in _LOOSE_OBJECT_DEPS]
        by_agents = [
            p for a in verb.children if a.dep_ == "agent" for p in a.children if p.dep_ == "pobj"
        ]
        preps = self._prep_objects(verb, skip=frozenset({"by"}))
        for obj in list(objects):  # "took a stake in X", "formed an alliance with X"
            preps.extend(self._prep_objects(obj))
        if passive:
            return by_agents, [*subjects, *objects, *preps], True
        return subjects, [*objects, *preps], False

    def _noun_roles(self, noun: Token) -> tuple[list[Token], list[Token]]:
        """(referents, holders) of a noun cue."""
        holders = [c for c in noun.children if c.dep_ == "poss"]
        holders += (
            self._prep_objects(noun)
            if any(p.lower_ in _HOLDER_PREPS for p in noun.children)
            else []
        )
        holders += [c for c in noun.children if c.dep_ == "compound" and c.pos_ == "PROPN"]
        referents: list[Token] = [c for c in noun.children if c.dep_ == "appos"]
        head = noun.head
        if noun.dep_ in {"attr", "oprd", "acomp", "dobj", "pobj"}:
            verb = head.head if noun.dep_ == "pobj" else head
            referents += self._subjects(verb)
        elif noun.dep_ in {"appos", "compound"}:
            referents.append(head)
        elif noun.dep_ in {"nsubj", "nsubjpass"}:
            referents += [c for c in head.children if c.dep_ in {"attr", "dobj"}]
        return referents, holders

    # -- mentions --------------------------------------------------------------------------------
    @staticmethod
    def _mentions_for(
        tokens: Sequence[Token], spans: list[tuple[int, int, EntityMention]]
    ) -> list[EntityMention]:
        """Mentions a role points at: the mention containing each token or its conjuncts."""
        out: list[EntityMention] = []
        for token in tokens:
            for t in (token, *token.conjuncts):
                for start, end, mention in spans:
                    if start <= t.i < end and mention not in out:
                        out.append(mention)
        return out

    def _pair(
        self,
        relation: RelationType,
        subjects: Sequence[EntityMention],
        objects: Sequence[EntityMention],
        *,
        coerce: bool = True,
    ) -> tuple[EntityMention, EntityMention] | None:
        """The first (subject, object) that fits the relation's domain and range, exactly or
        (with ``coerce``) by retyping a name whose type only the statistical NER guessed."""
        for strict in (True, False) if coerce else (True,):
            for s in subjects:
                for o in objects:
                    if s.span == o.span:
                        continue
                    pair = self._fit(relation, s, o, strict)
                    if pair is None and relation.symmetric:
                        pair = self._fit(relation, o, s, strict)
                    if pair is not None:
                        return pair
        return None

    @staticmethod
    def _fit(
        relation: RelationType, s: EntityMention, o: EntityMention, strict: bool
    ) -> tuple[EntityMention, EntityMention] | None:
        fitted = []
        for mention, allowed in ((s, relation.domains), (o, relation.ranges)):
            if type_allowed(mention.type, allowed):
                fitted.append(mention)
            elif not strict and (coerced := coerce_type(mention, allowed)) is not None:
                fitted.append(coerced)
            else:
                return None
        return fitted[0], fitted[1]

    def find(
        self,
        sentence: SpacySpan,
        mentions: Sequence[EntityMention],
        context: SentenceContext,
    ) -> list[RelationCandidate]:
        """Relation candidates of one sentence (at most ``max_per_sentence``)."""
        doc = sentence.doc
        spans: list[tuple[int, int, EntityMention]] = []
        for mention in mentions:
            span = doc.char_span(
                mention.span.start - context.document_offset,
                mention.span.end - context.document_offset,
                alignment_mode="expand",
            )
            if span is not None and sentence.start <= span.start and span.end <= sentence.end:
                spans.append((span.start, span.end, mention))
        if len(spans) < 2:
            return []
        start = context.document_offset + sentence.start_char
        evidence = Span(start=start, end=start + len(sentence.text), text=sentence.text)
        found: dict[tuple[str, str, str], RelationCandidate] = {}
        for hit in self._matches(sentence):
            cue, anchor = hit.cue, hit.anchor
            if any(s <= anchor.i < e for s, e, _ in spans):
                continue  # the cue word is part of a name ("Supply Co")
            pair, confidence = self._parsed_pair(hit, spans)
            if pair is None and _predicate_like(anchor, spans):
                pair, confidence = self._nearest_pair(cue, anchor, spans), CONFIDENCE_NEAREST
            if pair is None:
                continue
            s, o = pair
            key = (s.span.text, cue.relation.name, o.span.text)
            if cue.relation.symmetric:
                key = (min(key[0], key[2]), key[1], max(key[0], key[2]))
            if key not in found or found[key].confidence < confidence:
                found[key] = RelationCandidate(
                    subject=s,
                    predicate=cue.relation.name,
                    object=o,
                    evidence=evidence,
                    extractor=NAME,
                    confidence=round(confidence * min(s.confidence, o.confidence) ** 0.5, 4),
                )
        ranked = sorted(found.values(), key=lambda c: -c.confidence)
        return ranked[: self._max]

    def _parsed_pair(
        self, hit: _Hit, spans: list[tuple[int, int, EntityMention]]
    ) -> tuple[tuple[EntityMention, EntityMention] | None, float]:
        relation, anchor = hit.cue.relation, hit.anchor
        prep_objects = (
            [c for c in hit.prep.children if c.dep_ in {"pobj", "pcomp"}] if hit.prep else None
        )
        if anchor.pos_ in {"NOUN", "PROPN"}:
            referents, holders = self._noun_roles(anchor)
            if prep_objects is not None:
                holders = prep_objects
            first, second = self._mentions_for(referents, spans), self._mentions_for(holders, spans)
            confidence = CONFIDENCE_NOUN
            if _by_relation(relation):
                first, second = second, first
        else:
            verb = anchor if anchor.pos_ in {"VERB", "AUX"} else anchor.head
            agents, patients, passive = self._verb_roles(verb)
            if prep_objects is not None:
                patients = ([] if not passive else patients[:0]) + prep_objects
                if passive and not agents:
                    agents, passive = self._subjects(verb), False
            first, second = self._mentions_for(agents, spans), self._mentions_for(patients, spans)
            confidence = CONFIDENCE_PARSE
            if passive and not agents:
                # "Acme is headquartered in Berlin": a passive without agent reads left to right
                first, second = second[:1], second[1:]
            if _by_relation(relation) != hit.cue.receiver_side:
                first, second = second, first
        return self._pair(relation, first, second), confidence

    def _nearest_pair(
        self, cue: _Cue, anchor: Token, spans: list[tuple[int, int, EntityMention]]
    ) -> tuple[EntityMention, EntityMention] | None:
        left = [m for s, e, m in sorted(spans, key=lambda x: -x[0]) if e <= anchor.i]
        right = [m for s, _e, m in sorted(spans, key=lambda x: x[0]) if s > anchor.i]
        following = anchor.doc[anchor.i + 1] if anchor.i + 1 < len(anchor.doc) else None
        passive_by = anchor.tag_ == "VBN" and following is not None and following.lower_ == "by"
        first, second = left, right
        if _by_relation(cue.relation) != (cue.receiver_side or passive_by):
            first, second = second, first
        return self._pair(cue.relation, first[:2], second[:2], coerce=False)
