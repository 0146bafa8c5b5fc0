"""The typed objects that cross module boundaries: retrieved passages, citations, chat turns,
answers and sources, and the rule every door applies to a question.

`Citation` is the one citation schema: the API, the OpenAI-compatible `/v1` routes, the UI,
feedback and evaluation records all serialise this model.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict

from index.types import Passage
from qa.errors import BadInputError

__all__ = [
    "MAX_QUESTION_CHARS",
    "MAX_TURN_CHARS",
    "REFUSAL_MESSAGE",
    "WHOLE_NUMBER",
    "Answer",
    "ChatTurn",
    "Citation",
    "Draft",
    "Embed",
    "JsonInt",
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


def _whole_number(value: Any) -> Any:
    """`1.0` as `1` (JSON Schema counts it an integer), NumPy integers as `int`; anything
    else unchanged (a string or a bool then fails the strict check)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return value


def _real_number(value: Any) -> Any:
    """NumPy and other real numbers as `float`; strings and bools unchanged (then refused)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value


WHOLE_NUMBER = BeforeValidator(_whole_number)
"""Put last in `Annotated[int, Strict(), Field(ge=...), WHOLE_NUMBER]`: an integer as JSON
Schema means it (`1` or `1.0`, never `"1"` or `true`), its bounds kept in the schema."""

JsonInt = Annotated[int, Strict(), WHOLE_NUMBER]
"""An unbounded integer as JSON Schema means it (see `WHOLE_NUMBER`)."""

_Offset = Annotated[int, Strict(), Field(ge=0), WHOLE_NUMBER]
_Number = Annotated[int, Strict(), Field(ge=1), WHOLE_NUMBER]
_Score = Annotated[float, Strict(), BeforeValidator(_real_number)]

MAX_TURN_CHARS = 8000
"""The longest prior turn of a conversation, in characters."""

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
    title: str | None = Field(default=None, description="The article's title, if known")
    date: str | None = Field(default=None, description="The article's date (ISO 8601)")
    version_group: str | None = Field(
        default=None, description="Versions of one story share a group, if known"
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
    offsets of the passage the span lies in. Fields not known yet are null. Numbers are
    strict (no "1" for 1).
    """

    n: _Number = Field(description="The number the answer cites as [n]")
    source: str = Field(description="File name of the article")
    title: str | None = Field(default=None, description="The article's title, if known")
    date: str | None = Field(default=None, description="The article's date (ISO 8601), if known")
    start: _Offset = Field(description="Offset of the cited span, in characters")
    end: _Offset = Field(description="Offset after the cited span, in characters")
    passage_start: _Offset | None = Field(default=None, description="Offset of the passage")
    passage_end: _Offset | None = Field(default=None, description="Offset after the passage")
    text: str = Field(description="The cited span's exact text")
    score: _Score = Field(
        description="Cosine similarity (-1 to 1): in an answer's citations, of the span and the"
        " sentence citing it (0 for the other side of a conflict note); in the retrieved"
        " passages, of the passage and the question"
    )
    version_group: str | None = Field(
        default=None, description="Versions of one story share a group, if known"
    )
    corroborated_by: list[str] | None = Field(
        default=None,
        description="Other versions of the same story (same version group) holding a"
        " near-duplicate of the cited passage: they say the same (null when versions are"
        " not known)",
    )

    @property
    def label(self) -> str:
        """How a reader sees the source: `Title (date) — file` or the file name alone."""
        if not self.title:
            return self.source
        date = f" ({self.date})" if self.date else ""
        return f"{self.title}{date} — {self.source}"

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

        The article's title, date and version group are copied when the passage has them
        (a `RetrievedPassage` does), and, when its version group is known, the other versions
        holding a near-duplicate (`corroborated_by`).

        Raises:
            ValueError: `span` does not lie inside the passage's text.
        """
        start, end = span if span is not None else (0, len(passage.text))
        if not 0 <= start <= end <= len(passage.text):
            raise ValueError(f"span {span} is outside the passage's {len(passage.text)} chars")
        group = getattr(passage, "version_group", None)
        return cls(
            n=n,
            source=passage.source,
            title=getattr(passage, "title", None),
            date=getattr(passage, "date", None),
            version_group=group,
            corroborated_by=list(getattr(passage, "corroborated_by", [])) if group else None,
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
    content: str = Field(max_length=MAX_TURN_CHARS)


class SourceInfo(BaseModel):
    """An indexed article: its file name, passages in the store, length in characters and
    what is known of it (title, byline, date, URL, version group, when it was indexed)."""

    model_config = ConfigDict(frozen=True)

    name: str
    passages: int
    chars: int
    title: str | None = None
    byline: str | None = Field(default=None, description="Authors, without 'By'")
    date: str | None = Field(default=None, description="Publication date (ISO 8601), if known")
    url: str | None = None
    format: Literal["text", "markdown", "html"] = "text"
    version_group: str | None = Field(
        default=None, description="Versions of one story share a group"
    )
    indexed_at: str | None = Field(default=None, description="When indexed (ISO 8601, UTC)")


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
