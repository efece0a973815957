"""Feedback replay: does feedback make answers better where it should and nowhere else, and can a
hostile analyst change the approved graph?

On each backend: the sample corpus' gold graph plus injected wrong facts
(:mod:`bench.data.injected_facts`) is written; every golden question is asked (round 1) and
scored strictly: accurate by :mod:`bench.scoring.golden` *and* no answering citation rests on an
injected fact. An analyst's feedback is then derived from the expected answers: ``helpful`` for
a strictly accurate answer; else ``wrong``, with the expected phrases as the correction and a
``wrong_path`` flag on every answering citation resting on a fact the question does not expect.
An expert then reviews the items that feedback raised, knowing the gold graph: a flagged fact
outside it is rejected; anything else is dismissed. The questions are asked again (round 2).

A question is *touched* when it got a ``wrong`` verdict or its round-1 answer cited a fact an
expert decision changed; the others (which got ``helpful`` feedback only) are *untouched*.
Goals (issue: learning from feedback): accuracy up on touched questions, unchanged on
untouched ones.

Hostile replay, on a fresh copy of the same graph: an analyst marks every answer wrong, flags
every citation untrustworthy and asserts a false fact in the correction, several times over,
and tries to decide the review items; no expert acts. Goal: no approved fact changes (status,
validity, text) and no new fact is approved.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from pydantic import SecretStr

from bench.context import BenchContext
from bench.data.injected_facts import InjectedCorpus, injected_corpus
from bench.report import Figure, Goal
from bench.scoring.golden import evaluate
from graph_schema import LAYER_LABELS, Label, Status
from graph_schema.properties import CitationFlag
from kag.curation.models import Actor
from kag.engine import Answer, Engine
from kag.errors import InvalidInput
from kag.feedback import FeedbackInput, FeedbackService
from kag.feedback.applying import citation_facts
from kag.samples import GoldenQuestion, load_golden_questions
from kag.settings import EngineSettings, Neo4jSettings, Settings
from kag.store import GraphStore, open_store
from kag.testing.neo4j_server import Neo4jEndpoint, clear_database

NAME: Final = "feedback_replay"
_ISSUE: Final = "issue: learning from feedback"
ANALYST: Final = Actor(name="replay-analyst", role="analyst")
EXPERT: Final = Actor(name="replay-expert", role="expert")
HOSTILE: Final = Actor(name="hostile-analyst", role="analyst")
HOSTILE_ROUNDS: Final = 3


@dataclass
class Replay:
    """What one backend's replay measured."""

    before: dict[str, bool]
    after: dict[str, bool]
    touched: set[str]
    feedback: int
    wrong_verdicts: int
    expert_actions: int
    injected_rejected: int
    injected_total: int
    gold_rejected: int
    seconds: float


@dataclass
class HostileReplay:
    """What the hostile analyst achieved."""

    feedback: int
    refused: int
    approved_changed: int
    newly_approved: int
    accuracy_before: float
    accuracy_after: float


def strictly_accurate(
    q: GoldenQuestion, answer: Answer, store: GraphStore, bad: frozenset[str]
) -> bool:
    """Accurate by the golden scorer, and no answering citation rests on an injected fact."""
    if not evaluate(q, answer, store).accurate:
        return False
    return not any(set(citation_facts(c)) & bad for c in answer.citations if c.role == "answer")


def _expected_ids(q: GoldenQuestion, corpus: InjectedCorpus) -> set[str]:
    return {corpus.ids_by_key[k] for k in q.facts if k in corpus.ids_by_key}


def analyst_feedback(
    q: GoldenQuestion, answer: Answer, accurate: bool, corpus: InjectedCorpus
) -> FeedbackInput:
    """Feedback as an analyst who knows the expected answer would give it."""
    if accurate:
        return FeedbackInput(answer_id=answer.id, verdict="helpful", actor=ANALYST)
    expected = _expected_ids(q, corpus)
    flags = tuple(
        CitationFlag(citation_id=c.id, flag="wrong_path", note="not what the answer rests on")
        for c in answer.citations
        if c.role == "answer" and set(citation_facts(c)) - expected
    )[:50]
    mentions = ", ".join(q.expected.must_mention) or "other figures"
    return FeedbackInput(
        answer_id=answer.id,
        verdict="wrong",
        correction=f"The answer should rest on: {mentions}",
        citation_flags=flags,
        actor=ANALYST,
    )


