"""API key management (admin): list, create, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.deps import AdminDep, KeysDep
from api.schemas.keys import ApiKeyPublic, IssuedKeyPublic, KeyCreateRequest, KeyListQuery
from api.schemas.problem import AUTH_ERRORS, BODY_ERRORS, problem_responses
from kag.errors import Conflict

router = APIRouter(prefix="/keys", tags=["keys"])

KeyIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="the key id")]


@router.get("", summary="List API keys", responses=problem_responses(*AUTH_ERRORS, 422))
def list_keys(
    key: AdminDep, keys: KeysDep, query: Annotated[KeyListQuery, Query()]
) -> list[ApiKeyPublic]:
    """Keys by creation time, never their tokens."""
    return [ApiKeyPublic.of(k) for k in keys.list(include_revoked=query.include_revoked)]


@router.post(
    "",
    summary="Create an API key",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*AUTH_ERRORS, *BODY_ERRORS, 409),
)
def create_key(key: AdminDep, keys: KeysDep, body: KeyCreateRequest) -> IssuedKeyPublic:
    """Issue a key; its token is in this response only."""
    issued = keys.create(body.name, body.role)
    return IssuedKeyPublic(key=ApiKeyPublic.of(issued.key), token=issued.token)


@router.delete(
    "/{key_id}",
    summary="Revoke an API key",
    responses=problem_responses(*AUTH_ERRORS, 404, 409, 422),
)
def revoke_key(key: AdminDep, keys: KeysDep, key_id: KeyIdPath) -> ApiKeyPublic:
    """Revoke a key; requests with it are refused from now on. A key cannot revoke itself
    (that would lock its holder out by accident): use another admin key or `kag keys revoke`."""
    if key_id == key.id:
        raise Conflict(
            f"key {key.name!r} cannot revoke itself; use another admin key or `kag keys revoke`"
        )
    return ApiKeyPublic.of(keys.revoke(key_id))
