"""The OpenAI-compatible chat: `POST /v1/chat/completions` and `GET /v1/models`.

The whole question-answering system is served as one model, `newsqa`. The last user message is
the question and earlier turns are the history; the reply is the checked answer followed by
numbered source footnotes, with the structured citations in an extra `citations` field.
Authentication, the pipeline and the error shape are shared with `qa.serving.routes`;
`qa.serving.app` includes `openai_router` in the app.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from qa.errors import NotFoundError, UnsupportedError
from qa.serving.deps import AdmissionDep, PipelineDep, require_api_key
from qa.serving.errors import AUTH_ERRORS, BODY_ERRORS, ErrorResponse, error_body
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
    shape_text,
)
from qa.serving.streaming import SSE_CONTENT, collect_answer, iterate_in_thread
from qa.types import Answer, Citation, Queued, StreamEvent, Verified

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
        **BODY_ERRORS,
        200: {"content": SSE_CONTENT, "description": "JSON, or OpenAI chunk events when `stream`"},
        400: {"model": ErrorResponse, "description": "A parameter this server does not serve"},
        404: {"model": ErrorResponse, "description": "Unknown model, or a `sources` name"},
    },
)
async def chat_completions(
    body: ChatCompletionRequest, pipeline: PipelineDep, admission: AdmissionDep, request: Request
) -> ChatCompletionResponse | StreamingResponse | Response:
    """OpenAI-compatible chat: the last user message is the question, earlier turns the history.

    The reply is the answer followed by numbered source footnotes; the structured citations
    are in the extra top-level field `citations`. See `ChatCompletionRequest` for the
    parameters honoured and ignored. A full admission queue is a 503 with `Retry-After`.
    """
    if body.model != SYSTEM_MODEL_ID:
        raise NotFoundError(
            f"unknown model {body.model[:100]!r}: this server serves {SYSTEM_MODEL_ID!r}"
        )
    if body.n is not None and body.n > 1:
        raise UnsupportedError("only one choice is served: send n=1 or leave n out", param="n")
    question, history, k = body.question(), body.history(), body.k
    ticket = admission.reserve()

    def events() -> Iterator[StreamEvent]:
        return ticket.run(lambda: pipeline.stream(question, history, k=k, sources=body.sources))

    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        chunks = _completion_chunks(events, body, completion_id, created)
        return StreamingResponse(chunks, media_type="text/event-stream")

    answer = await collect_answer(events, request.is_disconnected)
    if answer is None:  # the client is gone: nobody reads this
        return Response(status_code=499)
    assert isinstance(answer, Answer)
    text, finish = shape_text(answer.answer, body.token_cap, body.stops)
    return ChatCompletionResponse(
        id=completion_id,
        created=created,
        model=SYSTEM_MODEL_ID,
        choices=[
            ChatChoice(
                message=ChatReply(
                    content=text + format_sources(_cited(answer, text, body), answer.conflict)
                ),
                finish_reason=finish,
            )
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


_MARKERS = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def _cited(answer: Answer, shown: str, body: ChatCompletionRequest) -> list[Citation]:
    """The footnotes of the shown text: all citations, or those it still cites when a cap or
    stop sequence cut the answer."""
    if shown == answer.answer or not (body.token_cap or body.stops):
        return answer.citations
    numbers = {int(n) for group in _MARKERS.findall(shown) for n in re.split(r"[,;]", group)}
    return [c for c in answer.citations if c.n in numbers]


class _Shown:
    """The text a stream shows under the request's cap and stop sequences: checked text is
    held back to the last sentence end while a cap or stop applies, so nothing sent is ever
    taken back."""

    def __init__(self, body: ChatCompletionRequest) -> None:
        self.body, self.text, self.sent = body, "", ""
        self.limited = bool(body.token_cap or body.stops)

    def add(self, text: str) -> str:
        """The new text to send after `text` was checked."""
        self.text += text
        if not self.limited:
            return self._send(self.text)
        # Sentence ends (with their markers), not the space after: the cut text is stripped.
        ends = [m.end() - 1 for m in re.finditer(r"[.!?](?:\s*\[[\d,;\s]+\])*\s", self.text)]
        return (
            self._send(shape_text(self.text[: ends[-1]], self.body.token_cap, self.body.stops)[0])
            if ends
            else ""
        )

    def finish(self, answer: Answer) -> tuple[str, str]:
        """The text still to send and the finish reason, given the final answer."""
        shown, finish = shape_text(answer.answer, self.body.token_cap, self.body.stops)
        return self._send(shown), finish

    def _send(self, shown: str) -> str:
        if not shown.startswith(self.sent):
            return ""
        delta, self.sent = shown[len(self.sent) :], shown
        return delta


async def _completion_chunks(
    events: Callable[[], Iterator[StreamEvent]],
    body: ChatCompletionRequest,
    completion_id: str,
    created: int,
) -> AsyncIterator[str]:
    """OpenAI `chat.completion.chunk` events: role first, checked text only (drafts are not
    sent, so nothing shown is ever taken back), the source footnotes, then a final chunk with
    the finish reason; with `stream_options.include_usage`, a last chunk with `"choices": []`
    and the usage. While the question waits for the model, SSE comments say its position."""

    def chunk(delta: dict[str, str] | None, finish: str | None = None, **extra: Any) -> str:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        data = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": SYSTEM_MODEL_ID,
            "choices": choices,
            **extra,
        }
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    usage = {"usage": None} if body.include_usage else {}
    shown = _Shown(body)
    yield chunk({"role": "assistant", "content": ""}, **usage)
    try:
        async for item in iterate_in_thread(events):
            if isinstance(item, Queued):
                yield f": queued, position {item.position}\n\n"
            elif isinstance(item, Verified) and item.text:
                delta = shown.add(item.text)
                if delta:
                    yield chunk({"content": delta}, **usage)
            elif isinstance(item, Answer):
                rest, finish = shown.finish(item)
                sources = format_sources(_cited(item, shown.sent, body), item.conflict)
                if rest + sources:
                    yield chunk({"content": rest + sources}, **usage)
                yield chunk(
                    {},
                    finish,
                    **usage,
                    citations=[c.model_dump() for c in item.citations],
                    refused=item.refused,
                )
                if body.include_usage:
                    yield chunk(None, usage=_usage(item).model_dump())
    except Exception as exc:
        yield f"data: {json.dumps(error_body(exc))}\n\n"
    yield "data: [DONE]\n\n"
