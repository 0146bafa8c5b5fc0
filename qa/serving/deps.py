"""What the HTTP routes share: the pipeline protocol, the dependencies and the API-key check."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field, Strict

from qa.errors import BadInputError, UnauthorizedError
from qa.serving.admission import Admission
from qa.serving.feedback import FeedbackStore
from qa.settings import Settings
from qa.types import (
    WHOLE_NUMBER,
    Answer,
    ChatTurn,
    RetrievedPassage,
    SourceInfo,
    StreamEvent,
    validate_question,
)

__all__ = [
    "AdmissionDep",
    "FeedbackDep",
    "PassageCount",
    "PipelineDep",
    "QAPipeline",
    "SettingsDep",
    "SourceSelection",
    "check_question",
    "get_admission",
    "get_app_settings",
    "get_feedback_store",
    "get_pipeline",
    "key_matches",
    "require_api_key",
]


class QAPipeline(Protocol):
    """What the API needs of `qa.pipeline.Pipeline` (tests pass lighter objects)."""

    settings: Settings

    def ask(
        self,
        question: str,
        history: Sequence[ChatTurn] = (),
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer: ...

    def stream(
        self,
        question: str,
        history: Sequence[ChatTurn] = (),
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[StreamEvent]: ...

    def search(self, query: str, k: int | None = None) -> Sequence[RetrievedPassage]: ...

    def sources(self) -> Sequence[SourceInfo]: ...

    def source_text(self, name: str) -> str: ...

    @property
    def passage_count(self) -> int: ...

    @property
    def backend(self) -> str: ...

    @property
    def model(self) -> str: ...


PassageCount = Annotated[
    Annotated[int, Strict(), Field(ge=1, le=20), WHOLE_NUMBER] | None,
    Field(description="Passages to retrieve"),
]
"""The `k` field of the ask requests (`/api/ask`, `/v1`): 1 to 20 passages, or the default."""

SourceSelection = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=255)]] | None,
    Field(
        max_length=200,
        description="Answer only from these articles: file names or version groups (story:...);"
        " a name not in the library is a 404",
    ),
]
"""The `sources` field of the ask requests: file names or version groups, or all articles."""


def check_question(value: str) -> str:
    """The chain's own rule (empty or over-long questions), as a pydantic validation error."""
    try:
        validate_question(value)
    except BadInputError as exc:
        raise ValueError(str(exc)) from None
    return value


# ---------------------------------------------------------------- dependencies


async def get_pipeline(request: Request) -> QAPipeline:
    """The pipeline built once at start-up."""
    pipeline: QAPipeline = request.app.state.pipeline
    return pipeline


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_feedback_store(request: Request) -> FeedbackStore:
    """Where ratings are appended."""
    store: FeedbackStore = request.app.state.feedback
    return store


async def get_admission(request: Request) -> Admission:
    """The one admission queue in front of the pipeline."""
    admission: Admission = request.app.state.admission
    return admission


PipelineDep = Annotated[QAPipeline, Depends(get_pipeline)]
AdmissionDep = Annotated[Admission, Depends(get_admission)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback_store)]

_bearer = HTTPBearer(
    auto_error=False, description="`Authorization: Bearer KEY`, needed only when QA_API_KEY is set"
)


async def require_api_key(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """When an API key is configured, demand `Authorization: Bearer KEY`."""
    if not key_matches(settings, credentials.credentials if credentials else None):
        raise UnauthorizedError(
            "missing or wrong API key: send the header `Authorization: Bearer <QA_API_KEY>`"
        )


def key_matches(settings: Settings, given: str | None) -> bool:
    """True when no API key is configured, or `given` is it (compared in constant time)."""
    if settings.api_key is None:
        return True
    expected = settings.api_key.get_secret_value().encode()
    return secrets.compare_digest((given or "").encode(), expected)
