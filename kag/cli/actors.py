"""Who decides, for the commands that record decisions (``kag review``, ``kag feedback``)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from kag.curation.models import Actor, Role
from kag.errors import InvalidInput

ActorOption = Annotated[
    str | None,
    typer.Option("--actor", help="Who decides (name or e-mail; default: KAG_ACTOR)."),
]
RoleOption = Annotated[str, typer.Option("--role", help="expert, analyst or admin.")]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit).")]
_ROLES: dict[str, Role] = {"expert": "expert", "analyst": "analyst", "admin": "admin"}


def actor_from(name: str | None, role: str) -> Actor:
    """The decider named by ``--actor`` (or ``KAG_ACTOR``) with ``--role``.

    Raises:
        InvalidInput: no name given, or an unknown role.
    """
    name = name or os.environ.get("KAG_ACTOR")
    if not name:
        raise InvalidInput("say who decides: --actor you@example.com (or set KAG_ACTOR)")
    if role not in _ROLES:
        raise InvalidInput(f"unknown role {role!r}; use expert, analyst or admin")
    return Actor(name=name, role=_ROLES[role])
