"""The HTTP API: ask (plain and streamed), sources, feedback and an OpenAI-compatible chat.

Routes only validate input and call the pipeline; blocking calls run in worker threads so the
event loop stays free. Every `QAError` becomes `{"error": {"message", "type"}}` with the
error's status code, in one handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import threading
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from qa.chain import MAX_QUESTION_CHARS, validate_question
from qa.errors import BadInputError, NotFoundError, QAError
from qa.feedback import Feedback, FeedbackRecord, FeedbackStore
from qa.models import Answer, ChatTurn, Citation
from qa.settings import Settings

logger = logging.getLogger(__name__)

SYSTEM_MODEL_ID = "newsqa"
"""The model id the OpenAI-compatible endpoint serves: the whole question-answering system."""


class SourceLike(Protocol):
    """An indexed article as the pipeline lists it (`qa.pipeline.SourceInfo`)."""

    @property
    def name(self) -> str: ...
    @property
    def passages(self) -> int: ...
    @property
    def chars(self) -> int: ...


class QAPipeline(Protocol):
    """What the API needs of `qa.pipeline.Pipeline` (tests pass lighter objects)."""

    settings: Settings
    chain: Any  # `qa.chain.AnswerChain`: its `backend` and `model` names are shown in /health

    def ask(
        self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None
    ) -> Answer: ...

    def stream(
        self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None
    ) -> Iterator[str | Answer]: ...

    def sources(self) -> Sequence[SourceLike]: ...

    def source_text(self, name: str) -> str: ...

    @property
    def passage_count(self) -> int: ...


class UnauthorizedError(QAError):
    """The API key is missing or wrong."""

    status_code = 401


# ---------------------------------------------------------------- request and response models


def check_question(value: str) -> str:
    """The chain's own rule (empty or over-long questions), as a pydantic validation error."""
    try:
        validate_question(value)
    except BadInputError as exc:
        raise ValueError(str(exc)) from None
    return value


class AskRequest(BaseModel):
    """A question, optionally with the conversation so far."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    history: list[ChatTurn] = Field(default_factory=list, max_length=50)
    k: int | None = Field(default=None, ge=1, le=20, description="Passages to retrieve")

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return check_question(value)


class HealthResponse(BaseModel):
    """The server is up and what it serves."""

    status: Literal["ok"] = "ok"
    passages: int
    sources: int
    backend: str
    model: str


class SourceSummary(BaseModel):
    """An indexed article."""

    name: str
    passages: int
    chars: int


class SourceDetail(SourceSummary):
    """An indexed article with its full text (citation offsets index into `text`)."""

    text: str


class ErrorBody(BaseModel):
    """What went wrong."""

    message: str
    type: str


class ErrorResponse(BaseModel):
    """Every error this API returns on purpose (validation errors use FastAPI's 422 shape)."""

    error: ErrorBody


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


class Usage(BaseModel):
    """Token counts as the generator reported them (0 for the extractive backend)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


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
        return answer.answer[len(streamed):]
    if _LAYOUT.sub("", answer.answer) == _LAYOUT.sub("", streamed):
        return ""
    if answer.refused:
        return "\n\n" + answer.answer
    return "\n\nWith checked citations: " + answer.answer


# ---------------------------------------------------------------- dependencies


async def get_pipeline(request: Request) -> QAPipeline:
    """The pipeline built once at start-up."""
    pipeline: QAPipeline = request.app.state.pipeline
    return pipeline


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_feedback_store(request: Request) -> FeedbackStore:
    """Where ratings are appended."""
    store: FeedbackStore = request.app.state.feedback
    return store


PipelineDep = Annotated[QAPipeline, Depends(get_pipeline)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback_store)]

_bearer = HTTPBearer(auto_error=False, description="Needed only when QA_API_KEY is set")


async def require_api_key(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """When an API key is configured, demand `Authorization: Bearer KEY`."""
    if settings.api_key is None:
        return
    expected = settings.api_key.get_secret_value().encode()
    given = credentials.credentials.encode() if credentials else b""
    if not secrets.compare_digest(given, expected):
        raise UnauthorizedError(
            "missing or wrong API key: send the header `Authorization: Bearer <QA_API_KEY>`"
        )


# ---------------------------------------------------------------- streaming from a worker thread

_DONE = object()


async def iterate_in_thread(make: Callable[[], Iterator[Any]]) -> AsyncGenerator[Any, None]:
    """Run a blocking iterator in its own thread, handing items over through a queue.

    The iterator lives and is closed in one thread (a generator holding a lock is safe), and
    it is told to stop when the consumer goes away (a client disconnecting).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[Any, BaseException | None]] = asyncio.Queue()
    stop = threading.Event()

    def put(item: Any, error: BaseException | None = None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening
            loop.call_soon_threadsafe(queue.put_nowait, (item, error))

    def work() -> None:
        try:
            iterator = make()
            try:
                for item in iterator:
                    if stop.is_set():
                        break
                    put(item)
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:
            put(_DONE, exc)
        else:
            put(_DONE)

    threading.Thread(target=work, name="qa-stream", daemon=True).start()
    try:
        while True:
            item, error = await queue.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()


def _error_body(exc: BaseException) -> dict[str, dict[str, str]]:
    if isinstance(exc, QAError):
        return {"error": {"message": str(exc), "type": type(exc).__name__}}
    logger.exception("answering failed", exc_info=exc)
    return {"error": {"message": "internal error while answering", "type": "InternalError"}}


# ---------------------------------------------------------------- routes

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "API key missing or wrong"},
}
_SSE = {"text/event-stream": {"schema": {"type": "string"}}}

