"""Generators: the chat-model backends (`local` llama.cpp, `openai`-compatible servers), the
model files that ship inside PyPI packages, and token usage.

The optional backends are imported only when used: `ChatLlamaCpp` (llama-cpp-python) and
`ServerChatOpenAI` (openai) are re-exported lazily.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from qa.llm.factory import OPENAI_MAX_RETRIES, OPENAI_TIMEOUT_S, make_chat_model, model_name
from qa.llm.model_files import (
    QWEN_CODER_1_5B,
    SplitModel,
    assemble,
    ensure_model,
    ensure_split_model,
    smollm2_path,
    verify_existing,
)
from qa.llm.special_tokens import neutralize, neutralize_messages
from qa.llm.usage import TokenUsage

if _typing.TYPE_CHECKING:
    from qa.llm.llamacpp import ChatLlamaCpp, to_llama_messages
    from qa.llm.openai_chat import ServerChatOpenAI

__all__ = [
    "OPENAI_MAX_RETRIES",
    "OPENAI_TIMEOUT_S",
    "QWEN_CODER_1_5B",
    "ChatLlamaCpp",
    "ServerChatOpenAI",
    "SplitModel",
    "TokenUsage",
    "assemble",
    "ensure_model",
    "ensure_split_model",
    "make_chat_model",
    "model_name",
    "neutralize",
    "neutralize_messages",
    "smollm2_path",
    "to_llama_messages",
    "verify_existing",
]

_LAZY = {
    "ChatLlamaCpp": "qa.llm.llamacpp",
    "to_llama_messages": "qa.llm.llamacpp",
    "ServerChatOpenAI": "qa.llm.openai_chat",
}


def __getattr__(name: str) -> _typing.Any:
    """Import an optional backend on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(_importlib.import_module(module), name)
