"""The API's own routes: health, ask (plain and streamed), sources and feedback.

Routes only validate input and call the pipeline; blocking calls run in worker threads so the
event loop stays free.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sse_starlette import EventSourceResponse

from qa.errors import NotFoundError
from qa.serving.deps import (
    AdmissionDep,
    FeedbackDep,
    PassageCount,
    PipelineDep,
    SourceSelection,
    check_question,
    require_api_key,
)
from qa.serving.errors import AUTH_ERRORS, BODY_ERRORS, ErrorResponse, error_body
from qa.serving.feedback import Feedback, FeedbackRecord
from qa.serving.streaming import SSE_CONTENT, collect_answer, iterate_in_thread
from qa.types import (
    MAX_QUESTION_CHARS,
    MAX_TURN_CHARS,
    Answer,
    ChatTurn,
    Draft,
    Queued,
    SourceInfo,
    Verified,
)

# The route functions are exported too: their names are the OpenAPI operation ids' stems.
__all__ = [
    "AskRequest",
    "HealthResponse",
    "SourceDetail",
    "api_router",
    "ask",
    "ask_stream",
    "feedback",
    "get_source",
    "health",
    "health_router",
    "list_sources",
]

MAX_HISTORY_TURNS = 50
"""Prior turns `/api/ask` keeps; older ones are dropped (the chain reads the last few)."""


# ---------------------------------------------------------------- request and response models


class AskRequest(BaseModel):
    """A question, optionally with the conversation so far."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    history: list[ChatTurn] = Field(
        default_factory=list,
        description=f"Earlier turns, oldest first, each at most {MAX_TURN_CHARS} characters;"
        f" only the last {MAX_HISTORY_TURNS} are kept",
    )
    k: PassageCount = None
    sources: SourceSelection = None

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return check_question(value)

    @field_validator("history")
    @classmethod
    def _last_turns(cls, value: list[ChatTurn]) -> list[ChatTurn]:
        return value[-MAX_HISTORY_TURNS:]


class HealthResponse(BaseModel):
    """The server is up and what it serves."""

    status: Literal["ok"] = "ok"
    passages: int
    sources: int
    backend: str
    model: str
    queue: int = Field(description="Questions waiting for the model now")
    max_queue: int = Field(description="Questions that may wait (QA_MAX_QUEUE); then 503")


class SourceDetail(SourceInfo):
    """An indexed article with its full text (citation offsets index into `text`)."""

    text: str


# ---------------------------------------------------------------- routes

health_router = APIRouter(tags=["health"])
api_router = APIRouter(
    prefix="/api", tags=["ask"], responses=AUTH_ERRORS, dependencies=[Depends(require_api_key)]
)


@health_router.get("/health")
def health(pipeline: PipelineDep, admission: AdmissionDep) -> HealthResponse:
    """Liveness and what is served: passage and source counts, backend, model and the
    admission queue's length."""
    return HealthResponse(
        passages=pipeline.passage_count,
        sources=len(pipeline.sources()),
        backend=pipeline.backend,
        model=pipeline.model,
        queue=admission.waiting,
        max_queue=admission.max_queue,
    )


@api_router.post(
    "/ask",
    response_model=Answer,
    responses={
        **BODY_ERRORS,
        404: {"model": ErrorResponse, "description": "A `sources` name is not in the library"},
    },
)
async def ask(
    body: AskRequest, pipeline: PipelineDep, admission: AdmissionDep, request: Request
) -> Answer | Response:
    """Answer a question with verified, numbered citations (or refuse).

    The question waits its turn in the admission queue (503 with `Retry-After` when full);
    a client that disconnects stops the work.
    """
    ticket = admission.reserve()
    answer = await collect_answer(
        lambda: ticket.run(
            lambda: pipeline.stream(body.question, body.history, k=body.k, sources=body.sources)
        ),
        request.is_disconnected,
    )
    if answer is None:  # the client is gone: nobody reads this
        return Response(status_code=499)
    assert isinstance(answer, Answer)
    return answer


@api_router.post(
    "/ask/stream",
    response_class=EventSourceResponse,
    responses={
        **BODY_ERRORS,
        200: {
            "content": SSE_CONTENT,
            "description": (
                'Server-sent events: `queued` (`{"position": n}` while waiting for the model),'
                " `draft` (generated text not yet checked; never the answer), `token` (checked"
                " text, never taken back: the tokens joined are the answer), then `answer` (the"
                ' final answer object as JSON), or `error` (`{"error": {message, type}}`).'
            ),
        },
    },
)
async def ask_stream(
    body: AskRequest, pipeline: PipelineDep, admission: AdmissionDep
) -> EventSourceResponse:
    """The answer as server-sent events: queue positions, drafts, checked text, then the
    answer object. A full queue is a 503 before the stream starts."""
    ticket = admission.reserve()

    async def events() -> AsyncIterator[dict[str, str]]:
        try:
            async for item in iterate_in_thread(
                lambda: ticket.run(
                    lambda: pipeline.stream(
                        body.question, body.history, k=body.k, sources=body.sources
                    )
                )
            ):
                if isinstance(item, Answer):
                    yield {"event": "answer", "data": item.model_dump_json()}
                elif isinstance(item, Verified):
                    yield {"event": "token", "data": item.text}
                elif isinstance(item, Draft):
                    yield {"event": "draft", "data": item.text}
                elif isinstance(item, Queued):
                    yield {"event": "queued", "data": json.dumps({"position": item.position})}
        except Exception as exc:
            yield {"event": "error", "data": json.dumps(error_body(exc))}

    return EventSourceResponse(events())


@api_router.get("/sources")
def list_sources(pipeline: PipelineDep) -> list[SourceInfo]:
    """The indexed articles."""
    return list(pipeline.sources())


@api_router.get("/sources/{name}", responses={404: {"model": ErrorResponse}})
def get_source(name: Annotated[str, Path(max_length=255)], pipeline: PipelineDep) -> SourceDetail:
    """One indexed article's text; a name that is not indexed is a 404."""
    # The name is looked up among the indexed sources, never joined to a path.
    found = {s.name: s for s in pipeline.sources()}.get(name)
    if found is None:
        raise NotFoundError(f"no indexed source named {name!r}; see GET /api/sources")
    return SourceDetail(**found.model_dump(), text=pipeline.source_text(found.name))


@api_router.post("/feedback", status_code=201, responses={413: BODY_ERRORS[413]})
def feedback(body: Feedback, store: FeedbackDep) -> FeedbackRecord:
    """Store a thumbs up or down on an answer."""
    return store.record(body)
