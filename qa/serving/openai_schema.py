"""The OpenAI chat-completion request and response models that `/v1` speaks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qa.serving.corroboration import version_agreement
from qa.serving.deps import check_question
from qa.types import ChatTurn, Citation

__all__ = [
    "SYSTEM_MODEL_ID",
    "ChatChoice",
    "ChatCompletionRequest",
    "ChatCompletionResponse",
    "ChatMessage",
    "ChatReply",
    "ModelCard",
    "ModelList",
    "PromptTokensDetails",
    "TextPart",
    "Usage",
    "format_sources",
]

SYSTEM_MODEL_ID = "newsqa"
"""The model id the OpenAI-compatible endpoint serves: the whole question-answering system."""


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
    sources: list[str] | None = Field(
        default=None,
        max_length=200,
        description="Answer only from these articles: file names or version groups (story:...)",
    )

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
            ChatTurn(role=m.role, content=_strip_sources(m.text))
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


SOURCES_HEADER = "\n\nSources:\n"


def format_sources(citations: Sequence[Citation], conflict: bool = False) -> str:
    """The footnotes of a chat reply, one a line: `[n] Title (date) — source [start:end]
    (3 versions agree) "snippet"` (the file name alone when the title is unknown; the
    agreement note only when versions of the story are known)."""
    lines = []
    for c in citations:
        snippet = " ".join(c.text.split())
        if len(snippet) > 100:
            snippet = snippet[:99].rstrip() + "…"
        agreement = version_agreement(c, citations, conflict)
        note = f" ({agreement})" if agreement else ""
        lines.append(f'[{c.n}] {c.label} [{c.start}:{c.end}]{note} "{snippet}"')
    return SOURCES_HEADER + "\n".join(lines) if lines else ""


def _strip_sources(text: str) -> str:
    """An earlier reply without the footnotes `format_sources` added."""
    return text.split(SOURCES_HEADER, 1)[0]
