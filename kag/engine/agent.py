"""The wisdom engine's agent loop: planner -> retriever -> critic -> expand/re-plan -> composer.

``Engine(store, settings).ask(question)`` links the question, then pulls attempts from the
planner (the LLM planner's, when a model is configured, then the deterministic planner's), runs
each through the retriever, lets the critic judge it, and stops at the first sufficient attempt
or when a hard budget (iterations, queries, LLM calls and tokens, deadline) runs out. The composer
then writes the answer from the best attempt's cited paths only: answered, partial (marked as
such, with the reasons) or "insufficient evidence" — never invented.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal
from uuid import uuid4

from langchain_core.language_models import BaseChatModel

from graph_schema import Label, stable_id
from graph_schema.properties import AnswerRecord, utc_now
from kag.engine.answer import Answer, Outcome, PassageRef, Quantity
from kag.engine.budget import Budget, Clock
from kag.engine.composer import INSUFFICIENT, TemplateComposer
from kag.engine.critic import Verdict, criticise
from kag.engine.linking import QuestionAnalysis, analyse
from kag.engine.llm import LlmComposer, LlmGateway, LlmPlanner
from kag.engine.material import Material, build_material, needed_evidence
from kag.engine.nlp import load_question_nlp
from kag.engine.overlap import overlaps, start
from kag.engine.passages import PassageCache, PassageIndex, best_quote
from kag.engine.planner import Attempt, DeterministicPlanner
from kag.engine.ranking import old_facts
from kag.engine.retrieval import Retriever
from kag.engine.selection import select
from kag.engine.tracing import Tracer
from kag.errors import BudgetExceeded, InvalidInput, LlmUnavailable
from kag.feedback.models import Precedent
from kag.feedback.recall import precedents
from kag.llm import make_chat_model
from kag.settings import Settings
from kag.store import GraphStore

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
Mode = Literal["plan", "cypher"]


@dataclass
class _Round:
    attempt: Attempt
    material: Material
    verdict: Verdict

    def strength(self) -> tuple[int, int, int]:
        answers = sum(1 for _, role in self.material.selection.paths if role == "answer")
        return (
            int(self.verdict.sufficient),
            int(self.material.selection.slot_filled),
            answers + len(self.material.selection.values),
        )


def check_question(question: str) -> str:
    """The question, trimmed; refuses empty and oversized questions.

    Raises:
        InvalidInput: naming the problem and the limit.
    """
    text = " ".join(question.split())
    if not text:
        raise InvalidInput("the question is empty: ask something about the graph")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidInput(
            f"the question has {len(text)} characters; the limit is {MAX_QUESTION_CHARS}: "
            "ask a shorter question"
        )
    return text


class Engine:
    """Answers questions over a graph store with cited paths and exact numbers."""

    def __init__(
        self,
        store: GraphStore,
        settings: Settings,
        *,
        chat_model: BaseChatModel | None = None,
        nlp: Any | None = None,
        clock: Clock = time.monotonic,
        passages: PassageCache | None = None,
    ) -> None:
        """Build an engine.

        Args:
            store: the graph store (embedded or Neo4j).
            settings: the settings (``engine`` budgets and policies; ``llm`` for the model).
            chat_model: a chat model to use instead of the configured one (``KAG_LLM``).
            nlp: a spaCy pipeline for questions (loaded from the settings when ``None``).
            clock: a monotonic clock (tests drive deadlines with a fake one).
            passages: a passage-index cache to share between engines (one per engine if unset).
        """
        self.store = store
        self.settings = settings
        self.clock = clock
        self._nlp = nlp
        self.chat_model = chat_model if chat_model is not None else make_chat_model(settings)
        self.composer = TemplateComposer(store.schema)
        self._passages = passages if passages is not None else PassageCache()

    @property
    def nlp(self) -> Any:
        """The spaCy pipeline for questions (loaded on first use)."""
        if self._nlp is None:
            self._nlp = load_question_nlp(
                self.settings.ingestion.spacy_model, self.settings.engine.question_nlp
            )
        return self._nlp

    # -- public API -------------------------------------------------------------------------------
    def ask(self, question: str, *, mode: Mode = "plan", save: bool | None = None) -> Answer:
        """Answer a question.

        Args:
            question: the question in natural language.
            mode: ``plan`` (typed query plans, both backends) or ``cypher`` (guarded
                text-to-Cypher; Neo4j and a configured LLM only).
            save: store the answer as an ``Answer`` node (default: ``KAG_ENGINE__STORE_ANSWERS``).

        Raises:
            InvalidInput: empty or oversized question; ``cypher`` mode without Neo4j or LLM.
            StoreUnavailable: the store cannot be reached.
        """
        text = check_question(question)
        budget = Budget(self.settings.engine, clock=self.clock)
        tracer = Tracer()
        # Earlier questions like this one depend on its text alone: on a server they are
        # looked up while the question is analysed and answered.
        earlier = (
            start(partial(precedents, self.store, text, self.settings.feedback))
            if overlaps(self.store)
            else None
        )
        if mode == "cypher":
            from kag.engine.text2cypher import answer_with_cypher

            answer = answer_with_cypher(self, text, budget, tracer)
        else:
            answer = self._answer(text, budget, tracer)
        found = earlier.result() if earlier is not None else None
        answer = self._with_precedents(answer, found)
        if self.settings.engine.store_answers if save is None else save:
            self.save(answer)
        logger.debug(
            "answered question",
            extra={"answer_id": answer.id, "outcome": answer.outcome, "queries": budget.queries},
        )
        return answer

    def _with_precedents(self, answer: Answer, found: list[Precedent] | None) -> Answer:
        """Say when this question was asked before and how that answer was judged."""
        if found is None:
            found = precedents(self.store, answer.question, self.settings.feedback)
        if not found:
            return answer
        notes = [p.sentence() for p in found[:3]]
        return answer.model_copy(update={"flags": tuple(dict.fromkeys([*answer.flags, *notes]))})

    def save(self, answer: Answer) -> None:
        """Store an answer node with ``CITES`` links to what it cites."""
        record = AnswerRecord(
            id=answer.id,
            question=answer.question,
            text=answer.text,
            outcome=answer.outcome,
            confidence=answer.confidence,
            payload=answer.model_dump_json(),
            created_at=answer.created_at,
        )
        self.store.save_answer(record, answer.cited_ids)

    def get_answer(self, answer_id: str) -> Answer:
        """A stored answer by id.

        Raises:
            NotFound: no answer has this id.
        """
        return Answer.model_validate_json(self.store.get_answer(answer_id).payload)

    # -- the loop ---------------------------------------------------------------------------------
    def _attempts(self, run: _Run) -> Iterator[Attempt]:
        assert run.analysis is not None
        if run.gateway is not None:
            planner = LlmPlanner(run.gateway, self.store.schema, self.settings.engine)
            try:
                proposed = planner.attempt(run.analysis)
            except (BudgetExceeded, LlmUnavailable) as exc:
                if isinstance(exc, BudgetExceeded) and exc.details.get("cap") not in (
                    "llm_calls",
                    "llm_tokens",
                ):
                    raise
                run.flags.append(f"LLM planner stopped ({exc.message}); deterministic plans used")
            else:
                if proposed is None:
                    run.flags.append("LLM plans were not usable; deterministic plans used")
                else:
                    yield proposed
        planner_ = DeterministicPlanner(self.settings.engine, run.retriever.search)
        yield from planner_.attempts(run.analysis)

    def _answer(self, question: str, budget: Budget, tracer: Tracer) -> Answer:
        run = _Run(
            question=question,
            budget=budget,
            tracer=tracer,
            retriever=Retriever(self.store, budget, tracer, self.settings.engine),
            gateway=LlmGateway(self.chat_model, budget, tracer) if self.chat_model else None,
        )
        try:
            budget.check_deadline()
            with tracer.step("link", "question analysis") as detail:
                run.analysis = analyse(question, self.store, self.nlp, self.store.schema)
                detail.update(
                    entities=len(run.analysis.entities),
                    shape=run.analysis.shape or "none",
                    hops=len(run.analysis.hops),
                )
            for attempt in self._attempts(run):
                budget.start_iteration()
                current = self._round(run, attempt)
                if run.best is None or current.strength() > run.best.strength():
                    run.best = current
                if current.verdict.sufficient:
                    break
        except BudgetExceeded as exc:
            run.stopped = exc.message
        answer = self._compose(run)
        if answer.outcome == "answered" or self.settings.engine.passages == 0:
            return answer
        return self._with_passages(run, answer)

    # -- hybrid passage search ------------------------------------------------------------------
    def passage_index(self) -> PassageIndex:
        """The passage index, rebuilt when the store's counts have changed since it was built."""
        return self._passages.get(self.store)

    def _with_passages(self, run: _Run, answer: Answer) -> Answer:
        """Offer the passages most likely to hold the answer, as passages (never as facts)."""
        try:
            run.budget.start_query()
        except BudgetExceeded as exc:
            return answer.model_copy(
                update={"flags": (*answer.flags, f"passage search skipped: {exc.message}")}
            )
        seeds = [e.entity.id for e in run.analysis.named] if run.analysis else []
        with run.tracer.step("passages", "hybrid passage search") as detail:
            index = self.passage_index()
            hits = index.search(answer.question, seeds, limit=self.settings.engine.passages)
            detail.update(indexed=len(index), found=len(hits))
        if not hits:
            return answer.model_copy(update={"trace": tuple(run.tracer.records)})
        names = {
            n.id: n.name for n in self.store.get_nodes(sorted({e for h in hits for e in h.via}))
        }
        refs = []
        for rank, hit in enumerate(hits, start=1):
            start, quote = best_quote(hit.passage, answer.question)
            p = hit.passage
            refs.append(
                PassageRef(
                    id=f"p{rank}",
                    document_id=p.document_id,
                    document_source=p.document_source,
                    document_title=p.document_title,
                    version=p.version,
                    chunk_id=p.chunk_id,
                    start=start,
                    end=start + len(quote),
                    quote=quote,
                    score=hit.score,
                    lexical=hit.lexical,
                    graph=hit.graph,
                    via=tuple(names.get(e, e) for e in hit.via),
                )
            )
        listed = ", ".join(f"[{r.id}] {r.document_title or r.document_source}" for r in refs)
        text = (
            f"{answer.text} Passages that may hold the answer (text, not reviewed facts): {listed}."
        )
        return answer.model_copy(
            update={"text": text, "passages": tuple(refs), "trace": tuple(run.tracer.records)}
        )

    def _round(self, run: _Run, attempt: Attempt) -> _Round:
        assert run.analysis is not None
        with run.tracer.step("plan", attempt.name, plans=len(attempt.queries)):
            results = run.retriever.run(attempt)
        selection = select(run.analysis, attempt, results)
        evidence = run.retriever.evidence(needed_evidence(selection))
        material = build_material(selection, evidence)
        with run.tracer.step("critic", attempt.name) as detail:
            verdict = criticise(
                run.analysis,
                attempt,
                selection,
                material.citations,
                confident_at=self.settings.engine.confident_at,
            )
            detail.update(sufficient=verdict.sufficient, reasons=len(verdict.reasons))
        return _Round(attempt, material, verdict)

    def _compose(self, run: _Run) -> Answer:
        flags = [*run.flags, *([f"stopped: {run.stopped}"] if run.stopped else [])]
        best, analysis = run.best, run.analysis
        if analysis is None or best is None or best.material.selection.empty:
            text = INSUFFICIENT
            if analysis is not None and analysis.shape is None:
                text += " (no entity, situation or figure of the graph was named)"
            elif best is not None and best.verdict.reasons:
                text += f" ({'; '.join(best.verdict.reasons)})"
            return run.answer(text, "insufficient_evidence", 0.0, None, (), flags, "template")
        kind = best.attempt.queries[0].plan.shape if best.attempt.queries else None
        with run.tracer.step("compose", "template") as detail:
            composition = self.composer.compose(analysis, kind, best.material)
            detail.update(citations=len(best.material.citations))
        composer: Literal["template", "llm"] = "template"
        if run.gateway is not None and not run.stopped:
            try:
                phrased = LlmComposer(run.gateway).compose(run.question, composition, best.material)
            except (BudgetExceeded, LlmUnavailable) as exc:
                flags.append(f"LLM composer stopped ({exc.message}); template text used")
            else:
                if phrased is not None:
                    composition, composer = phrased, "llm"
        flags += list(best.verdict.flags)
        old = old_facts(p for p, _ in best.material.selection.paths)
        if old:
            flags.append(f"used facts that are no longer valid: {'; '.join(old)}")
        sufficient = best.verdict.sufficient and not run.stopped
        text = composition.text
        if not sufficient:
            why = [*best.verdict.reasons, *([run.stopped] if run.stopped else [])]
            text = f"Partial answer ({'; '.join(why)}): {text}"
        outcome: Outcome = "answered" if sufficient else "partial"
        confidence = _confidence(best.material, sufficient)
        answer = run.answer(
            text, outcome, confidence, best, composition.quantities, flags, composer
        )
        return answer.model_copy(update={"short": composition.short})


