"""A scripted chat model: the one test double of the project, at the langchain-core boundary.

No LLM is reachable from the development and CI machines, so tests drive the LLM code paths with
this model. It replays a script of responses, in order: plain text, or a tool call (which is how
``with_structured_output`` receives structured data). It is a *stand-in*: nothing it produces is
ever a quality figure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from itertools import count
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, Field

Reply = str | dict[str, Any] | Callable[[Sequence[BaseMessage]], "str | dict[str, Any]"]


def tool_call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """A scripted structured reply: a tool call named after the schema class."""
    return {"tool": name, "args": args}


class ScriptedChatModel(BaseChatModel):
    """Replays scripted replies; records every prompt it was sent.

    A reply is a string (plain text), ``tool_call(SchemaName, args)`` (structured output), or a
    callable computing either from the messages. When the script runs out, the model raises,
    so a test never silently gets an answer nobody scripted.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    replies: list[Any] = Field(default_factory=list)
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    tokens_per_word: float = 1.3
    _ids: Any = None

    @property
    def _llm_type(self) -> str:
        return "scripted-test-double"

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Tools are not really bound: the script decides which tool call comes back."""
        del tools, tool_choice, kwargs
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.prompts.append(list(messages))
        if not self.replies:
            raise RuntimeError("ScriptedChatModel: the script has no reply left for this call")
        reply = self.replies.pop(0)
        if callable(reply):
            reply = reply(messages)
        prompt_words = sum(len(str(m.content).split()) for m in messages)
        if isinstance(reply, dict):
            if self._ids is None:
                self._ids = count(1)
            content = ""
            call_id = f"call_{next(self._ids)}"
            calls = [{"name": reply["tool"], "args": reply["args"], "id": call_id}]
            out_words = len(json.dumps(reply["args"]).split())
        else:
            content, calls, out_words = str(reply), [], len(str(reply).split())
        usage = {
            "input_tokens": int(prompt_words * self.tokens_per_word),
            "output_tokens": int(out_words * self.tokens_per_word),
            "total_tokens": int((prompt_words + out_words) * self.tokens_per_word),
        }
        message = AIMessage(content=content, tool_calls=calls, usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=message)])
