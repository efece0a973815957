"""The language model in the loop: a budgeted, traced gateway, the LLM planner and composer.

The model may *propose* query plans (validated against the schema and the linked ids, repaired a
bounded number of times, else the deterministic planner answers) and *phrase* answers (the text
must cite citation ids and may contain no number that the executor or the evidence did not
give, else the template text stands). Numbers never come from the model.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graph_schema import GraphSchema
from kag.engine.budget import Budget
from kag.engine.composer import Composition
from kag.engine.linking import QuestionAnalysis
from kag.engine.material import Material
from kag.engine.planner import Attempt, PlannedQuery, filters_for
from kag.engine.tracing import Tracer
from kag.errors import KagError, LlmUnavailable
from kag.llm import Usage, usage_of
from kag.plan import QueryPlan
from kag.settings import EngineSettings

logger = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
_CITE: Final = re.compile(r"\[(c\d+)\]")
_NUMBER: Final = re.compile(r"\d[\d,]*(?:\.\d+)?")
_OUTPUT_ALLOWANCE: Final = 600  # tokens expected back from one call


class LlmGateway:
    """Every LLM call of one question: budget (calls, tokens), deadline, span and trace record."""

    def __init__(self, chat: BaseChatModel, budget: Budget, tracer: Tracer) -> None:
        self.chat = chat
        self.budget = budget
        self.tracer = tracer

    @staticmethod
    def _call(invoke: Callable[[list[BaseMessage]], Any], messages: Sequence[BaseMessage]) -> Any:
        try:
            return invoke(list(messages))
        except KagError:
            raise
        except Exception as exc:  # provider SDKs raise their own types; the model is optional
            raise LlmUnavailable(
                f"the language model call failed ({exc.__class__.__name__}): {exc}"
            ) from exc

    @staticmethod
    def _estimate(messages: Sequence[BaseMessage]) -> int:
        return sum(len(str(m.content)) for m in messages) // 4 + _OUTPUT_ALLOWANCE

    def structured(
        self, schema: type[T], messages: Sequence[BaseMessage], name: str
    ) -> tuple[T | None, str | None]:
        """A structured reply: ``(parsed, None)`` or ``(None, the validation error)``."""
        self.budget.start_llm_call(self._estimate(messages))
        runnable = self.chat.with_structured_output(schema, include_raw=True)
        with self.tracer.step("llm", name, schema=schema.__name__) as detail:
            out: dict[str, Any] = self._call(runnable.invoke, messages)
            usage = usage_of(out["raw"]) if out.get("raw") is not None else Usage()
            self.budget.charge_llm(usage)
            detail.update(tokens=usage.total, valid=out.get("parsing_error") is None)
        error = out.get("parsing_error")
        if error is not None or out.get("parsed") is None:
            return None, str(error or "the reply had no structured output")
        parsed = out["parsed"]
        return (parsed if isinstance(parsed, schema) else schema.model_validate(parsed)), None

    def text(self, messages: Sequence[BaseMessage], name: str) -> str:
        """A plain-text reply."""
        self.budget.start_llm_call(self._estimate(messages))
        with self.tracer.step("llm", name) as detail:
            reply = self._call(self.chat.invoke, messages)
            usage = usage_of(reply)
            self.budget.charge_llm(usage)
            detail.update(tokens=usage.total)
        return str(reply.content)


class ProposedPlan(BaseModel):
    """One query plan and what it is for."""

    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(min_length=1, max_length=200)
    plan: QueryPlan


class PlanProposal(BaseModel):
    """Query plans that together answer the question (1 to 4)."""

    model_config = ConfigDict(extra="forbid")

    plans: list[ProposedPlan] = Field(min_length=1, max_length=4)


def schema_summary(schema: GraphSchema) -> str:
    """The graph schema as the model needs it to plan."""
    relations = "; ".join(
        f"{name} ({'/'.join(r.domains)} -> {'/'.join(r.ranges)})"
        for name, r in sorted(schema.relation_types.items())
    )
    metrics = ", ".join(f"{m.name} ({m.kind})" for m in schema.ontology.metrics)
    return (
        "Entity relationship types: "
        + relations
        + ". Structural: (Wisdom)-[APPLIES_IN]->(Situation), (Experience)-[IN_SITUATION]->"
        "(Situation), (Experience|Insight|Knowledge)-[SUPPORTS|CONTRADICTS]->(Wisdom|Insight), "
        "(any layer node)-[ABOUT]->(Entity). Metrics of observations: " + metrics + "."
    )


class LlmPlanner:
    """Asks the model for query plans; validates and repairs them a bounded number of times."""

    def __init__(self, gateway: LlmGateway, schema: GraphSchema, settings: EngineSettings) -> None:
        self.gateway = gateway
        self.schema = schema
        self.settings = settings

    def _messages(self, analysis: QuestionAnalysis) -> list[BaseMessage]:
        entities = "\n".join(
            f"- {e.entity.name} ({e.entity.props.get('type', '')}): id {e.entity.id}"
            for e in analysis.entities
        )
        return [
            SystemMessage(
                "You plan graph queries. Answer only with a PlanProposal. Use only the ids "
                "listed for anchors and targets, relationship types from the schema, and "
                "periods like 2024, 2024-Q2 or 2024-H1. " + schema_summary(self.schema)
            ),
            HumanMessage(
                f"Question: {analysis.question}\nLinked entities:\n{entities or '- (none)'}"
            ),
        ]

    def _check(self, proposal: PlanProposal, analysis: QuestionAnalysis) -> list[QueryPlan]:
        known = {e.entity.id for e in analysis.entities}
        plans = []
        for proposed in proposal.plans:
            plan = proposed.plan
            plan.check_schema(self.schema)
            unknown = [i for i in (*plan.anchors, *plan.targets) if i not in known]
            if unknown:
                raise ValueError(f"ids {unknown} are not among the linked entities")
            # the model never widens what may be used: statuses come from the settings
            plans.append(plan.model_copy(update={"filters": filters_for(self.settings)}))
        kinds = {p.shape for p in plans}
        if len(kinds) > 1:
            raise ValueError(f"plans of one proposal must share a shape, got {sorted(kinds)}")
        return plans

    def attempt(self, analysis: QuestionAnalysis) -> Attempt | None:
        """An attempt of validated LLM plans, or ``None`` (the deterministic planner answers)."""
        messages = self._messages(analysis)
        for round_ in range(1 + self.settings.max_plan_repairs):
            proposal, error = self.gateway.structured(PlanProposal, messages, f"plan #{round_}")
            if proposal is not None:
                try:
                    plans = self._check(proposal, analysis)
                except (KagError, ValueError, ValidationError) as exc:
                    error = str(exc)
                else:
                    queries = tuple(
                        PlannedQuery(purpose=p.purpose, plan=plan)
                        for p, plan in zip(proposal.plans, plans, strict=True)
                    )
                    return Attempt(name="llm", queries=queries, anchors=plans[0].anchors)
            messages = [
                *messages,
                HumanMessage(
                    f"That plan is invalid: {error}. Reply with a corrected PlanProposal."
                ),
            ]
        logger.info("LLM plans rejected after repairs; the deterministic planner answers")
        return None


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


class LlmComposer:
    """Lets the model phrase the answer from the material; falls back to the template text."""

    def __init__(self, gateway: LlmGateway) -> None:
        self.gateway = gateway

    @staticmethod
    def _facts(material: Material) -> str:
        lines = []
        for c in material.citations:
            quotes = "; ".join(s.quote for h in c.hops for s in h.spans)
            lines.append(f"[{c.id}] ({c.role}) {c.chain()} | evidence: {quotes}")
        return "\n".join(lines)

    def check(self, text: str, allowed: str, material: Material) -> str | None:
        """Why a phrased answer is unusable, or ``None`` when it is fine."""
        cited = set(_CITE.findall(text))
        known = {c.id for c in material.citations}
        if not cited:
            return "the answer cites no citation id such as [c1]"
        if cited - known:
            return f"the answer cites unknown ids {sorted(cited - known)}"
        invented = _numbers(text) - _numbers(allowed) - set(cited)
        invented -= {c[1:] for c in known}
        if invented:
            return f"the answer states numbers the facts do not give: {sorted(invented)}"
        return None

    def compose(
        self, question: str, template: Composition, material: Material
    ) -> Composition | None:
        """The model's phrasing if it passes :meth:`check` (one repair), else ``None``."""
        facts = self._facts(material)
        allowed = "\n".join(
            [
                question,
                template.text,
                facts,
                json.dumps([q.model_dump() for q in template.quantities]),
            ]
        )
        messages: list[BaseMessage] = [
            SystemMessage(
                "Answer the question only from the numbered facts. Cite every statement with "
                "its ids like [c1]. Do not state any number that is not in the facts or the "
                "draft."
            ),
            HumanMessage(f"Question: {question}\nFacts:\n{facts}\nDraft: {template.text}"),
        ]
        for _ in range(2):
            text = self.gateway.text(messages, "compose")
            problem = self.check(text, allowed, material)
            if problem is None:
                return Composition(
                    text=text.strip(), quantities=template.quantities, short=template.short
                )
            messages = [*messages, HumanMessage(f"Not usable: {problem}. Try again.")]
        return None
