"""The generator backends as LangChain chat models, chosen by `settings.backend`.

`local` runs a .gguf in this process (`ChatLlamaCpp`); `openai` talks to an
OpenAI-compatible server that the user names (a llama.cpp server, vLLM, Ollama...): there is
no default URL, since the public API is out of reach offline. `extractive` has no chat model.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from qa.errors import ModelUnavailableError
from qa.model_files import ensure_model
from qa.settings import Settings

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
            from qa.llamacpp import ChatLlamaCpp
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


class ServerChatOpenAI(ChatOpenAI):
    """`ChatOpenAI` whose server failures say which setting to fix (`ModelUnavailableError`)."""

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        try:
            return super()._generate(*args, **kwargs)
        except openai.APIError as exc:
            self._raise_unavailable(exc)
            raise

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        try:
            yield from super()._stream(*args, **kwargs)
        except openai.APIError as exc:
            self._raise_unavailable(exc)
            raise

    async def _agenerate(self, *args: Any, **kwargs: Any) -> ChatResult:
        try:
            return await super()._agenerate(*args, **kwargs)
        except openai.APIError as exc:
            self._raise_unavailable(exc)
            raise

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        try:
            async for chunk in super()._astream(*args, **kwargs):
                yield chunk
        except openai.APIError as exc:
            self._raise_unavailable(exc)
            raise

    def _raise_unavailable(self, exc: openai.APIError) -> None:
        """Raise the server errors that a setting can fix as `ModelUnavailableError`."""
        where = f"the OpenAI-compatible server at {self.openai_api_base}"
        if isinstance(exc, openai.APIConnectionError):  # includes timeouts
            raise ModelUnavailableError(
                f"cannot reach {where} ({exc}): start it or fix QA_OPENAI_BASE_URL"
            ) from exc
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            raise ModelUnavailableError(
                f"{where} refused the key ({exc}): set QA_OPENAI_API_KEY"
            ) from exc
        if isinstance(exc, openai.NotFoundError):
            raise ModelUnavailableError(
                f"{where} has no model {self.model_name!r} or no chat endpoint ({exc}):"
                " check QA_OPENAI_MODEL, and that QA_OPENAI_BASE_URL ends in /v1"
            ) from exc
