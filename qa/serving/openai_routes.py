"""The OpenAI-compatible chat: `POST /v1/chat/completions` and `GET /v1/models`.

The whole question-answering system is served as one model, `newsqa`. The last user message is
the question and earlier turns are the history; the reply is the checked answer followed by
numbered source footnotes, with the structured citations in an extra `citations` field.
Authentication, the pipeline and the error shape are shared with `qa.serving.routes`;
`qa.serving.app` includes `openai_router` in the app.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from qa.errors import NotFoundError
from qa.serving.deps import PipelineDep, QAPipeline, require_api_key
from qa.serving.errors import AUTH_ERRORS, ErrorResponse, error_body
from qa.serving.openai_schema import (
    SYSTEM_MODEL_ID,
    ChatChoice,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ChatReply,
    ModelCard,
    ModelList,
    PromptTokensDetails,
    Usage,
    format_sources,
)
from qa.serving.streaming import SSE_CONTENT, iterate_in_thread
from qa.types import Answer, ChatTurn, Queued, Verified

__all__ = ["chat_completions", "list_models", "openai_router"]

openai_router = APIRouter(
    prefix="/v1", tags=["openai"], responses=AUTH_ERRORS, dependencies=[Depends(require_api_key)]
)


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
        chunks = _completion_chunks(
            pipeline, question, history, body.k, completion_id, created, body.sources
        )
        return StreamingResponse(chunks, media_type="text/event-stream")

    answer = await run_in_threadpool(pipeline.ask, question, history, body.k, body.sources)
    footnotes = format_sources(answer.citations, answer.conflict)
    return ChatCompletionResponse(
        id=completion_id,
        created=created,
        model=SYSTEM_MODEL_ID,
        choices=[ChatChoice(message=ChatReply(content=answer.answer + footnotes))],
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
    scope: list[str] | None = None,
) -> AsyncIterator[str]:
    """OpenAI `chat.completion.chunk` events: role first, checked text only (drafts are not
    sent, so nothing shown is ever taken back), the source footnotes, then a final chunk.
    While the question waits for the model, SSE comments say its queue position."""

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
    try:
        async for item in iterate_in_thread(
            lambda: pipeline.stream(question, history, k=k, sources=scope)
        ):
            if isinstance(item, Queued):
                yield f": queued, position {item.position}\n\n"
            elif isinstance(item, Verified) and item.text:
                yield chunk({"content": item.text})
            elif isinstance(item, Answer):
                sources = format_sources(item.citations, item.conflict)
                if sources:
                    yield chunk({"content": sources})
                yield chunk(
                    {},
                    "stop",
                    usage=_usage(item).model_dump(),
                    citations=[c.model_dump() for c in item.citations],
                    refused=item.refused,
                )
    except Exception as exc:
        yield f"data: {json.dumps(error_body(exc))}\n\n"
    yield "data: [DONE]\n\n"
