"""The LLM port: a langchain-core ``BaseChatModel`` built from settings, plus usage accounting.

Provider SDKs are imported only inside :func:`make_chat_model`, and only when configured.
"""

from kag.llm.factory import make_chat_model, model_name
from kag.llm.usage import LlmBudget, Usage, usage_of

__all__ = ["LlmBudget", "Usage", "make_chat_model", "model_name", "usage_of"]
