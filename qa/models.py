"""The typed objects that cross module boundaries: passages, citations, answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Passage(BaseModel):
    """A span of one source file. `original[start:end] == text` always holds."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    position: int = Field(ge=0, description="Index of the passage within its source")
    content_hash: str


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


class Citation(BaseModel):
    """One numbered source of an answer: a span of a source file."""

    n: int = Field(ge=1)
    source: str
    start: int
    end: int
    text: str
    score: float


class ChatTurn(BaseModel):
    """One prior message of a conversation."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str


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


REFUSAL_MESSAGE = "The articles do not hold the answer to this question."
