"""Scoring the curation benchmark: the pruning rules' proposals against the injected errors,
whether the errors were cleared, and whether the decoys were left alone.

A proposal is *in scope* when it involves an injected node (a new entity or an injected fact);
proposals about the sample corpus alone are counted apart (they are not labelled). An in-scope
proposal is a true positive when it is an expected error's: same rule, same action and the same
targets (a contradiction proposed for review counts when its members include the error's
targets: found, but left to an expert). Precision = true positives / in-scope proposals;
recall = errors found / errors of that rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from bench.data.curation_errors import InjectedError, Injection, fact_id, ref_id
from bench.data.curation_errors import entity_ref_id as _entity_ref_id
from graph_schema import GraphSchema, Status
from kag.curation.rules import Proposal
from kag.store import GraphStore


class RuleScore(BaseModel):
    """One rule's figures."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    errors: int
    found: int
    in_scope: int
    true_positives: int
    outside_scope: int

    @property
    def precision(self) -> float | None:
        """True positives / in-scope proposals (``None`` without any)."""
        return self.true_positives / self.in_scope if self.in_scope else None

    @property
    def recall(self) -> float | None:
        """Errors found / errors (``None`` when the rule has no injected error)."""
        return self.found / self.errors if self.errors else None


def injected_ids(schema: GraphSchema, injection: Injection) -> set[str]:
    """Ids of every injected entity and fact."""
    return {_entity_ref_id(e.ref) for e in injection.entities} | {
        fact_id(schema, f) for f in injection.facts
    }


def targets(schema: GraphSchema, injection: Injection, error: InjectedError) -> tuple[str, ...]:
    """Graph ids of an error's targets."""
    return tuple(ref_id(schema, injection, t) for t in error.targets)


def matches(schema: GraphSchema, injection: Injection, error: InjectedError, p: Proposal) -> bool:
    """Whether a proposal is the one the error expects."""
    if p.rule != error.rule:
        return False
    wanted = set(targets(schema, injection, error))
    if p.action == "review":
        return wanted <= set(p.involved)
    return p.action == error.action and wanted == set(p.target_ids)


def score_rules(
    schema: GraphSchema, injection: Injection, proposals: Sequence[Proposal], rules: Iterable[str]
) -> list[RuleScore]:
    """Precision and recall of each rule's proposals."""
    injected = injected_ids(schema, injection)
    out = []
    for rule in rules:
        mine = [p for p in proposals if p.rule == rule]
        errors = [e for e in injection.errors if e.rule == rule]
        scope = [p for p in mine if injected.intersection(p.involved)]
        hits = [p for p in scope if any(matches(schema, injection, e, p) for e in errors)]
        found = [e for e in errors if any(matches(schema, injection, e, p) for p in scope)]
        out.append(
            RuleScore(
                rule=rule,
                errors=len(errors),
                found=len(found),
                in_scope=len(scope),
                true_positives=len(hits),
                outside_scope=len(mine) - len(scope),
            )
        )
    return out


def uncleared(store: GraphStore, schema: GraphSchema, injection: Injection) -> list[str]:
    """Errors not cleared yet: facts and orphans not rejected (or superseded), duplicates not
    merged (either way round)."""
    out = []
    for error in injection.errors:
        ids = targets(schema, injection, error)
        nodes = {n.id: n for n in store.get_nodes(list(ids))}
        if error.action == "merge":
            merged = any(
                nodes[a].props.get("merged_into") == b
                for a, b in (ids, ids[::-1])
                if a in nodes and b in nodes
            )
            if not merged:
                out.append(error.id)
        elif any(
            i in nodes and nodes[i].status not in (Status.REJECTED, Status.SUPERSEDED) for i in ids
        ):
            out.append(error.id)
    return out


def decoys_touched(store: GraphStore, schema: GraphSchema, injection: Injection) -> list[str]:
    """Decoys that are no longer live as injected (rejected, superseded or merged away)."""
    ids = [ref_id(schema, injection, d) for d in injection.decoys]
    return sorted(
        n.id
        for n in store.get_nodes(ids)
        if n.status in (Status.REJECTED, Status.SUPERSEDED) or n.props.get("merged_into")
    )
