"""The typed objects that cross module boundaries: retrieved passages, citations, chat turns,
answers and sources, and the rule every door applies to a question.

`Citation` is the one citation schema: the API, the OpenAI-compatible `/v1` routes, the UI,
feedback and evaluation records all serialise this model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from index.types import Passage
from qa.errors import BadInputError

__all__ = [
    "MAX_QUESTION_CHARS",
    "REFUSAL_MESSAGE",
    "Answer",
    "ChatTurn",
    "Citation",
    "Draft",
    "Embed",
    "Passage",
    "PassageSpan",
    "Queued",
    "RetrievedPassage",
    "SourceInfo",
    "StreamEvent",
    "Verified",
    "validate_question",
]

MAX_QUESTION_CHARS = 2000
"""The longest question (and the longest chat input), in characters."""

REFUSAL_MESSAGE = "The articles do not hold the answer to this question."

Embed = Callable[[Sequence[str]], np.ndarray]
"""An embedding function: texts in, one float32 unit vector per text out (shape n x dim)."""


def validate_question(question: str) -> str:
    """The question stripped of surrounding white space.

    Raises:
        BadInputError: the question is empty or longer than `MAX_QUESTION_CHARS` characters.
    """
    if not isinstance(question, str) or not question.strip():
        raise BadInputError("the question is empty: ask something about the articles")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadInputError(
            f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}"
        )
    return question.strip()


class RetrievedPassage(BaseModel):
    """A passage as retrieval returns it, with its scores."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    start: int
    end: int
    text: str
    position: int = 0
    score: float = Field(description="Fused rank score (reciprocal-rank fusion)")
    dense_score: float = Field(description="Cosine similarity to the query (0 if not found)")
    bm25_score: float = 0.0
    corroborated_by: list[str] = Field(
        default_factory=list,
        description="Other sources holding a near-duplicate passage",
    )


class PassageSpan(Protocol):
    """Anything with a source file and a span of it (`Passage`, `RetrievedPassage`)."""

    @property
    def source(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...


class Citation(BaseModel):
    """One numbered source of an answer: a span of a source file.

    `start`/`end` are character offsets of the cited span in the source's text (as
    `GET /api/sources/{source}` serves it) and `text` is exactly that span: in an answer's
    citations, the sentence(s) supporting the claim. `passage_start`/`passage_end` are the
    offsets of the passage the span lies in. Fields not known yet are null.
    """

    n: int = Field(ge=1, description="The number the answer cites as [n]")
    source: str = Field(description="File name of the article")
    title: str | None = Field(default=None, description="The article's title, if known")
    date: str | None = Field(default=None, description="The article's date (ISO 8601), if known")
    start: int = Field(ge=0, description="Offset of the cited span, in characters")
    end: int = Field(ge=0, description="Offset after the cited span, in characters")
    passage_start: int | None = Field(default=None, ge=0, description="Offset of the passage")
    passage_end: int | None = Field(default=None, ge=0, description="Offset after the passage")
    text: str = Field(description="The cited span's exact text")
    score: float = Field(
        description="Cosine similarity (-1 to 1): in an answer's citations, of the span and the"
        " sentence citing it (0 for the other side of a conflict note); in the retrieved"
        " passages, of the passage and the question"
    )
    version_group: str | None = Field(
        default=None, description="Versions of one story share a group, if known"
    )

    @classmethod
    def from_passage(
        cls,
        n: int,
        passage: PassageSpan,
        score: float = 0.0,
        *,
        span: tuple[int, int] | None = None,
    ) -> Citation:
        """Cite `passage` as source number `n`: the whole passage, or the part of it between
        `span`'s offsets (in characters of the passage's text, e.g. its supporting
        sentences); `score` is rounded to 4 decimals.

        Raises:
            ValueError: `span` does not lie inside the passage's text.
        """
        start, end = span if span is not None else (0, len(passage.text))
        if not 0 <= start <= end <= len(passage.text):
            raise ValueError(f"span {span} is outside the passage's {len(passage.text)} chars")
        return cls(
            n=n,
            source=passage.source,
            start=passage.start + start,
            end=passage.start + end,
            passage_start=passage.start,
            passage_end=passage.end,
            text=passage.text[start:end],
            score=round(score, 4),
        )


class ChatTurn(BaseModel):
    """One prior message of a conversation."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str


class SourceInfo(BaseModel):
    """An indexed article: its file name, passages in the store and length in characters."""

    model_config = ConfigDict(frozen=True)

    name: str
    passages: int
    chars: int


class Answer(BaseModel):
    """What every interface returns for a question."""

    question: str
    standalone_question: str
    answer: str
    refused: bool
    conflict: bool = False
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[Citation] = Field(
        default_factory=list, description="The numbered passages given to the generator"
    )
    backend: str
    model: str
    timings_ms: dict[str, float] = Field(default_factory=dict)
    prompt_tokens: int = 0
    cached_prompt_tokens: int = Field(
        default=0,
        description="Prompt tokens the model reused from its cache instead of evaluating again",
    )
    completion_tokens: int = 0


# ---------------------------------------------------------------- the stream of one question


@dataclass(frozen=True)
class Draft:
    """Generated text not yet checked against the passages. Never shown as the answer: doors
    that show text show `Verified` only (`/api/ask/stream` forwards drafts as `draft` events)."""

    text: str


@dataclass(frozen=True)
class Verified:
    """Answer text that passed the check. Shown as it comes and never taken back: the
    `Verified` texts of one stream, joined, are the final `Answer.answer`."""

    text: str


@dataclass(frozen=True)
class Queued:
    """The question waits for the model; `position` questions are ahead of it (0: next)."""

    position: int


StreamEvent = Draft | Verified | Queued | Answer
"""What `stream` yields for one question: any `Queued`, `Draft` and `Verified` events, then
the final `Answer` last."""
