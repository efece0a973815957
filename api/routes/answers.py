"""Ask a question; get a past answer by id (analysts: their own; experts and admins: any)."""

from __future__ import annotations

from typing import Annotated

import anyio
from anyio import to_thread
from fastapi import APIRouter
from fastapi import Path as PathParam

from api.deps import AnalystDep, RuntimeDep, StoreDep
from api.errors import ApiProblem
from api.runtime import Runtime
from api.schemas.ask import ANSWER_ID_PATTERN, AnswerPublic, AskRequest
from api.schemas.problem import BODY_ERRORS, STORE_ERRORS, problem_responses
from kag.engine import Answer
from kag.errors import InvalidInput, NotFound
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


@router.post(
    "/ask",
    summary="Ask a question",
    responses=problem_responses(*STORE_ERRORS, *BODY_ERRORS, 502, 504),
)
async def ask(key: AnalystDep, runtime: RuntimeDep, body: AskRequest) -> AnswerPublic:
    """Answer from the graph with cited paths, evidence spans and exact numbers — or say that
    the evidence is insufficient. The answer is stored; fetch it again at ``/v1/answers/{id}``."""
    store = runtime.store.get()
    if body.mode == "cypher" and (store.backend != "neo4j" or runtime.settings.llm == "none"):
        raise InvalidInput(
            "mode 'cypher' (guarded text-to-Cypher) needs the Neo4j backend and a language model "
            f"(KAG_LLM); this API runs on {store.backend} with KAG_LLM={runtime.settings.llm}: "
            "use mode 'plan'"
        )
    limit = runtime.settings.api.ask_timeout_s

    def work() -> Answer:
        answer = runtime.engine(store).ask(body.question, mode=body.mode, save=True)
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
