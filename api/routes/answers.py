"""Ask a question; get a past answer by id (analysts: their own; experts and admins: any).

``/ask`` is added by :func:`build_router`, which knows whether the deployment offers text-to-Cypher.
"""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from anyio import to_thread
from fastapi import APIRouter
from fastapi import Path as PathParam

from api.deps import AnalystDep, RuntimeDep, StoreDep
from api.errors import ApiProblem
from api.runtime import Runtime
from api.schemas.ask import (
    ANSWER_ID_PATTERN,
    AnswerPublic,
    AskRequest,
    AskWithCypherRequest,
)
from api.schemas.problem import BODY_ERRORS, STORE_ERRORS, problem_responses
from kag.engine import Answer
from kag.errors import InvalidInput, NotFound
from kag.settings import Settings
from kag.state import ApiKey, Role
from kag.store import GraphStore

router = APIRouter(tags=["answers"])

AnswerIdPath = Annotated[str, PathParam(pattern=ANSWER_ID_PATTERN)]


def visible_answer(runtime: Runtime, store: GraphStore, key: ApiKey, answer_id: str) -> Answer:
    """The stored answer, if this key may see it (else as if it did not exist).

    Raises:
        NotFound: no such answer, or an analyst's key that did not ask it.
    """
    if key.role is Role.ANALYST and runtime.owners.asked_by(answer_id) != key.id:
        raise NotFound(f"no answer with id {answer_id!r} was asked with this key")
    return Answer.model_validate_json(store.get_answer(answer_id).payload)


_ASK_RESPONSES = problem_responses(*STORE_ERRORS, *BODY_ERRORS, 502, 504)


async def _ask(
    key: ApiKey, runtime: Runtime, question: str, mode: Literal["plan", "cypher"]
) -> AnswerPublic:
    store = runtime.store.get()
    if mode == "cypher" and (store.backend != "neo4j" or runtime.settings.llm == "none"):
        raise InvalidInput(
            "mode 'cypher' (guarded text-to-Cypher) needs the Neo4j backend and a language model "
            f"(KAG_LLM); this API runs on {store.backend} with KAG_LLM={runtime.settings.llm}: "
            "use mode 'plan'"
        )
    limit = runtime.settings.api.ask_timeout_s

    def work() -> Answer:
        engine = runtime.engine(store)
        answer = engine.ask(question, mode=mode, save=False)
        # One answer write at a time: concurrent writes of CITES links to the same popular
        # nodes deadlock in Neo4j (measured under 50 concurrent clients).
        with runtime.answer_writes:
            engine.save(answer)
        runtime.owners.record(answer.id, key.id)
        runtime.metrics.observe_answer(answer)
        return answer

    try:
        with anyio.fail_after(limit):
            # The engine stops itself at its own deadline (KAG_ENGINE__DEADLINE_S); this is the
            # outer guard, so the thread is abandoned rather than waited for.
            answer = await to_thread.run_sync(work, abandon_on_cancel=True)
    except TimeoutError:
        raise ApiProblem(
            504,
            "timeout",
            f"the question was not answered within {limit:g} s; ask a narrower question "
            "or retry later",
        ) from None
    return AnswerPublic.model_validate(answer.model_dump())


async def ask(key: AnalystDep, runtime: RuntimeDep, body: AskRequest) -> AnswerPublic:
    """Answer from the graph with cited paths, evidence spans and exact numbers — or say that
    the evidence is insufficient. The answer is stored; fetch it again at ``/v1/answers/{id}``."""
    return await _ask(key, runtime, body.question, body.mode)


async def ask_with_cypher(
    key: AnalystDep, runtime: RuntimeDep, body: AskWithCypherRequest
) -> AnswerPublic:
    """Answer from the graph with cited paths, evidence spans and exact numbers — or say that
    the evidence is insufficient; ``mode: cypher`` uses guarded, read-only text-to-Cypher. The
    answer is stored; fetch it again at ``/v1/answers/{id}``."""
    return await _ask(key, runtime, body.question, body.mode)


def cypher_mode_available(settings: Settings) -> bool:
    """Whether the deployment can answer in text-to-Cypher mode (Neo4j and a model)."""
    return not settings.store.startswith("embedded:") and settings.llm != "none"


def build_router(settings: Settings) -> APIRouter:
    """The answers router; ``/ask`` publishes ``mode: cypher`` only where it can work."""
    built = APIRouter(tags=["answers"])
    endpoint = ask_with_cypher if cypher_mode_available(settings) else ask
    built.add_api_route(
        "/ask",
        endpoint,
        methods=["POST"],
        summary="Ask a question",
        responses=_ASK_RESPONSES,
        response_model=AnswerPublic,
    )
    built.include_router(router)
    return built


@router.get(
    "/answers/{answer_id}",
    summary="A past answer",
    responses=problem_responses(*STORE_ERRORS, 404, 422),
)
def get_answer(
    key: AnalystDep, runtime: RuntimeDep, store: StoreDep, answer_id: AnswerIdPath
) -> AnswerPublic:
    """A stored answer, exactly as it was given."""
    answer = visible_answer(runtime, store, key, answer_id)
    return AnswerPublic.model_validate(answer.model_dump())
