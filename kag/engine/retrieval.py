"""The retriever role: runs plans, statement searches and evidence reads within the budget.

Every store read the agent loop makes goes through here, so each one is counted against the
query budget, bounded by the deadline, traced, and (for plans) recorded with its Cypher and
parameters for the answer — on the embedded backend too, where the same plan runs natively.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from graph_schema import Label
from kag.engine.answer import CypherQuery
from kag.engine.budget import Budget
from kag.engine.overlap import overlaps, run_all
from kag.engine.planner import Attempt, PlannedQuery
from kag.engine.tracing import Tracer
from kag.plan import PlanResult, compile_plan
from kag.plan.model import USABLE
from kag.settings import EngineSettings
from kag.store import EvidenceSpan, GraphStore, NodeView


class Retriever:
    """Runs one question's reads against the store."""

    def __init__(
        self, store: GraphStore, budget: Budget, tracer: Tracer, settings: EngineSettings
    ) -> None:
        self.store = store
        self.budget = budget
        self.tracer = tracer
        self.settings = settings
        self.queries: list[CypherQuery] = []

    def run(self, attempt: Attempt) -> list[tuple[PlannedQuery, PlanResult]]:
        """Execute an attempt's plans: in order, or side by side on a server (Neo4j).

        Every plan is counted against the budget before any runs; results, trace records and
        recorded queries keep the attempt's order either way.
        """
        planned = [
            (query, self.budget.start_query(), compile_plan(query.plan, self.store.schema))
            for query in attempt.queries
        ]
        tracers = [self.tracer.fork() for _ in planned]

        def execute(query: PlannedQuery, timeout: float, tracer: Tracer) -> PlanResult:
            with tracer.step(
                "query", query.purpose, attempt=attempt.name, backend=self.store.backend
            ) as detail:
                result = self.store.execute_plan(query.plan, timeout_s=timeout)
                detail.update(rows=result.rows, truncated=result.truncated)
            return result

        try:
            found = run_all(
                [
                    partial(execute, q, t, tr)
                    for (q, t, _), tr in zip(planned, tracers, strict=True)
                ],
                side_by_side=overlaps(self.store),
            )
        finally:
            for tracer in tracers:
                self.tracer.records.extend(tracer.records)
        results = []
        for (query, _, compiled), result in zip(planned, found, strict=True):
            self.queries.append(
                CypherQuery(
                    purpose=query.purpose,
                    cypher=compiled.cypher,
                    params=compiled.params,
                    plan=query.plan,
                    executed_as="cypher" if self.store.backend == "neo4j" else "embedded-plan",
                    rows=result.rows,
                )
            )
            results.append((query, result))
        return results

    def search(self, text: str, labels: Sequence[Label], min_score: float) -> list[NodeView]:
        """Statements matching the question's words (best first; near-ties of the best kept)."""
        self.budget.start_query()
        statuses = tuple(s for s in USABLE if self.settings.allow_proposed or s.value == "approved")
        with self.tracer.step(
            "search", "statements by words", labels=",".join(label.value for label in labels)
        ) as detail:
            found = self.store.search_statements(
                text, labels=labels, statuses=statuses, limit=5, min_score=min_score
            )
            detail.update(rows=len(found))
        if not found:
            return []
        top = found[0].score
        return [m.node for m in found if m.score >= 0.9 * top]

    def evidence(self, assertion_ids: Sequence[str]) -> dict[str, list[EvidenceSpan]]:
        """Evidence spans of the assertions a selection's hops rest on."""
        if not assertion_ids:
            return {}
        self.budget.start_query()
        with self.tracer.step("evidence", "evidence spans", assertions=len(assertion_ids)) as d:
            found = self.store.evidence(assertion_ids)
            d.update(spans=sum(len(v) for v in found.values()))
        return found
