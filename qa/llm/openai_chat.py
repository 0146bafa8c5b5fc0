"""`ServerChatOpenAI`: LangChain's `ChatOpenAI` for an OpenAI-compatible server the user names,
with failures that say which setting to fix."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI

from qa.errors import ModelUnavailableError

__all__ = ["ServerChatOpenAI"]


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
