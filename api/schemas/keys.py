"""API key management bodies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kag.state import ApiKey, Role


class KeyCreateRequest(BaseModel):
    """Create a key with a name and a role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._@-]*$")
    role: Role


class ApiKeyPublic(BaseModel):
    """A key without its secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    role: Role
    created_at: str
    revoked_at: str | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyPublic:
        """The public view of a stored key."""
        return cls(
            id=key.id,
            name=key.name,
            role=key.role,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class IssuedKeyPublic(BaseModel):
    """A new key and its token, shown this once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: ApiKeyPublic
    token: str = Field(description="send as 'Authorization: Bearer <token>'; not shown again")


class KeyListQuery(BaseModel):
    """Options of ``GET /v1/keys``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    include_revoked: bool = Field(default=False, description="also revoked keys")
