"""API keys: issued once, stored only as a salted SHA-256 hash, each with one role.

A key reads ``kag_<id>_<secret>``: the id (public, 12 hex digits) finds the stored row, the
secret (32 random bytes) is checked against ``sha256(salt || secret)`` in constant time. A fast
hash is enough here because the secret is random with 256 bits of entropy: there is no
dictionary to attack, unlike a password, so a slow KDF would only slow every request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from graph_schema.properties import utc_now
from kag.errors import Conflict, InvalidInput, NotFound
from kag.state.db import StateDB

_TOKEN: Final = re.compile(r"^kag_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,79}$")


class Role(StrEnum):
    """What a key may do. Each role includes the ones before it."""

    ANALYST = "analyst"  # ask, feedback, read the graph and documents
    EXPERT = "expert"  # + curation
    ADMIN = "admin"  # + ingestion, deletion, key management

    @property
    def rank(self) -> int:
        """Position in the order analyst < expert < admin."""
        return list(Role).index(self)

    def allows(self, required: Role) -> bool:
        """Whether this role may do what ``required`` may."""
        return self.rank >= required.rank


class ApiKey(BaseModel):
    """A stored key as shown to people: never its secret or hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="public key id, the part after 'kag_'")
    name: str
    role: Role
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        """Whether the key still authenticates."""
        return self.revoked_at is None


class IssuedKey(BaseModel):
    """A newly created key with its token; the token is shown once and never stored."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: ApiKey
    token: str


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("ascii")).hexdigest()


class KeyStore:
    """Create, list, revoke and check API keys in the state file."""

    def __init__(self, db: StateDB) -> None:
        self._db = db

    def create(self, name: str, role: Role) -> IssuedKey:
        """Issue a key.

        Raises:
            InvalidInput: the name is empty, too long or has unusual characters.
            Conflict: an active key already has this name.
        """
        if not _NAME.match(name):
            raise InvalidInput(
                f"key name {name!r} is not allowed: use 1-80 letters, digits, spaces or ._@- "
                "starting with a letter or digit"
            )
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_hex(16)
        key = ApiKey(id=key_id, name=name, role=role, created_at=utc_now())
        with self._db.transaction() as conn:
            clash = conn.execute(
                "SELECT id FROM api_keys WHERE name = ? AND revoked_at IS NULL", (name,)
            ).fetchone()
            if clash is not None:
                raise Conflict(
                    f"an active key is already named {name!r} (id {clash['id']}); "
                    "choose another name or revoke that key first"
                )
            conn.execute(
                "INSERT INTO api_keys (id, name, role, salt, hash, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key_id, name, role.value, salt, _digest(salt, secret), key.created_at),
            )
        return IssuedKey(key=key, token=f"kag_{key_id}_{secret}")

    def list(self, *, include_revoked: bool = False) -> list[ApiKey]:
        """Keys ordered by creation time."""
        where = "" if include_revoked else " WHERE revoked_at IS NULL"
        rows = self._db.query(
            "SELECT id, name, role, created_at, revoked_at FROM api_keys"
            + where
            + " ORDER BY created_at, id"
        )
        return [ApiKey(**dict(row)) for row in rows]

    def get(self, key_id: str) -> ApiKey:
        """One key by id, revoked or not.

        Raises:
            NotFound: no key has this id.
        """
        rows = self._db.query(
            "SELECT id, name, role, created_at, revoked_at FROM api_keys WHERE id = ?", (key_id,)
        )
        if not rows:
            raise NotFound(f"no API key has id {key_id!r}; `kag keys list` shows the keys")
        return ApiKey(**dict(rows[0]))

    def revoke(self, id_or_name: str) -> ApiKey:
        """Revoke the active key with this id or name (a revoked key stays listed).

        Raises:
            NotFound: no active key has this id or name.
        """
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT id FROM api_keys WHERE (id = ? OR name = ?) AND revoked_at IS NULL",
                (id_or_name, id_or_name),
            ).fetchone()
            if row is None:
                raise NotFound(
                    f"no active API key has id or name {id_or_name!r}; "
                    "`kag keys list` shows the active keys"
                )
            conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (utc_now(), row["id"]))
        return self.get(str(row["id"]))

    def authenticate(self, token: str) -> ApiKey | None:
        """The active key this token belongs to, or ``None`` (malformed, unknown, revoked)."""
        match = _TOKEN.match(token)
        if match is None:
            return None
        key_id, secret = match.groups()
        rows = self._db.query(
            "SELECT id, name, role, salt, hash, created_at, revoked_at FROM api_keys WHERE id = ?",
            (key_id,),
        )
        if not rows:
            return None
        row = rows[0]
        if not hmac.compare_digest(_digest(row["salt"], secret), row["hash"]):
            return None
        if row["revoked_at"] is not None:
            return None
        return ApiKey(
            id=row["id"], name=row["name"], role=Role(row["role"]), created_at=row["created_at"]
        )
