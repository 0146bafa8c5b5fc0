"""The generator backends as LangChain chat models, chosen by `settings.backend`.

`local` runs a .gguf in this process (`ChatLlamaCpp`); `openai` talks to an
OpenAI-compatible server that the user names (a llama.cpp server, vLLM, Ollama...): there is
no default URL, since the public API is out of reach offline. `extractive` has no chat model.
"""

from __future__ import annotations

from pathlib import Path

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from qa.errors import ModelUnavailableError
from qa.llm.model_files import ensure_model
from qa.settings import Settings

__all__ = ["OPENAI_MAX_RETRIES", "OPENAI_TIMEOUT_S", "make_chat_model", "model_name"]

# A local server answers in seconds or not at all; the OpenAI client would wait 10 minutes
# and retry twice with backoff.
OPENAI_TIMEOUT_S = 120.0
OPENAI_MAX_RETRIES = 1
# OpenAI-compatible local servers ignore the key, but the client insists on one.
_NO_KEY = SecretStr("not-needed")


def make_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model of the configured backend, created (and for `local`, loaded) once.

    Args:
        settings: `backend` picks the model; the generation settings configure it.

    Raises:
        ModelUnavailableError: the local model or llama-cpp-python is not installed, or
            the openai backend has no server URL.
        ValueError: the backend is `extractive`, which answers without a chat model.
    """
    if settings.backend == "local":
        try:
            from qa.llm.llamacpp import ChatLlamaCpp
        except ImportError as exc:
            raise ModelUnavailableError(
                f"the local backend needs llama-cpp-python ({exc}): run `make install` or"
                " `pip install llama-cpp-python==0.3.36`"
            ) from exc
        return ChatLlamaCpp(
            model_path=ensure_model(settings),
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
        )
    if settings.backend == "openai":
        if not settings.openai_base_url:
            raise ModelUnavailableError(
                "the openai backend needs a server: set QA_OPENAI_BASE_URL to an"
                " OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1"
            )
        from qa.llm.openai_chat import ServerChatOpenAI

        return ServerChatOpenAI(
            base_url=settings.openai_base_url,
            model=settings.openai_model,
            api_key=settings.openai_api_key or _NO_KEY,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            stream_usage=True,
            timeout=OPENAI_TIMEOUT_S,
            max_retries=OPENAI_MAX_RETRIES,
        )
    raise ValueError(f"the {settings.backend!r} backend has no chat model")


def model_name(chat_model: BaseChatModel) -> str:
    """A short human name for a chat model: the .gguf file name, or the served model's name."""
    for attr in ("model_path", "model_name", "model"):
        value = getattr(chat_model, attr, None)
        if isinstance(value, str | Path) and str(value):
            return Path(value).name if isinstance(value, Path) else value
    return type(chat_model).__name__