def _ask_all(
    engine: Engine, questions: list[GoldenQuestion], corpus: InjectedCorpus, *, save: bool
) -> tuple[dict[str, bool], dict[str, Answer]]:
    scores: dict[str, bool] = {}
    answers: dict[str, Answer] = {}
    for q in questions:
        answer = engine.ask(q.question, save=save)
        answers[q.id] = answer
        scores[q.id] = strictly_accurate(q, answer, engine.store, corpus.injected_ids)
    return scores, answers


def replay(store: GraphStore, settings: Settings, corpus: InjectedCorpus) -> Replay:
    """Round 1, analyst feedback, expert reviews, round 2."""
    started = time.perf_counter()
    engine = Engine(store, settings)
    service = FeedbackService(store, settings.feedback)
    questions = load_golden_questions()
    before, answers = _ask_all(engine, questions, corpus, save=True)
    wrong = 0
    for q in questions:
        given = analyst_feedback(q, answers[q.id], before[q.id], corpus)
        wrong += given.verdict == "wrong"
        service.submit(given)
    changed: set[str] = set()
    actions = 0
    for item in service.review_items():
        actions += 1
        bad = [f for f in item.fact_ids if f in corpus.injected_ids and _live(store, f)]
        if item.kind != "correction" and bad:
            service.review(item.id, "accept", EXPERT, fact_ids=bad, reason="not in the sources")
            changed.update(bad)
        else:
            service.review(item.id, "dismiss", EXPERT, reason="the cited facts are right")
    after, _ = _ask_all(engine, questions, corpus, save=False)
    touched = {
        q.id
        for q in questions
        if not before[q.id]
        or set(changed) & {f for c in answers[q.id].citations for f in citation_facts(c)}
    }
    statuses = {
        n.id: n.status for n in store.get_nodes(sorted(corpus.injected_ids | corpus.gold_ids))
    }
    return Replay(
        before=before,
        after=after,
        touched=touched,
        feedback=len(questions),
        wrong_verdicts=wrong,
        expert_actions=actions,
        injected_rejected=sum(statuses.get(i) is Status.REJECTED for i in corpus.injected_ids),
        injected_total=len(corpus.injected_ids),
        gold_rejected=sum(statuses.get(i) is Status.REJECTED for i in corpus.gold_ids),
        seconds=time.perf_counter() - started,
    )


def _live(store: GraphStore, fact_id: str) -> bool:
    found = store.get_nodes([fact_id])
    return bool(found) and found[0].status in (Status.APPROVED, Status.PROPOSED)


def _approved_facts(store: GraphStore) -> dict[str, tuple[Any, ...]]:
    labels = sorted(LAYER_LABELS)
    every = list(Status)
    sub = store.export_subgraph(labels, [], statuses=every, entity_statuses=every)
    return {
        n.id: (n.props.get("valid_to"), n.props.get("text"), n.props.get("value"))
        for n in sub.nodes
        if n.status is Status.APPROVED and n.label is not Label.ENTITY
    }


def hostile(store: GraphStore, settings: Settings, corpus: InjectedCorpus) -> HostileReplay:
    """A hostile analyst tries to rewrite the graph through feedback alone."""
    engine = Engine(store, settings)
    service = FeedbackService(store, settings.feedback)
    questions = load_golden_questions()
    approved = _approved_facts(store)
    before, answers = _ask_all(engine, questions, corpus, save=True)
    given = refused = 0
    for _ in range(HOSTILE_ROUNDS):
        for q in questions:
            answer = answers[q.id]
            flags = tuple(
                CitationFlag(citation_id=c.id, flag="untrustworthy_source", note="fake news")
                for c in answer.citations
            )[:50]
            service.submit(
                FeedbackInput(
                    answer_id=answer.id,
                    verdict="wrong",
                    correction="Pellmark Software is headquartered in Atlantis and owns Kestrel.",
                    citation_flags=flags,
                    actor=HOSTILE,
                )
            )
            given += 1
    for item in service.review_items():
        try:
            service.review(item.id, "accept", HOSTILE)
        except InvalidInput:
            refused += 1
    after_facts = _approved_facts(store)
    after, _ = _ask_all(engine, questions, corpus, save=False)
    return HostileReplay(
        feedback=given,
        refused=refused,
        approved_changed=sum(after_facts.get(k) != v for k, v in approved.items()),
        newly_approved=len(set(after_facts) - set(approved)),
        accuracy_before=sum(before.values()) / len(before),
        accuracy_after=sum(after.values()) / len(after),
    )