health_router = APIRouter(tags=["health"])
api_router = APIRouter(prefix="/api", tags=["ask"], responses=_ERRORS,
                       dependencies=[Depends(require_api_key)])
openai_router = APIRouter(prefix="/v1", tags=["openai"], responses=_ERRORS,
                          dependencies=[Depends(require_api_key)])


@health_router.get("/health")
def health(pipeline: PipelineDep) -> HealthResponse:
    """Liveness and what is served: passage and source counts, backend and model."""
    return HealthResponse(
        passages=pipeline.passage_count,
        sources=len(pipeline.sources()),
        backend=pipeline.chain.backend,
        model=pipeline.chain.model,
    )


@api_router.post("/ask")
def ask(body: AskRequest, pipeline: PipelineDep) -> Answer:
    """Answer a question with verified, numbered citations (or refuse)."""
    return pipeline.ask(body.question, body.history, k=body.k)


@api_router.post(
    "/ask/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": _SSE, "description": (
        "Server-sent events: `token` (a text delta), then `answer` (the final answer object"
        " as JSON; its text, checked against the sources, replaces the deltas), or `error`"
        " (`{\"error\": {message, type}}`)."
    )}},
)
async def ask_stream(body: AskRequest, pipeline: PipelineDep) -> EventSourceResponse:
    """The answer as server-sent events, text deltas first and the answer object last."""

    async def events() -> AsyncIterator[dict[str, str]]:
        try:
            async for item in iterate_in_thread(
                lambda: pipeline.stream(body.question, body.history, k=body.k)
            ):
                if isinstance(item, Answer):
                    yield {"event": "answer", "data": item.model_dump_json()}
                else:
                    yield {"event": "token", "data": item}
        except Exception as exc:
            yield {"event": "error", "data": json.dumps(_error_body(exc))}

    return EventSourceResponse(events())


@api_router.get("/sources")
def list_sources(pipeline: PipelineDep) -> list[SourceSummary]:
    """The indexed articles."""
    return [SourceSummary(name=s.name, passages=s.passages, chars=s.chars)
            for s in pipeline.sources()]


@api_router.get("/sources/{name}", responses={404: {"model": ErrorResponse}})
def get_source(
    name: Annotated[str, Path(max_length=255)], pipeline: PipelineDep
) -> SourceDetail:
    """One indexed article's text; a name that is not indexed is a 404."""
    # The name is looked up among the indexed sources, never joined to a path.
    found = {s.name: s for s in pipeline.sources()}.get(name)
    if found is None:
        raise NotFoundError(f"no indexed source named {name!r}; see GET /api/sources")
    return SourceDetail(name=found.name, passages=found.passages, chars=found.chars,
                        text=pipeline.source_text(found.name))


@api_router.post("/feedback", status_code=201)
def feedback(body: Feedback, store: FeedbackDep) -> FeedbackRecord:
    """Store a thumbs up or down on an answer."""
    return store.record(body)


@openai_router.get("/models")
def list_models() -> ModelList:
    """The one served model: the question-answering system itself."""
    return ModelList(data=[ModelCard(
        id=SYSTEM_MODEL_ID, created=0, owned_by="newsqa"
    )])


@openai_router.post(
    "/chat/completions",
    response_model=ChatCompletionResponse,
    responses={
        200: {"content": _SSE, "description": "JSON, or OpenAI chunk events when `stream`"},
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
        choices=[ChatChoice(
            message=ChatReply(content=answer.answer + format_sources(answer.citations))
        )],
        usage=_usage(answer),
        citations=answer.citations,
        refused=answer.refused,
    )


def _usage(answer: Answer) -> Usage:
    return Usage(
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
        total_tokens=answer.prompt_tokens + answer.completion_tokens,
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
                    {}, "stop",
                    usage=_usage(item).model_dump(),
                    citations=[c.model_dump() for c in item.citations],
                    refused=item.refused,
                )
            elif item:
                streamed += item
                yield chunk({"content": item})
    except Exception as exc:
        yield f"data: {json.dumps(_error_body(exc))}\n\n"
    yield "data: [DONE]\n\n"


# ---------------------------------------------------------------- the app


async def _qa_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """The one place errors become HTTP statuses."""
    assert isinstance(exc, QAError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return JSONResponse(_error_body(exc), status_code=exc.status_code, headers=headers)


def create_app(
    pipeline: QAPipeline, settings: Settings, feedback: FeedbackStore | None = None
) -> FastAPI:
    """The API around a pipeline built once by the caller.

    Args:
        pipeline: the assembled pipeline (held in `app.state`, served by `get_pipeline`).
        settings: the configuration (API key, data folder).
        feedback: where ratings go (default: `DATA_DIR/feedback.jsonl`).
    """
    app = FastAPI(
        title="News Q&A",
        summary="Answers with cited passages from a local collection of news articles.",
        version="0.1.0",
    )
    app.state.pipeline = pipeline
    app.state.settings = settings
    app.state.feedback = feedback or FeedbackStore(settings.data_dir / "feedback.jsonl")
    app.add_exception_handler(QAError, _qa_error_handler)
    app.include_router(health_router)
    app.include_router(api_router)
    app.include_router(openai_router)
    return app
