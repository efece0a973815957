"""Additions to the generated OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema


def add_component_models(app: FastAPI, *models: type[BaseModel]) -> None:
    """Publish ``models`` under ``components/schemas`` (for request bodies a route parses
    itself and references by ``$ref``)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        _, defs = models_json_schema(
            [(model, "validation") for model in models],
            ref_template="#/components/schemas/{model}",
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(defs.get("$defs", {}))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