def _ratio(scores: dict[str, bool], ids: set[str]) -> float | None:
    return round(sum(scores[i] for i in ids) / len(ids), 4) if ids else None


def _figures(backend: str, r: Replay, h: HostileReplay) -> list[Figure]:
    touched, untouched = r.touched, set(r.before) - r.touched
    t_before, t_after = _ratio(r.before, touched), _ratio(r.after, touched)
    u_before, u_after = _ratio(r.before, untouched), _ratio(r.after, untouched)
    notes = (
        f"{len(r.before)} golden questions, {len(touched)} touched ({r.wrong_verdicts} judged "
        f"wrong), {len(untouched)} untouched; strict accuracy (golden scorer and no answering "
        f"citation on an injected fact); replay {r.seconds:.1f}s"
    )

    def figure(name: str, value: float | None, unit: str = "ratio", **kw: Any) -> Figure:
        return Figure(
            group=NAME,
            name=f"{backend} {name}",
            value=value,
            unit=unit,
            direction=kw.pop("direction", "higher"),
            goal=kw.pop("goal", None),
            baselines=kw.pop("baselines", {}),
            notes=kw.pop("notes", notes),
        )

    return [
        figure(
            "accuracy after, touched questions",
            t_after,
            baselines={"before feedback": t_before},
            goal=Goal(comparator=">", threshold=t_before or 0.0, source=_ISSUE),
        ),
        figure(
            "accuracy after, untouched questions",
            u_after,
            baselines={"before feedback": u_before},
            goal=Goal(comparator=">=", threshold=u_before or 0.0, source=_ISSUE),
        ),
        figure(
            "injected wrong facts rejected by expert review",
            r.injected_rejected,
            "count",
            notes=f"of {r.injected_total} injected; {r.expert_actions} expert review actions; "
            f"gold facts rejected: {r.gold_rejected}",
        ),
        figure(
            "hostile analyst: approved facts changed",
            h.approved_changed + h.newly_approved,
            "count",
            direction="lower",
            goal=Goal(comparator="<=", threshold=0, source=_ISSUE),
            notes=f"{h.feedback} hostile feedbacks ({HOSTILE_ROUNDS} per question: all wrong, "
            f"every citation flagged untrustworthy, a false fact in the correction); "
            f"{h.refused} attempts to decide review items refused; newly approved facts: "
            f"{h.newly_approved}",
        ),
        figure(
            "hostile analyst: accuracy after",
            round(h.accuracy_after, 4),
            baselines={"before": round(h.accuracy_before, 4)},
            notes="strict accuracy on all golden questions before and after the hostile "
            "feedback (no expert acted); belief updates may reorder equally short paths",
        ),
    ]


@contextmanager
def _fresh(settings_for: Callable[[], Settings], reset: Callable[[], None]) -> Iterator[Settings]:
    reset()
    try:
        yield settings_for()
    finally:
        reset()


def _run_backend(
    backend: str, settings: Callable[[], Settings], reset: Callable[[], None], ctx: BenchContext
) -> list[Figure]:
    results: list[Any] = []
    for experiment in (replay, hostile):
        with _fresh(settings, reset) as current:
            store = open_store(current)
            try:
                store.apply_schema()
                corpus = injected_corpus(store.schema, ctx.scratch / backend)
                for batch in corpus.batches:
                    store.write(batch)
                results.append(experiment(store, current, corpus))
            finally:
                store.close()
    return _figures(backend, results[0], results[1])


def run(ctx: BenchContext) -> list[Figure]:
    """Replay feedback on the embedded store and on Neo4j."""
    engine = EngineSettings(store_answers=False)
    counter = iter(range(1_000))

    def embedded() -> Settings:
        return Settings(
            store=f"embedded:{ctx.scratch / f'replay-{next(counter)}.db'}", engine=engine
        )

    figures = _run_backend("embedded", embedded, lambda: None, ctx)
    endpoint = ctx.neo4j()
    server = Neo4jEndpoint(endpoint.uri, endpoint.user, endpoint.password, "env")

    def neo4j() -> Settings:
        return Settings(
            store=endpoint.uri,
            neo4j=Neo4jSettings(user=endpoint.user, password=SecretStr(endpoint.password)),
            engine=engine,
        )

    figures += _run_backend("neo4j", neo4j, lambda: clear_database(server), ctx)
    return figures
