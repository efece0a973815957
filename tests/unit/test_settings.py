"""Settings: environment variables, validation and readable errors."""

from __future__ import annotations

import pytest

from kag.errors import ConfigurationError
from kag.settings import Settings, get_settings


def test_defaults_are_the_embedded_store_without_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAG_STORE", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.store == "embedded:.kag/graph.db"
    assert settings.llm == "none"


def test_nested_groups_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAG_STORE", "neo4j://db.example:7687")
    monkeypatch.setenv("KAG_NEO4J__PASSWORD", "s3cret")
    monkeypatch.setenv("KAG_ENGINE__MAX_HOPS", "3")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.store == "neo4j://db.example:7687"
    assert settings.neo4j.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert settings.engine.max_hops == 3


@pytest.mark.parametrize(
    ("var", "value", "fragment"),
    [
        ("KAG_STORE", "postgres://x", "is not a store address"),
        ("KAG_LLM", "gpt4", "is not understood"),
        ("KAG_ENGINE__MAX_HOPS", "99", "KAG_ENGINE__MAX_HOPS: Input should be less than"),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv(var, value)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match=fragment):
            get_settings()
    finally:
        get_settings.cache_clear()
