"""The OpenAI-compatible chat: `POST /v1/chat/completions` and `GET /v1/models`.

The whole question-answering system is served as one model, `newsqa`. The last user message is
the question and earlier turns are the history; the reply is the checked answer followed by
numbered source footnotes, with the structured citations in an extra `citations` field.
Authentication, the pipeline and the error shape are shared with `qa.api`, which includes
`openai_router` in the app.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from qa.api_deps import (
    AUTH_ERRORS,
    SSE_CONTENT,
    ErrorResponse,
    PipelineDep,
    QAPipeline,
    check_question,
    error_body,
    iterate_in_thread,
    require_api_key,
)
from qa.errors import NotFoundError
from qa.models import Answer, ChatTurn, Citation

SYSTEM_MODEL_ID = "newsqa"
"""The model id the OpenAI-compatible endpoint serves: the whole question-answering system."""

openai_router = APIRouter(
    prefix="/v1", tags=["openai"], responses=AUTH_ERRORS, dependencies=[Depends(require_api_key)]
)


# ---------------------------------------------------------------- request and response models


class TextPart(BaseModel):
    """A text part of an OpenAI message whose content is a list."""

    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    """One OpenAI chat message; system (and developer) messages are accepted and ignored."""

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart]
    name: str | None = None

    @property
    def text(self) -> str:
        """The content as one string."""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content)


class ChatCompletionRequest(BaseModel):
    """An OpenAI chat completion request; other OpenAI parameters are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = SYSTEM_MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = False
    k: int | None = Field(default=None, ge=1, le=20, description="Passages to retrieve")

    @model_validator(mode="after")
    def _last_from_user(self) -> ChatCompletionRequest:
        if self.messages[-1].role != "user":
            raise ValueError("the last message must be the user's question (role 'user')")
        check_question(self.messages[-1].text)
        return self

    def question(self) -> str:
        """The last user message."""
        return self.messages[-1].text

    def history(self) -> list[ChatTurn]:
        """The earlier user and assistant messages, without our sources footers."""
        return [
            ChatTurn(role=m.role, content=strip_sources(m.text))
            for m in self.messages[:-1]
            if m.role in ("user", "assistant")
        ]


class ChatReply(BaseModel):
    """The assistant's message."""

    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    """The one choice of a completion."""

    index: int = 0
    message: ChatReply
    finish_reason: Literal["stop"] = "stop"


class PromptTokensDetails(BaseModel):
    """The part of the prompt the model reused from its cache."""

    cached_tokens: int = 0


class Usage(BaseModel):
    """Token counts as the generator reported them (0 for the extractive backend)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: PromptTokensDetails = Field(default_factory=PromptTokensDetails)


class ChatCompletionResponse(BaseModel):
    """An OpenAI chat completion, plus the structured `citations` and `refused` flag."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage
    citations: list[Citation]
    refused: bool


class ModelCard(BaseModel):
    """A model the OpenAI-compatible endpoint serves."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    """The served models."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


# ---------------------------------------------------------------- reply formatting

SOURCES_HEADER = "\n\nSources:\n"


def format_sources(citations: Sequence[Citation]) -> str:
    """The footnotes of a chat reply: `[n] source [start:end] "snippet"`, one a line."""
    lines = []
    for c in citations:
        snippet = " ".join(c.text.split())
        if len(snippet) > 100:
            snippet = snippet[:99].rstrip() + "…"
        lines.append(f'[{c.n}] {c.source} [{c.start}:{c.end}] "{snippet}"')
    return SOURCES_HEADER + "\n".join(lines) if lines else ""


def strip_sources(text: str) -> str:
    """An earlier reply without the footnotes `format_sources` added."""
    return text.split(SOURCES_HEADER, 1)[0]


_LAYOUT = re.compile(r"[\s.,;:!?]")


def stream_tail(streamed: str, answer: Answer) -> str:
    """What to append to the streamed deltas so that a client that cannot replace text ends
    with the checked answer.

    Checking may move citation markers (nothing to add then), append a note (add it), or
    change the text: drop a sentence, renumber a source, refuse (add the checked answer).
    """
    if answer.answer.startswith(streamed):
        return answer.answer[len(streamed) :]
    if _LAYOUT.sub("", answer.answer) == _LAYOUT.sub("", streamed):
        return ""
    if answer.refused:
        return "\n\n" + answer.answer
    return "\n\nWith checked citations: " + answer.answer


# ---------------------------------------------------------------- routes


@openai_router.get("/models")
def list_models() -> ModelList:
    """The one served model: the question-answering system itself."""
    return ModelList(data=[ModelCard(id=SYSTEM_MODEL_ID, created=0, owned_by="newsqa")])


@openai_router.post(
    "/chat/completions",
    response_model=ChatCompletionResponse,
    responses={
        200: {"content": SSE_CONTENT, "description": "JSON, or OpenAI chunk events when `stream`"},
        404: {"model": ErrorResponse, "description": "Unknown model"},
    },
)
async def chat_completions(
    body: ChatCompletionRequest, pipeline: PipelineDep
) -> ChatCompletionResponse | StreamingResponse:
    """OpenAI-compatible chat: the last user message is the question, earlier turns the history.

    The reply is the answer followed by numbered source footnotes; the structured citations
    are in the extra top-level field `citations`.
    """
    if body.model != SYSTEM_MODEL_ID:
        raise NotFoundError(f"unknown model {body.model!r}: this server serves {SYSTEM_MODEL_ID!r}")
    question, history = body.question(), body.history()
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        chunks = _completion_chunks(pipeline, question, history, body.k, completion_id, created)
        return StreamingResponse(chunks, media_type="text/event-stream")

    answer = await run_in_threadpool(pipeline.ask, question, history, body.k)
    return ChatCompletionResponse(
        id=completion_id,
        created=created,
        model=SYSTEM_MODEL_ID,
        choices=[
            ChatChoice(message=ChatReply(content=answer.answer + format_sources(answer.citations)))
        ],
        usage=_usage(answer),
        citations=answer.citations,
        refused=answer.refused,
    )


def _usage(answer: Answer) -> Usage:
    return Usage(
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
        total_tokens=answer.prompt_tokens + answer.completion_tokens,
        prompt_tokens_details=PromptTokensDetails(cached_tokens=answer.cached_prompt_tokens),
    )


async def _completion_chunks(
    pipeline: QAPipeline,
    question: str,
    history: list[ChatTurn],
    k: int | None,
    completion_id: str,
    created: int,
) -> AsyncIterator[str]:
    """OpenAI `chat.completion.chunk` events: role first, deltas, then a final chunk."""

    def chunk(delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
        body = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": SYSTEM_MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    streamed = ""
    try:
        async for item in iterate_in_thread(lambda: pipeline.stream(question, history, k=k)):
            if isinstance(item, Answer):
                tail = stream_tail(streamed, item) + format_sources(item.citations)
                if tail:
                    yield chunk({"content": tail})
                yield chunk(
                    {},
                    "stop",
                    usage=_usage(item).model_dump(),
                    citations=[c.model_dump() for c in item.citations],
                    refused=item.refused,
                )
            elif item:
                streamed += item
                yield chunk({"content": item})
    except Exception as exc:
        yield f"data: {json.dumps(error_body(exc))}\n\n"
    yield "data: [DONE]\n\n"
