"""Pruning rules: each reads the graph once (a :class:`RuleContext`) and proposes clean-ups.

Rules never change the graph; :class:`~kag.curation.pruning.Pruner` shows their proposals
(``kag prune --dry-run``) and applies a selection as decisions attributed to the rule. A rule
leaves alone what an expert decided (a standing decision, not an undo, by someone who is not
a rule), pairs an expert kept apart and groups an expert dismissed, so verdicts last.

- ``low_confidence``: proposed relations and observations below ``KAG_CURATION__LOW_CONFIDENCE``
  read in a single document -> reject.
- ``orphans``: proposed entities no fact is about -> reject.
- ``near_duplicates``: two live entities whose names (or aliases) score at least
  ``KAG_CURATION__DUPLICATE_SCORE`` (rapidfuzz WRatio), of the same type, sharing at least
  ``KAG_CURATION__DUPLICATE_MIN_SHARED`` neighbours (entities related to both, or named in the
  same facts) or scoring ``KAG_CURATION__DUPLICATE_STRONG_SCORE`` -> merge the one with less
  support into the other. Different types need both the strong score and a shared neighbour.
- ``out_of_schema``: live relations whose predicate is not in the ontology or whose subject
  or object type is outside its domain or range -> reject.
- ``contradictions``: live observations of one subject, metric, unit and period with values
  differing by more than ``KAG_CURATION__CONTRADICTION_TOLERANCE``; one-off metrics (``once``)
  stated for different periods; functional relations with several objects -> reject the weaker
  side when one is clearly stronger (approved, more documents, more confident), else review.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from graph_schema import AssertionKind, GraphSchema, Status, normalise_name
from kag.curation.models import ACTIONS, DISMISS, KEEP_APART, UNDO
from kag.settings import CurationSettings
from kag.store import GraphStore
from kag.store.patch import AssertionSummary, EntitySummary

ProposalAction = Literal["reject", "merge", "review"]
_LIVE: Final = (Status.PROPOSED, Status.APPROVED)


class Proposal(BaseModel):
    """What a rule suggests: reject targets, merge ``(merged away, kept)``, or review them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    rule: str
    action: ProposalAction
    target_ids: tuple[str, ...]
    title: str
    reason: str
    score: float = 0.0
    members: tuple[str, ...] = ()

    @property
    def involved(self) -> tuple[str, ...]:
        """Everything the proposal is about (a contradiction's whole group)."""
        return self.members or self.target_ids


def proposal_id(prefix: str, rule: str, action: str, targets: Iterable[str]) -> str:
    """A deterministic id for a proposal (same rule, action and targets: same id)."""
    key = "\x1f".join([rule, action, *targets])
    return f"{prefix}_{hashlib.blake2b(key.encode(), digest_size=10).hexdigest()}"


@dataclass
class RuleContext:
    """What the rules read, once per run."""

    schema: GraphSchema
    settings: CurationSettings
    assertions: dict[str, AssertionSummary]
    entities: dict[str, EntitySummary]
    entity_types: dict[str, str]
    entity_names: dict[str, str]
    decided: set[str] = field(default_factory=set)
    apart: set[frozenset[str]] = field(default_factory=set)
    dismissed: set[frozenset[str]] = field(default_factory=set)

    @classmethod
    def read(cls, store: GraphStore, settings: CurationSettings) -> RuleContext:
        """Read the live graph and the standing decisions."""
        every = store.list_entities()
        ctx = cls(
            schema=store.schema,
            settings=settings,
            assertions={s.node.id: s for s in store.assertion_summaries(_LIVE)},
            entities={s.node.id: s for s in store.entity_summaries(_LIVE)},
            entity_types={e.id: str(e.props.get("type", "")) for e in every},
            entity_names={e.id: e.name for e in every},
        )
        for decision in store.list_decisions(ACTIONS):
            props = decision.props
            if props.get("undone"):
                continue
            after = _json(props.get("after"))
            target = str(props.get("target_id"))
            # an undo restores the state before the decision, rules' proposals included
            if props.get("role") != "rule" and props.get("action") != UNDO:
                ctx.decided.add(target)
            if props.get("action") == KEEP_APART:
                ctx.apart.update(frozenset({target, str(o)}) for o in after.get("others", []))
            elif props.get("action") == DISMISS:
                ctx.dismissed.add(frozenset(str(m) for m in after.get("members", [])))
        return ctx

    def title(self, node_id: str) -> str:
        """A readable name for an assertion or entity."""
        if node_id in self.assertions:
            return self.assertions[node_id].node.name
        return self.entity_names.get(node_id, node_id)


def _json(value: object) -> dict[str, list[str]]:
    try:
        loaded = json.loads(value) if isinstance(value, str) else {}
    except json.JSONDecodeError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _kind(summary: AssertionSummary) -> str:
    return str(summary.node.props.get("kind", ""))


# -- the rules -------------------------------------------------------------------------------------
def low_confidence(ctx: RuleContext) -> list[Proposal]:
    """Proposed facts below the confidence threshold with a single source."""
    limit = ctx.settings.low_confidence
    out = []
    for s in ctx.assertions.values():
        confidence = s.node.confidence or 0.0
        if (
            s.node.status is Status.PROPOSED
            and _kind(s) in {AssertionKind.RELATION.value, AssertionKind.OBSERVATION.value}
            and confidence < limit
            and len(s.documents) <= 1
            and s.node.id not in ctx.decided
        ):
            out.append(
                Proposal(
                    id=proposal_id("pr", "low_confidence", "reject", [s.node.id]),
                    rule="low_confidence",
                    action="reject",
                    target_ids=(s.node.id,),
                    title=s.node.name,
                    reason=f"confidence {confidence:.2f} below {limit:.2f}, read in "
                    f"{len(s.documents)} document",
                    score=round(1 - confidence, 4),
                )
            )
    return out


