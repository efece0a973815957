"""Entity resolution: mentions to graph entities (existing ones first), with aliases kept.

A mention (name, type) resolves, in order, to:

1. the entity an expert **split** that name off into (a split decision, below);
2. an entity whose normalised name or alias equals the mention's, with a compatible type (a
   name only the statistical NER typed may take the known entity's type);
3. the one entity of a compatible type whose name starts with the mention's words ("Pellmark"
   -> "Pellmark Software"; with several, the organisation);
4. an entity whose name is a close fuzzy match (rapidfuzz ``WRatio`` >= the threshold,
   ``KAG_INGESTION__FUZZY_MERGE_THRESHOLD``) with a compatible type;
5. otherwise a new entity, id ``stable_id(Entity, type, normalise_name(name))``.

A mention resolved to an entity under another surface form adds that form to its aliases (the
merge is recorded where the entity lives). An entity an expert **merged** away resolves to the
entity it was merged into.

Where expert decisions live: ``Decision`` nodes (``GraphStore.record_decision``) with
``action="merge"``, ``target_id`` = the entity merged away and ``after`` = ``{"into": "<id>"}``;
or ``action="split"``, ``target_id`` = the entity a name was split from and ``after`` =
``{"names": ["<name>", ...], "into": "<id>"}`` (``into`` optional: the names then become an
entity of their own; a split into an entity merged away before ends that merge). Decisions with
``undone`` set are ignored. :mod:`kag.curation` writes these decisions.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from graph_schema import Label, Status, normalise_name, stable_id
from graph_schema.properties import EntityRecord
from ingestion.fuzzy_index import FuzzyIndex
from ingestion.nlp.typing import COERCIBLE_TYPES, types_compatible
from ingestion.reconcile import match_key
from kag.store import NodeView
from kag.store.entity_lookup import tokens

logger = logging.getLogger(__name__)

MERGE_ACTION = "merge"
_DIGITS = re.compile(r"\d+")
_SPELLING = 88  # rapidfuzz ratio of two words taken as spellings of one ("Stefani"/"Stefanie")
SPLIT_ACTION = "split"


@dataclass
class ResolvedEntity:
    """An entity of the graph (or new in this run) with the names it answers to."""

    id: str
    name: str
    type: str
    aliases: set[str] = field(default_factory=set)
    status: Status = Status.PROPOSED
    confidence: float = 0.5
    created_at: str | None = None
    stored: bool = False
    changed: bool = True

    def record(self) -> EntityRecord:
        """The record to write (existing entities keep their create-only status)."""
        extra: dict[str, Any] = {"created_at": self.created_at} if self.created_at else {}
        return EntityRecord(
            id=self.id,
            name=self.name,
            type=self.type,
            aliases=tuple(sorted(self.aliases)),
            status=self.status,
            confidence=round(self.confidence, 4),
            **extra,
        )


def _digits(name: str) -> list[str]:
    return _DIGITS.findall(name)


def _other_words(a: str, b: str) -> bool:
    """Whether two alike names differ by a word that makes them different things: each has a
    word the other lacks and no such pair is a spelling variant ("Best Actor" / "Best Actress"),
    or the shorter lacks an inner word of the longer ("Best Actress" / "Best Supporting
    Actress"; an initial such as "F." does not count). A word dropped at either end
    ("Stefani" / "Gwen Stefani") is the usual short form and does not count."""
    ta, tb = tokens(a), tokens(b)
    only_a, only_b = set(ta) - set(tb), set(tb) - set(ta)
    if only_a and only_b:
        return not any(fuzz.ratio(x, y) >= _SPELLING for x in only_a for y in only_b)
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    for cut in range(1, len(short)):
        head, tail = short[:cut], short[cut:]
        if long_[:cut] == head and long_[len(long_) - len(tail) :] == tail:
            inner = long_[cut : len(long_) - len(tail)]
            return any(len(w) > 1 for w in inner)
    return False


def entity_id(entity_type: str, name: str) -> str:
    """The id of a new entity."""
    return stable_id(Label.ENTITY, entity_type, normalise_name(name))


class EntityResolver:
    """Resolves mentions against a catalogue of entities and the expert decisions."""

    def __init__(
        self,
        catalogue: Iterable[NodeView],
        decisions: Iterable[NodeView] = (),
        *,
        fuzzy_threshold: float = 92.0,
        organisation_type: str = "company",
    ) -> None:
        self._entities: dict[str, ResolvedEntity] = {}
        self._by_name: dict[str, set[str]] = {}
        self._by_first: dict[str, set[str]] = {}
        self._tokens = FuzzyIndex()
        self._redirect: dict[str, str] = {}
        self._split: dict[str, str] = {}
        self._threshold = fuzzy_threshold
        self._org = organisation_type
        self.aliases_added = 0
        for node in catalogue:
            aliases = {a for a in node.props.get("aliases") or [] if isinstance(a, str)}
            self._add(
                ResolvedEntity(
                    id=node.id,
                    name=node.name,
                    type=str(node.props.get("type", "")),
                    aliases=aliases,
                    status=node.status or Status.PROPOSED,
                    confidence=node.confidence or 0.5,
                    created_at=node.props.get("created_at"),
                    stored=True,
                    changed=False,
                )
            )
        self._apply_decisions(decisions)

    # -- catalogue ---------------------------------------------------------------------------
    def _index(self, entity: ResolvedEntity, name: str) -> None:
        norm = normalise_name(name)
        if not norm:
            return
        self._by_name.setdefault(norm, set()).add(entity.id)
        key = match_key(name)
        if key != norm:
            self._by_name.setdefault(key, set()).add(entity.id)
        words = tokens(name)
        if len(words) > 1:
            self._by_first.setdefault(words[0], set()).add(entity.id)

    def _add(self, entity: ResolvedEntity) -> None:
        self._entities[entity.id] = entity
        for name in (entity.name, *entity.aliases):
            self._index(entity, name)
        self._tokens.add(entity.id, [entity.name, *entity.aliases])

    def _apply_decisions(self, decisions: Iterable[NodeView]) -> None:
        for decision in decisions:
            if decision.props.get("undone"):
                continue
            action = decision.props.get("action")
            target = str(decision.props.get("target_id", ""))
            try:
                after = json.loads(decision.props.get("after") or "{}")
            except json.JSONDecodeError:
                logger.warning("decision %s has an unreadable 'after'; ignored", decision.id)
                continue
            if action == MERGE_ACTION and isinstance(after.get("into"), str):
                self._redirect[target] = after["into"]
            elif action == SPLIT_ACTION:
                names = [n for n in after.get("names") or [] if isinstance(n, str)]
                if isinstance(after.get("into"), str):
                    # split into an entity merged away before: the split undoes that merge
                    self._redirect.pop(after["into"], None)
                source = self._entities.get(target)
                for name in names:
                    into = after.get("into")
                    if not isinstance(into, str):
                        into = entity_id(source.type if source else self._org, name)
                    self._split[normalise_name(name)] = into

    def follow(self, entity_id_: str) -> str:
        """The entity an id now stands for, following expert merges."""
        seen = {entity_id_}
        while entity_id_ in self._redirect:
            entity_id_ = self._redirect[entity_id_]
            if entity_id_ in seen:
                break
            seen.add(entity_id_)
        return entity_id_

    def merged_into(self, entity_id_: str) -> set[str]:
        """The ids an expert merged into this entity (and itself)."""
        return {i for i in (*self._redirect, entity_id_) if self.follow(i) == entity_id_}

    def get(self, entity_id_: str) -> ResolvedEntity | None:
        """An entity by id."""
        return self._entities.get(entity_id_)

    # -- resolution ---------------------------------------------------------------------------
    def _fits(self, entity: ResolvedEntity, entity_type: str, guessed: bool) -> bool:
        if types_compatible(entity.type, entity_type):
            return True
        return guessed and entity.type in COERCIBLE_TYPES and entity_type in COERCIBLE_TYPES

    def _pick(self, ids: Iterable[str], entity_type: str, guessed: bool) -> ResolvedEntity | None:
        candidates = [
            self._entities[self.follow(i)] for i in sorted(ids) if self.follow(i) in self._entities
        ]
        exact = [e for e in candidates if types_compatible(e.type, entity_type)]
        if exact:
            return exact[0]
        loose = [e for e in candidates if self._fits(e, entity_type, guessed)]
        if len(loose) == 1:
            return loose[0]
        orgs = [e for e in loose if e.type == self._org]
        return orgs[0] if len(orgs) == 1 else None

    def _lookup(self, name: str, entity_type: str, guessed: bool) -> ResolvedEntity | None:
        norm = normalise_name(name)
        if norm in self._split:
            target = self._entities.get(self.follow(self._split[norm]))
            if target is None:  # the split-off name becomes an entity of its own
                target = ResolvedEntity(id=self._split[norm], name=name, type=entity_type)
                self._add(target)
            return target
        for key in dict.fromkeys((norm, match_key(name))):
            found = self._pick(self._by_name.get(key, ()), entity_type, guessed)
            if found is not None:
                return found
        words = tokens(name)
        if words:
            prefixed = [
                i
                for i in self._by_first.get(words[0], ())
                if tokens(self._entities[i].name)[: len(words)] == words
                and len(tokens(self._entities[i].name)) > len(words)
            ]
            # a shortened name stands for an entity of a compatible type or, when only the
            # NER typed it, for the one organisation it shortens ("Halvorsen")
            found = self._pick(prefixed, entity_type, guessed=False)
            if found is None and guessed:
                orgs = [self._entities[i] for i in prefixed if self._entities[i].type == self._org]
                found = orgs[0] if len(orgs) == 1 else None
            if found is not None:
                return found
        best: tuple[float, ResolvedEntity] | None = None
        for candidate_id in self._tokens.candidates(name):
            entity = self._entities.get(self.follow(candidate_id))
            if entity is None or not types_compatible(entity.type, entity_type):
                continue
            # names that differ in their numbers are different things however alike they look
            # ("01 January 1997" / "01 January 1991", "Windows 3.0" / "Windows 3.1")
            names = [
                n
                for n in (entity.name, *entity.aliases)
                if _digits(n) == _digits(name) and not _other_words(name, n)
            ]
            if not names:
                continue
            score = max(fuzz.WRatio(norm, normalise_name(n)) for n in names)
            if score >= self._threshold and (best is None or score > best[0]):
                best = (score, entity)
        return best[1] if best else None

    def resolve(
        self, name: str, entity_type: str, *, confidence: float = 0.5, guessed: bool = False
    ) -> ResolvedEntity:
        """The entity a mention names, creating it when the graph has none.

        Args:
            name: the mention's surface form.
            entity_type: its (ontology concept) type.
            confidence: the extractor's confidence in the mention.
            guessed: whether only the statistical NER typed it (then a known entity of another
                confusable type may take it).
        """
        found = self._lookup(name, entity_type, guessed)
        if found is None:
            norm = normalise_name(name)
            new_id = self._split.get(norm) or entity_id(entity_type, name)
            found = ResolvedEntity(id=new_id, name=name, type=entity_type, confidence=confidence)
            self._add(found)
            return found
        surface = normalise_name(name)
        known = {normalise_name(n) for n in (found.name, *found.aliases)}
        if (
            not found.stored
            and name.startswith("The ")
            and surface[4:] == normalise_name(found.name)
        ):
            # a title keeps its article ("The Secret Life of Pets"), whichever form came first;
            # only before the entity is written, so a stored name never changes under a reader
            found.name, name = name, found.name
        if surface not in known:
            found.aliases.add(name)
            self._index(found, name)
            self._tokens.add(found.id, [name])
            found.changed = True
            self.aliases_added += 1
        if confidence > found.confidence and not found.stored:
            found.confidence = confidence
        return found

    def written(self, ids: Sequence[str]) -> None:
        """Mark entities as stored (after their document's write committed)."""
        for i in ids:
            entity = self._entities.get(i)
            if entity is not None:
                entity.stored = True
                entity.changed = False

    def forget(self, ids: Sequence[str]) -> None:
        """Drop entities created for a document whose write failed."""
        for i in ids:
            entity = self._entities.get(i)
            if entity is not None and not entity.stored:
                del self._entities[i]

    def patterns(self, ids: Iterable[str]) -> list[tuple[str, str, Sequence[str]]]:
        """``(type, name, aliases)`` of these entities, for the EntityRuler."""
        return [
            (e.type, e.name, sorted(e.aliases))
            for i in ids
            if (e := self._entities.get(i)) is not None and e.status is not Status.REJECTED
        ]

    def all_patterns(self) -> list[tuple[str, str, Sequence[str]]]:
        """``(type, name, aliases)`` of every entity that is not rejected; an entity merged
        away lends its names to the one it was merged into (with that one's type)."""
        out = self.patterns(i for i in self._entities if i not in self._redirect)
        for loser in self._redirect:
            winner = self._entities.get(self.follow(loser))
            merged = self._entities.get(loser)
            if winner is not None and merged is not None and winner.status is not Status.REJECTED:
                out.append((winner.type, merged.name, sorted(merged.aliases)))
        return out
