"""What a run records for each item: the prediction written to `predictions.jsonl`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from qa.models import Answer, Citation


class PassageRef(BaseModel):
    """A span of a source file that an answer cited or the generator was given."""

    source: str
    start: int
    end: int
    text: str


class Prediction(BaseModel):
    """The system's output for one evaluation item."""

    id: str
    question: str
    kind: str | None = None
    answer: str = ""
    refused: bool = False
    citations: list[PassageRef] = Field(default_factory=list)
    retrieved: list[PassageRef] = Field(default_factory=list)
    latency_ms: float = 0.0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    timings_ms: dict[str, float] = Field(default_factory=dict)
    error: str | None = None


def refs(citations: Iterable[Citation]) -> list[PassageRef]:
    """Citations reduced to the fields a prediction keeps."""
    return [PassageRef(source=c.source, start=c.start, end=c.end, text=c.text) for c in citations]


def from_answer(item_id: str, kind: str | None, answer: Answer, wall_ms: float) -> Prediction:
    """A prediction from a pipeline `Answer`; latency is the answer's own total when it has one."""
    return Prediction(
        id=item_id,
        question=answer.question,
        kind=kind,
        answer=answer.answer,
        refused=answer.refused,
        citations=refs(answer.citations),
        retrieved=refs(answer.retrieved),
        latency_ms=round(answer.timings_ms.get("total", wall_ms), 1),
        prompt_tokens=answer.prompt_tokens,
        cached_prompt_tokens=answer.cached_prompt_tokens,
        timings_ms=answer.timings_ms,
    )


def write_predictions(path: Path, predictions: Iterable[Prediction]) -> None:
    """Write predictions as JSON Lines (fields that are None are left out)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for p in predictions:
            fh.write(p.model_dump_json(exclude_none=True) + "\n")


def read_predictions(path: Path) -> list[Prediction]:
    """Read a `predictions.jsonl` written by `write_predictions`."""
    with path.open(encoding="utf-8") as fh:
        return [Prediction.model_validate_json(line) for line in fh if line.strip()]