def _confidence(material: Material, sufficient: bool) -> float:
    """The weakest answering fact's confidence; lowered for proposed facts and partial answers."""
    answers = [c.confidence for c in material.citations if c.role == "answer"]
    value = min(answers) if answers else 0.0
    if any(c.proposed for c in material.citations):
        value *= 0.8
    return round(value if sufficient else value * 0.5, 4)


@dataclass
class _Run:
    """The state of one question."""

    question: str
    budget: Budget
    tracer: Tracer
    retriever: Retriever
    gateway: LlmGateway | None
    analysis: QuestionAnalysis | None = None
    best: _Round | None = None
    stopped: str | None = None
    flags: list[str] = field(default_factory=list)

    def answer(
        self,
        text: str,
        outcome: Outcome,
        confidence: float,
        best: _Round | None,
        quantities: Sequence[Quantity],
        flags: Sequence[str],
        composer: Literal["template", "llm"],
    ) -> Answer:
        return Answer(
            id=stable_id(Label.ANSWER, uuid4().hex),
            question=self.question,
            text=text,
            outcome=outcome,
            confidence=confidence,
            shape=self.analysis.shape if self.analysis else None,
            citations=tuple(best.material.citations) if best else (),
            quantities=tuple(quantities),
            cypher=tuple(self.retriever.queries),
            trace=tuple(self.tracer.records),
            flags=tuple(dict.fromkeys(flags)),
            composer=composer,
            created_at=utc_now(),
        )
