"""``Pruner``: runs the pruning rules (:mod:`kag.curation.rules`) as a dry run, and applies a
selection of their proposals as decisions attributed to the rule (actor ``rule:<name>``, role
``rule``), recorded and undoable like an expert's. Rules propose; nothing changes until
:meth:`Pruner.apply`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from pydantic import BaseModel, ConfigDict

from kag.curation.contradictions import contradictions
from kag.curation.curator import Curator
from kag.curation.decider import StepSpec, new_id
from kag.curation.models import Actor, BulkResult
from kag.curation.rules import (
    Proposal,
    RuleContext,
    low_confidence,
    near_duplicates,
    orphans,
    out_of_schema,
)
from kag.errors import InvalidInput, KagError
from kag.settings import CurationSettings
from kag.store import GraphStore

Rule = Callable[[RuleContext], list[Proposal]]

#: Every pruning rule by name, with what it proposes.
RULES: Final[dict[str, tuple[Rule, str]]] = {
    "low_confidence": (low_confidence, "reject low-confidence facts read in one document"),
    "orphans": (orphans, "reject proposed entities no fact is about"),
    "near_duplicates": (near_duplicates, "merge entities whose names and neighbours match"),
    "out_of_schema": (out_of_schema, "reject relations outside the ontology's domain/range"),
    "contradictions": (contradictions, "reject the weaker side of contradicting facts"),
}


class RuleReport(BaseModel):
    """One rule's proposals."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    description: str
    proposals: tuple[Proposal, ...]


class PruneReport(BaseModel):
    """What every rule would do (``kag prune --dry-run``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[RuleReport, ...]

    @property
    def proposals(self) -> list[Proposal]:
        """Every proposal, rule by rule."""
        return [p for r in self.rules for p in r.proposals]


class Pruner:
    """Pruning rules over a graph store.

    Args:
        store: the graph store.
        settings: rule settings (``KAG_CURATION__*``); which rules run by default.
    """

    def __init__(self, store: GraphStore, settings: CurationSettings | None = None) -> None:
        self.settings = settings or CurationSettings()
        self.curator = Curator(store, self.settings)

    def _rules(self, rules: Sequence[str] | None) -> list[str]:
        names = list(rules) if rules is not None else list(self.settings.rules)
        unknown = [n for n in names if n not in RULES]
        if unknown:
            raise InvalidInput(
                f"unknown pruning rule(s) {', '.join(unknown)}; rules: {', '.join(RULES)}"
            )
        return names

    def dry_run(self, rules: Sequence[str] | None = None) -> PruneReport:
        """What each rule proposes now (nothing is written)."""
        ctx = self.curator.context()
        return PruneReport(
            rules=tuple(
                RuleReport(
                    rule=name, description=RULES[name][1], proposals=tuple(RULES[name][0](ctx))
                )
                for name in self._rules(rules)
            )
        )

    def apply(
        self,
        proposal_ids: Sequence[str] | None = None,
        *,
        rules: Sequence[str] | None = None,
        reason: str | None = None,
    ) -> BulkResult:
        """Apply proposals as decisions attributed to their rule, in one transaction.

        Args:
            proposal_ids: the proposals to apply (from a dry run); ``None``: all of them.
            rules: the rules to run (default: the configured ones).
            reason: recorded with each decision (default: the proposal's own reason).

        Proposals to review (no clear side) are never applied; rejections are applied before
        merges. Items that can no longer be decided are listed in ``skipped``.
        """
        report = self.dry_run(rules)
        chosen = report.proposals
        if proposal_ids is not None:
            wanted = set(proposal_ids)
            unknown = sorted(wanted - {p.id for p in chosen})
            if unknown:
                raise InvalidInput(
                    f"no such proposal now: {', '.join(unknown[:5])}; run the dry run again"
                )
            chosen = [p for p in chosen if p.id in wanted]
        specs: list[StepSpec] = []
        skipped: list[str] = []
        ordered = sorted(chosen, key=lambda p: (p.action != "reject", p.rule, p.id))
        for proposal in ordered:
            if proposal.action == "review":
                skipped.append(f"{proposal.id}: needs an expert ({proposal.reason})")
                continue
            try:
                specs += self._specs(proposal, reason)
            except KagError as exc:
                skipped.append(f"{proposal.id}: {exc.message}")
        batch = new_id("batch")
        decider = self.curator._decider
        planned = decider.plan(specs, batch_id=batch, tolerant=True)
        skipped += planned.skipped
        if not planned.records:
            return BulkResult(batch_id=None, decisions=(), skipped=tuple(skipped))
        return BulkResult(
            batch_id=batch, decisions=tuple(decider.commit(planned)), skipped=tuple(skipped)
        )

    def _specs(self, proposal: Proposal, reason: str | None) -> list[StepSpec]:
        actor = Actor.rule(proposal.rule)
        why = reason or f"{proposal.rule}: {proposal.reason}"
        curator = self.curator
        if proposal.action == "merge":
            loser, keeper = proposal.target_ids
            steps = [curator._merge_step(loser, keeper)]
        else:
            steps = [s for t in proposal.target_ids for s in curator.steps(t, "reject")]
        return [StepSpec(s, actor, label=proposal.id, reason=why) for s in steps]
