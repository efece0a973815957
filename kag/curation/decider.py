"""Turning decisions into one store transaction: each decision a step on a shared ChangeSet,
each step recorded as a ``Decision`` node with its own exact changes."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from graph_schema import GraphSchema, Label, stable_id
from graph_schema.properties import DecisionRecord
from kag.curation.changes import ChangeSet
from kag.curation.models import Actor, DecisionView
from kag.errors import KagError
from kag.store import GraphStore
from kag.store.patch import GraphPatch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What one step decided about its target, for the decision record."""

    target_id: str
    action: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]


Step = Callable[[ChangeSet], Outcome]


@dataclass(frozen=True)
class StepSpec:
    """A step with who takes it and why (a pruning batch has one actor per rule)."""

    step: Step
    actor: Actor
    label: str = ""
    reason: str | None = None
    undoes: str | None = None


@dataclass
class Planned:
    """Decisions computed but not written yet."""

    changes: ChangeSet
    records: list[DecisionRecord] = field(default_factory=list)
    deltas: list[GraphPatch] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def patch(self) -> GraphPatch:
        """Every change of every step."""
        return self.changes.patch()


def new_id(kind: str = "decision") -> str:
    """A fresh id: decisions and batches are events, not facts, so they are unique."""
    if kind == "batch":
        return f"bat_{uuid.uuid4().hex[:20]}"
    return stable_id(Label.DECISION, uuid.uuid4().hex)


class _Clock:
    """Strictly increasing timestamps, so decisions of one batch keep their order."""

    def __init__(self) -> None:
        self._last: datetime | None = None

    def now(self) -> str:
        now = datetime.now(UTC)
        if self._last is not None and now <= self._last:
            now = self._last + timedelta(microseconds=1)
        self._last = now
        return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Decider:
    """Plans decisions on a working copy of the graph and commits them atomically."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.schema: GraphSchema = store.schema
        self._clock = _Clock()

    def plan(
        self,
        steps: Sequence[StepSpec],
        *,
        batch_id: str | None = None,
        tolerant: bool = False,
    ) -> Planned:
        """Run the steps in order on one ChangeSet; each becomes one decision record.

        Args:
            steps: the steps, each with its actor.
            batch_id: the batch the decisions belong to.
            tolerant: a step that fails (a :class:`~kag.errors.KagError`) is rolled back and
                listed in ``skipped`` instead of failing the whole plan.
        """
        planned = Planned(ChangeSet(self.store))
        for spec in steps:
            planned.changes.begin_step()
            try:
                outcome = spec.step(planned.changes)
            except KagError as exc:
                planned.changes.abort_step()
                if not tolerant:
                    raise
                planned.skipped.append(f"{spec.label}: {exc.message}")
                continue
            delta = planned.changes.end_step()
            planned.deltas.append(delta)
            planned.labels.append(spec.label)
            planned.records.append(
                DecisionRecord(
                    id=new_id(),
                    target_id=outcome.target_id,
                    action=outcome.action,
                    actor=spec.actor.name,
                    role=spec.actor.role,
                    reason=spec.reason,
                    before=json.dumps(dict(outcome.before), sort_keys=True),
                    after=json.dumps(dict(outcome.after), sort_keys=True),
                    created_at=self._clock.now(),
                    changes=delta.model_dump_json(),
                    batch_id=batch_id,
                    undoes=spec.undoes,
                )
            )
        return planned

    def commit(self, planned: Planned) -> list[DecisionView]:
        """Write the planned changes and their decisions in one transaction."""
        summary = self.store.apply_patch(planned.patch, planned.records)
        logger.info(
            "recorded %d decision(s): %d nodes and %d relationships changed",
            summary.decisions,
            summary.nodes_created + summary.nodes_updated + summary.nodes_deleted,
            summary.rels_created + summary.rels_updated + summary.rels_deleted,
        )
        return [decision_view(r.props()) for r in planned.records]


def _json(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not value:
        return {}
    try:
        loaded = json.loads(value)
    except json.JSONDecodeError:
        return {"raw": value}
    return loaded if isinstance(loaded, dict) else {"value": loaded}


def decision_view(props: Mapping[str, Any]) -> DecisionView:
    """A decision as read back (from a record's or a node's properties)."""
    changes = _json(props.get("changes"))
    touched = len(changes.get("nodes") or []) + len(changes.get("rels") or [])
    return DecisionView(
        id=str(props["id"]),
        action=str(props.get("action", "")),
        target_id=str(props.get("target_id", "")),
        actor=str(props.get("actor", "")),
        role=str(props.get("role", "")),
        created_at=str(props.get("created_at", "")),
        reason=props.get("reason"),
        before=_json(props.get("before")),
        after=_json(props.get("after")),
        batch_id=props.get("batch_id"),
        undone=bool(props.get("undone", False)),
        undoes=props.get("undoes"),
        touched=touched,
    )


def decision_patch(props: Mapping[str, Any]) -> GraphPatch | None:
    """The exact changes a decision made, or ``None`` when it recorded none."""
    raw = props.get("changes")
    if not isinstance(raw, str) or not raw:
        return None
    return GraphPatch.model_validate_json(raw)