def orphans(ctx: RuleContext) -> list[Proposal]:
    """Proposed entities no live fact is about."""
    return [
        Proposal(
            id=proposal_id("pr", "orphans", "reject", [e.node.id]),
            rule="orphans",
            action="reject",
            target_ids=(e.node.id,),
            title=f"{e.node.name} ({e.node.props.get('type')})",
            reason=f"no fact is about it; mentioned in {e.mentions} chunk(s)",
            score=1.0 / (1 + e.mentions),
        )
        for e in ctx.entities.values()
        if e.node.status is Status.PROPOSED
        and e.relations == 0
        and e.assertions == 0
        and e.node.id not in ctx.decided
    ]


def _neighbours(ctx: RuleContext) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for e in ctx.entities.values():
        out[e.node.id].update(e.neighbours)
    for s in ctx.assertions.values():
        named = set(s.entity_ids) | {
            str(s.node.props[k]) for k in ("subject_id", "object_id") if s.node.props.get(k)
        }
        for entity in named:
            out[entity].update(named - {entity})
    return out


def _support(e: EntitySummary) -> tuple[int, int, int, str]:
    approved = int(e.node.status is Status.APPROVED)
    return (approved, e.relations + e.assertions + e.mentions, len(e.node.name), e.node.id)


def near_duplicates(ctx: RuleContext) -> list[Proposal]:
    """Pairs of live entities that look like one: merge the less supported into the other."""
    cfg = ctx.settings
    live = [e for e in ctx.entities.values() if e.node.status in _LIVE]
    names: list[str] = []
    owners: list[str] = []
    for e in live:
        for name in dict.fromkeys([e.node.name, *(e.node.props.get("aliases") or [])]):
            names.append(normalise_name(str(name)))
            owners.append(e.node.id)
    if len(names) < 2:
        return []
    scores = process.cdist(names, names, scorer=fuzz.WRatio, score_cutoff=cfg.duplicate_score)
    best: dict[frozenset[str], float] = {}
    for i, j in zip(*scores.nonzero(), strict=True):
        a, b = owners[int(i)], owners[int(j)]
        if a != b:
            pair = frozenset({a, b})
            best[pair] = max(best.get(pair, 0.0), float(scores[i, j]))
    neighbours = _neighbours(ctx)
    out = []
    for pair, score in sorted(best.items(), key=lambda kv: sorted(kv[0])):
        if pair in ctx.apart:
            continue
        a, b = sorted(pair)
        shared = len((neighbours[a] & neighbours[b]) - pair)
        same_type = ctx.entity_types.get(a) == ctx.entity_types.get(b)
        strong = score >= cfg.duplicate_strong_score
        if same_type:
            if not (strong or shared >= cfg.duplicate_min_shared):
                continue
        elif not (strong and shared >= max(1, cfg.duplicate_min_shared)):
            continue
        keeper, loser = sorted((ctx.entities[a], ctx.entities[b]), key=_support, reverse=True)
        out.append(
            Proposal(
                id=proposal_id("mc", "near_duplicates", "merge", sorted(pair)),
                rule="near_duplicates",
                action="merge",
                target_ids=(loser.node.id, keeper.node.id),
                title=f"{loser.node.name} -> {keeper.node.name}",
                reason=f"names score {score:.0f}, {shared} shared neighbour(s), types "
                f"{ctx.entity_types.get(loser.node.id)}/{ctx.entity_types.get(keeper.node.id)}",
                score=round(score / 100, 4),
            )
        )
    return out


def _fits(types: tuple[str, ...], entity_type: str) -> bool:
    return not types or entity_type in types


def out_of_schema(ctx: RuleContext) -> list[Proposal]:
    """Live relations outside the ontology's relation types, domains or ranges."""
    out = []
    for s in ctx.assertions.values():
        if _kind(s) != AssertionKind.RELATION.value or s.node.id in ctx.decided:
            continue
        props = s.node.props
        predicate = str(props.get("predicate"))
        subject_type = ctx.entity_types.get(str(props.get("subject_id")), "")
        object_type = ctx.entity_types.get(str(props.get("object_id")), "")
        relation = ctx.schema.relation_types.get(predicate)
        if relation is None:
            reason = f"{predicate} is not a relation type of the ontology"
        else:
            forward = _fits(relation.domains, subject_type) and _fits(relation.ranges, object_type)
            backward = relation.symmetric and (
                _fits(relation.domains, object_type) and _fits(relation.ranges, subject_type)
            )
            if forward or backward:
                continue
            reason = (
                f"{predicate} joins {'/'.join(relation.domains) or 'anything'} to "
                f"{'/'.join(relation.ranges) or 'anything'}, not {subject_type} to {object_type}"
            )
        out.append(
            Proposal(
                id=proposal_id("pr", "out_of_schema", "reject", [s.node.id]),
                rule="out_of_schema",
                action="reject",
                target_ids=(s.node.id,),
                title=s.node.name,
                reason=reason,
                score=1.0,
            )
        )
    return out
