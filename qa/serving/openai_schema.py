"""The OpenAI chat-completion request and response models that `/v1` speaks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

from qa.serving.corroboration import version_agreement
from qa.serving.deps import PassageCount, SourceSelection, check_question
from qa.types import MAX_QUESTION_CHARS, MAX_TURN_CHARS, WHOLE_NUMBER, ChatTurn, Citation, JsonInt

__all__ = [
    "MAX_MESSAGES",
    "SYSTEM_MODEL_ID",
    "ChatChoice",
    "ChatCompletionRequest",
    "ChatCompletionResponse",
    "ChatMessage",
    "ChatReply",
    "ModelCard",
    "ModelList",
    "OtherPart",
    "PromptTokensDetails",
    "StreamOptions",
    "TextPart",
    "Usage",
    "count_tokens",
    "format_sources",
    "shape_text",
]

MAX_MESSAGES = 100
"""Messages `/v1/chat/completions` keeps; older ones are dropped (the chain reads the last few)."""

SYSTEM_MODEL_ID = "newsqa"
"""The model id the OpenAI-compatible endpoint serves: the whole question-answering system."""


class TextPart(BaseModel):
    """A text part of an OpenAI message whose content is a list."""

    model_config = ConfigDict(strict=True)

    type: Literal["text"]
    text: str = Field(max_length=MAX_TURN_CHARS)


class OtherPart(BaseModel):
    """Any other content part (`image_url`, `input_audio`, `file`, ...): accepted, ignored."""

    model_config = ConfigDict(extra="allow", strict=True)

    type: str = Field(max_length=64)


TurnText = Annotated[str, Field(max_length=MAX_TURN_CHARS)]
# The schema says at most 1, so clients know; the route answers more with a 400 saying so.
_OneChoice = Annotated[int, Strict(), Field(ge=1, json_schema_extra={"maximum": 1}), WHOLE_NUMBER]

_USER_QUESTION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "role": {"const": "user"},
        "content": {"type": "string", "pattern": r"\S", "maxLength": MAX_QUESTION_CHARS},
    },
    "required": ["role", "content"],
}
"""What the messages must contain: a user message holding the question."""


class ChatMessage(BaseModel):
    """One OpenAI chat message. System and developer messages are ignored; `tool` (and
    `function`) messages are skipped; an assistant's `tool_calls` are ignored, its text kept;
    content parts other than text are ignored. Other fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow", strict=True)

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: TurnText | list[TextPart | OtherPart] | None = None
    name: str | None = Field(default=None, max_length=256)

    @property
    def text(self) -> str:
        """The text of the content as one string (empty for none)."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content if isinstance(part, TextPart))

    @model_validator(mode="after")
    def _turn_size(self) -> ChatMessage:
        if len(self.text) > MAX_TURN_CHARS:
            raise ValueError(f"a message may hold at most {MAX_TURN_CHARS} characters of text")
        return self


class StreamOptions(BaseModel):
    """OpenAI's streaming options: `include_usage` adds a last chunk with the usage."""

    model_config = ConfigDict(extra="allow", strict=True)

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """An OpenAI chat completion request.

    Honoured: `model`, `messages`, `stream`, `stream_options.include_usage`, `max_tokens` /
    `max_completion_tokens` (a cap on the answer's text: whole sentences are kept while they
    fit, then `finish_reason` is `"length"`), `stop` (the shown text ends before the first
    stop sequence), `n` (only 1; more is a 400). Accepted and ignored: `temperature`, `top_p`,
    `seed`, `user`, `response_format`, `tools`, `tool_choice` and any other field (the
    answer's wording comes from the server's configured model and its checks).
    """

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = SYSTEM_MODEL_ID
    messages: list[ChatMessage] = Field(
        min_length=1,
        description=f"The conversation, oldest first; the question is the last user message"
        f" with text ({MAX_QUESTION_CHARS} characters at most), the messages before it the"
        f" history (only the last {MAX_MESSAGES} are kept), any after it are ignored",
        json_schema_extra={"contains": _USER_QUESTION},
    )
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: Annotated[int, Strict(), Field(ge=1), WHOLE_NUMBER] | None = Field(
        default=None, description="Cap on the answer's tokens"
    )
    max_completion_tokens: Annotated[int, Strict(), Field(ge=1), WHOLE_NUMBER] | None = Field(
        default=None, description="Cap on the answer's tokens (wins over `max_tokens`)"
    )
    stop: Annotated[str, Field(min_length=1)] | list[Annotated[str, Field(min_length=1)]] | None = (
        Field(default=None, description="Up to 4 sequences the shown answer ends before")
    )
    n: (
        Annotated[int, Strict(), Field(ge=1, json_schema_extra={"maximum": 1}), WHOLE_NUMBER] | None
    ) = Field(default=None, description="Choices: only 1 is served (more is a 400)")
    temperature: float | None = Field(default=None, ge=0, le=2, description="Ignored")
    seed: JsonInt | None = Field(default=None, description="Ignored (the answer is deterministic)")
    user: str | None = Field(default=None, description="Ignored")
    response_format: dict[str, Any] | None = Field(default=None, description="Ignored")
    k: PassageCount = None
    sources: SourceSelection = None

    @field_validator("messages")
    @classmethod
    def _last_messages(cls, value: list[ChatMessage]) -> list[ChatMessage]:
        return value[-MAX_MESSAGES:]

    @field_validator("stop")
    @classmethod
    def _few_stops(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and len(value) > 4:
            raise ValueError("at most 4 stop sequences")
        return value

    @model_validator(mode="after")
    def _has_question(self) -> ChatCompletionRequest:
        check_question(self.messages[self._question_index()].text)
        return self

    def _question_index(self) -> int:
        for i in range(len(self.messages) - 1, -1, -1):
            if self.messages[i].role == "user" and self.messages[i].text.strip():
                return i
        raise ValueError("no question: send a user message with text (role 'user')")

    def question(self) -> str:
        """The last user message with text."""
        return self.messages[self._question_index()].text

    def history(self) -> list[ChatTurn]:
        """The user and assistant messages with text before the question, without our
        sources footers (tool turns and empty tool-call turns skipped)."""
        return [
            ChatTurn(role=m.role, content=_strip_sources(m.text))
            for m in self.messages[: self._question_index()]
            if m.role in ("user", "assistant") and m.text.strip()
        ]

    @property
    def token_cap(self) -> int | None:
        """The cap on the answer's tokens, if the request sets one."""
        return self.max_completion_tokens or self.max_tokens

    @property
    def stops(self) -> list[str]:
        """The stop sequences (none when not set)."""
        if self.stop is None:
            return []
        return [self.stop] if isinstance(self.stop, str) else list(self.stop)

    @property
    def include_usage(self) -> bool:
        """Whether a stream ends with a usage chunk."""
        return bool(self.stream_options and self.stream_options.include_usage)


class ChatReply(BaseModel):
    """The assistant's message."""

    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    """The one choice of a completion."""

    index: int = 0
    message: ChatReply
    finish_reason: Literal["stop", "length"] = "stop"


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


_SENTENCE = re.compile(r".*?[.!?](?:\s*\[[\d,\s]+\])*(?:\s+|$)|.+$", re.S)
_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """An estimate of `text`'s tokens: its words and punctuation marks."""
    return len(_TOKEN.findall(text))


def shape_text(
    text: str, max_tokens: int | None = None, stops: Sequence[str] = ()
) -> tuple[str, Literal["stop", "length"]]:
    """The answer text as shown under a request's `stop` and token cap, and why it ended.

    The text ends before the first stop sequence; then whole sentences are kept while their
    tokens (`count_tokens`) fit in `max_tokens`, and a sentence that does not fit is dropped
    with the rest (`"length"`).
    """
    cuts = [text.find(s) for s in stops if s and s in text]
    if cuts:
        text = text[: min(cuts)]
    if max_tokens is None or count_tokens(text) <= max_tokens:
        return text, "stop"
    kept, used = [], 0
    for sentence in _SENTENCE.findall(text):
        used += count_tokens(sentence)
        if used > max_tokens:
            break
        kept.append(sentence)
    return "".join(kept).rstrip(), "length"
