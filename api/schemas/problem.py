"""RFC 9457 problem details: the body of every error response."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"


class FieldProblem(BaseModel):
    """One invalid field of a request (validation errors)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    location: list[str | int] = Field(description="where: body, query, path or header, then keys")
    message: str
    type: str


class Problem(BaseModel):
    """An error, as ``application/problem+json`` (RFC 9457)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(description="a URI naming the kind of problem")
    title: str = Field(description="short summary of the kind of problem")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what went wrong in this request and what to do")
    instance: str = Field(description="the request path")
    code: str = Field(description="a short machine-readable code")
    errors: list[FieldProblem] | None = Field(
        default=None, description="the invalid fields, for validation problems"
    )


_DESCRIPTIONS: Final[dict[int, str]] = {
    400: "The request could not be read",
    401: "No API key, or an unknown, malformed or revoked one",
    403: "The key's role may not do this",
    404: "No such resource",
    409: "Conflicts with the current state",
    413: "The request body is too large",
    415: "The request body's content type is not accepted here",
    422: "The request is not valid (unknown fields are refused)",
    429: "Rate limit of this key reached; see Retry-After",
    502: "An upstream model returned unusable output",
    503: "The graph store is unavailable or has the wrong schema version; see Retry-After",
    504: "The request did not finish within its time limit",
}

#: Response headers documented for statuses that carry them.
_HEADERS: Final[dict[int, dict[str, object]]] = {
    429: {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}},
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI ``responses`` entries for these error statuses, all problem+json."""
    out: dict[int | str, dict[str, object]] = {}
    for status in statuses:
        entry: dict[str, object] = {
            "description": _DESCRIPTIONS[status],
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status in _HEADERS:
            entry["headers"] = _HEADERS[status]
        out[status] = entry
    return out


#: Errors any authenticated route can answer with.
AUTH_ERRORS: Final = (401, 403, 429)
#: ... and routes that read or write the graph.
STORE_ERRORS: Final = (*AUTH_ERRORS, 503)
#: ... and routes that take a request body.
BODY_ERRORS: Final = (400, 413, 422)
