"""What the HTTP routes share: the pipeline protocol, dependencies, API-key check, error
bodies and streaming from a worker thread. Imported by `qa.api` and `qa.openai_api`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from qa.chain import validate_question
from qa.errors import BadInputError, QAError, UnauthorizedError
from qa.feedback import FeedbackStore
from qa.models import Answer, ChatTurn
from qa.settings import Settings

logger = logging.getLogger("qa.api")


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

    @property
    def backend(self) -> str: ...

    @property
    def model(self) -> str: ...


def check_question(value: str) -> str:
    """The chain's own rule (empty or over-long questions), as a pydantic validation error."""
    try:
        validate_question(value)
    except BadInputError as exc:
        raise ValueError(str(exc)) from None
    return value


class ErrorBody(BaseModel):
    """What went wrong."""

    message: str
    type: str


class ErrorResponse(BaseModel):
    """Every error this API returns on purpose (validation errors use FastAPI's 422 shape)."""

    error: ErrorBody


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


def error_body(exc: BaseException) -> dict[str, dict[str, str]]:
    """The `{"error": {"message", "type"}}` body for an error; unexpected ones are logged."""
    if isinstance(exc, QAError):
        return {"error": {"message": str(exc), "type": type(exc).__name__}}
    logger.exception("answering failed", exc_info=exc)
    return {"error": {"message": "internal error while answering", "type": "InternalError"}}


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "API key missing or wrong"},
}
SSE_CONTENT = {"text/event-stream": {"schema": {"type": "string"}}}
