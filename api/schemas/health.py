"""Health and readiness bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class HealthPublic(BaseModel):
    """The process is up (says nothing about the store)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Literal["ok"] = "ok"


class ReadyPublic(BaseModel):
    """The store answers and its schema version is the code's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Literal["ready"] = "ready"
    backend: str
    schema_version: int
