"""Who is calling: the API key from ``Authorization: Bearer <token>``, its role, its rate limit.

Order of checks: key (401), rate limit of that key (429), role (403). Unauthenticated requests
never reach the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ApiProblem
from api.runtime import Runtime
from kag.state import ApiKey, Role

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key from `kag keys create --role R --name N`, sent as "
    "`Authorization: Bearer kag_...`",
)


def runtime_of(request: Request) -> Runtime:
    """The runtime of the app serving this request."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    """The calling key, after its rate limit.

    Raises:
        ApiProblem: 401 without a valid key, 429 over the key's rate limit.
    """
    if credentials is None:
        raise ApiProblem(
            401,
            "unauthenticated",
            "this route needs an API key: send 'Authorization: Bearer <token>' "
            "(an administrator issues keys with `kag keys create`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    runtime = runtime_of(request)
    key = runtime.keys.authenticate(credentials.credentials)
    if key is None:
        raise ApiProblem(
            401,
            "invalid-key",
            "the API key is malformed, unknown or revoked; ask an administrator for a valid one",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    wait = runtime.limiter.acquire(key.id)
    if wait > 0:
        retry = runtime.limiter.retry_after(wait)
        raise ApiProblem(
            429,
            "rate-limited",
            f"key {key.name!r} is over its limit of {runtime.settings.api.rate_limit_per_minute} "
            f"requests a minute; retry after {retry} s",
            headers={"Retry-After": retry},
        )
    request.state.api_key = key
    return key


def require(role: Role) -> Callable[[ApiKey], ApiKey]:
    """A dependency that admits keys whose role includes ``role``."""

    def dependency(key: Annotated[ApiKey, Depends(authenticate)]) -> ApiKey:
        if not key.role.allows(role):
            raise ApiProblem(
                403,
                "forbidden",
                f"this needs the {role.value} role; key {key.name!r} has the {key.role.value} "
                "role. Ask an administrator for a key with that role",
            )
        return key

    dependency.__name__ = f"require_{role.value}"
    return dependency
