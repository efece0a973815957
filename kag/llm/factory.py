"""Build the configured chat model (``KAG_LLM``): none, openai:<model> or anthropic:<model>.

``openai:`` covers any OpenAI-compatible server (Ollama, vLLM, LM Studio, ...) through
``KAG_LLM_OPTIONS__BASE_URL``. Retries on transient errors are the provider client's own
(``max_retries``); nothing else is retried.
"""

from __future__ import annotations

import importlib
from typing import Any

from langchain_core.language_models import BaseChatModel

from kag.errors import ConfigurationError
from kag.settings import Settings

_PROVIDERS: dict[str, tuple[str, str, str]] = {
    # provider: (module, class, pip extra)
    "openai": ("langchain_openai", "ChatOpenAI", "openai"),
    "anthropic": ("langchain_anthropic", "ChatAnthropic", "anthropic"),
}


def model_name(settings: Settings) -> str | None:
    """The configured model as ``provider:model``, or ``None`` when no LLM is configured."""
    return None if settings.llm == "none" else settings.llm


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model named by ``KAG_LLM``, or ``None`` for ``none``.

    Raises:
        ConfigurationError: unknown provider, or its integration package is not installed.
    """
    if settings.llm == "none":
        return None
    provider, _, model = settings.llm.partition(":")
    if provider not in _PROVIDERS:
        raise ConfigurationError(
            f"KAG_LLM={settings.llm!r}: unknown provider {provider!r}; use openai:<model> or "
            "anthropic:<model>, or none"
        )
    module_name, class_name, extra = _PROVIDERS[provider]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(
            f"KAG_LLM={settings.llm!r} needs the {module_name} package: "
            f"pip install 'kag-advisory[{extra}]'"
        ) from exc
    options = settings.llm_options
    kwargs: dict[str, Any] = {
        "model": model,
        "temperature": options.temperature,
        "timeout": options.timeout_s,
        "max_retries": options.max_retries,
    }
    if options.api_key is not None:
        kwargs["api_key"] = options.api_key.get_secret_value()
    if options.base_url:
        kwargs["base_url"] = options.base_url
    chat: BaseChatModel = getattr(module, class_name)(**kwargs)
    return chat
