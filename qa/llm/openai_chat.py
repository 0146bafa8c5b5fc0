"""`ServerChatOpenAI`: LangChain's `ChatOpenAI` for an OpenAI-compatible server the user names,
with failures that say which setting to fix."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI

from qa.errors import ModelUnavailableError
from qa.llm.special_tokens import neutralize_messages

__all__ = ["ServerChatOpenAI"]


class ServerChatOpenAI(ChatOpenAI):
    """`ChatOpenAI` whose server failures say which setting to fix (`ModelUnavailableError`),
    and whose messages never carry a chat-template control token (`neutralize`): the server
    applies its template to the text and may read `<|im_start|>` in it as one."""

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        try:
            return super()._generate(neutralize_messages(messages), *args, **kwargs)
        except openai.APIError as exc:
            self._raise_unavailable(exc)
            raise

    def _stream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        try:
            yield from super()._stream(neutralize_messages(messages), *args, **kwargs)
        except openai.APIError as exc:
            self._raise_unavailable(exc)
            raise

    async def _agenerate(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        try:
            return await super()._agenerate(neutralize_messages(messages), *args, **kwargs)
        except openai.APIError as exc:
            self._raise_unavailable(exc)
            raise

    async def _astream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        try:
            async for chunk in super()._astream(neutralize_messages(messages), *args, **kwargs):
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
