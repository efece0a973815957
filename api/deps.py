"""Typed dependency aliases for the routes: the runtime, the store, the calling key by role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.runtime import Runtime
from api.security import require, runtime_of
from kag.settings import Settings
from kag.state import ApiKey, KeyStore, Role
from kag.store import GraphStore


def get_store(runtime: Annotated[Runtime, Depends(runtime_of)]) -> GraphStore:
    """The open store, or a 503 problem when it is down."""
    return runtime.store.get()


def get_settings_of(runtime: Annotated[Runtime, Depends(runtime_of)]) -> Settings:
    """The app's settings."""
    return runtime.settings


def get_keys(runtime: Annotated[Runtime, Depends(runtime_of)]) -> KeyStore:
    """The API key store."""
    return runtime.keys


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings_of)]
KeysDep = Annotated[KeyStore, Depends(get_keys)]

#: The calling key, admitted when its role includes analyst / expert / admin.
AnalystDep = Annotated[ApiKey, Depends(require(Role.ANALYST))]
ExpertDep = Annotated[ApiKey, Depends(require(Role.EXPERT))]
AdminDep = Annotated[ApiKey, Depends(require(Role.ADMIN))]
