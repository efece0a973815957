"""Every error response, in one place: domain errors and HTTP errors as RFC 9457 problem+json.

Clients get what went wrong and what to do; never a stack trace, a driver message, a file path or
a URI. The full error goes to the server log instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.limits import BodyTooLarge
from api.schemas.problem import PROBLEM_MEDIA_TYPE, FieldProblem, Problem
from kag.errors import (
    BudgetExceeded,
    Conflict,
    ExtractionError,
    InvalidInput,
    KagError,
    LlmUnavailable,
    NotFound,
    SchemaMismatch,
    StoreUnavailable,
)

logger = logging.getLogger(__name__)

#: Status of each domain error whose message is meant for the client.
_CLIENT_ERRORS: Final[dict[type[KagError], int]] = {
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
}

#: Domain errors whose message names server internals (URIs, paths): a fixed text instead.
_SERVER_ERRORS: Final[dict[type[KagError], tuple[int, str]]] = {
    StoreUnavailable: (
        503,
        "the graph store is unavailable right now; the request was not carried out, "
        "retry in a moment (the operator can see the cause in the API's log and on /readyz)",
    ),
    SchemaMismatch: (
        503,
        "the graph store's schema version does not match this API; the operator must run "
        "`kag schema apply` (or upgrade the API); nothing was changed",
    ),
    BudgetExceeded: (
        503,
        "the request hit a hard budget (time, queries or model calls) before it could "
        "finish; narrow it or retry later",
    ),
    ExtractionError: (
        502,
        "the language model returned output that could not be used; nothing was written",
    ),
    LlmUnavailable: (
        502,
        "the configured language model could not be used; retry later or ask the operator",
    ),
}

#: Seconds a client should wait before retrying a 503.
RETRY_AFTER_S: Final = 5


class ApiProblem(Exception):
    """An HTTP-level refusal raised by the API itself (401, 403, 429, ...)."""

    def __init__(
        self, status: int, code: str, detail: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = dict(headers or {})


def problem_type(code: str) -> str:
    """The ``type`` URI of a problem code."""
    return f"urn:kag:problem:{code}"


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    errors: Sequence[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response for this request."""
    body = Problem(
        type=problem_type(code),
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        code=code,
        errors=list(errors) if errors is not None else None,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def _kag_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KagError)
    for cls, status in _CLIENT_ERRORS.items():
        if isinstance(exc, cls):
            return problem_response(request, status, exc.code, exc.message)
    for cls, (status, text) in _SERVER_ERRORS.items():
        if isinstance(exc, cls):
            logger.warning("%s on %s: %s", exc.code, request.url.path, exc.message)
            if isinstance(exc, StoreUnavailable | SchemaMismatch):
                runtime = getattr(request.app.state, "runtime", None)
                if runtime is not None:
                    runtime.store.report_failure(exc)
            headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
            return problem_response(request, status, exc.code, text, headers=headers)
    logger.error("unmapped %s on %s: %s", exc.code, request.url.path, exc.message)
    return _internal(request)


def _internal(request: Request) -> JSONResponse:
    return problem_response(
        request,
        500,
        "internal-error",
        "the server failed to carry out the request; nothing was changed by the failed step. "
        "The operator can find the cause in the API's log",
    )


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _internal(request)


def _location(loc: Sequence[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # The offending input is not echoed back: it may be large, or somebody else's text.
    errors = [
        FieldProblem(location=_location(err["loc"]), message=err["msg"], type=err["type"])
        for err in exc.errors()
    ]
    where = ", ".join(".".join(str(p) for p in e.location) for e in errors[:5])
    return problem_response(
        request,
        422,
        "validation-error",
        f"the request is not valid ({where}); see 'errors' and the OpenAPI schema at /openapi.json",
        errors=errors,
    )


_HTTP_CODES: Final[dict[int, tuple[str, str]]] = {
    400: ("bad-request", "the request could not be read; check its syntax and content type"),
    404: ("not-found", "there is no such resource; the API lives under /v1 (see /docs)"),
    405: ("method-not-allowed", "this method is not allowed here; see the Allow header"),
    413: ("content-too-large", "the request body is larger than this API accepts"),
}


def _api_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return problem_response(request, exc.status, exc.code, exc.detail, headers=exc.headers)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    phrase = HTTPStatus(status).phrase
    code, detail = _HTTP_CODES.get(status, (phrase.lower().replace(" ", "-"), phrase))
    headers = dict(exc.headers or {})
    if isinstance(exc, BodyTooLarge):
        detail = exc.detail
    elif status == 400 and isinstance(exc.detail, str) and exc.detail != phrase:
        # The parsers' own words (e.g. a malformed multipart body) help the client fix it.
        detail = f"{detail} ({exc.detail.rstrip('.')})"
    if status == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return problem_response(request, status, code, detail, headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every documented method on this path (the router names only its first match's).

    A literal path (``/v1/keys``) wins over a template that would also match it, as in
    routing.
    """
    table: list[tuple[bool, re.Pattern[str], frozenset[str]]] | None = getattr(
        request.app.state, "allowed_methods", None
    )
    if table is None:
        table = [
            (
                "{" in path,
                re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"),
                frozenset(m.upper() for m in operations),
            )
            for path, operations in request.app.openapi().get("paths", {}).items()
        ]
        request.app.state.allowed_methods = table
    path = request.url.path
    for templated in (False, True):
        methods = {m for t, p, ms in table if t is templated and p.match(path) for m in ms}
        if methods:
            return ", ".join(sorted(methods))
    return ""


class UnexpectedErrors:
    """Turn an exception nobody handled into a 500 problem, logged here with its traceback.

    Starlette's outermost error middleware would answer too, but then re-raises, and the server
    drops the connection; this answers cleanly and keeps the connection usable.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started:
                raise  # too late for a problem body; the server closes the connection
            response = _unexpected(Request(scope), exc)
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app`` (call before adding other middleware,
    so the catch-all sits innermost)."""
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(KagError, _kag_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(UnexpectedErrors)
