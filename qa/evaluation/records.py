"""What a run records for each item: the prediction written to `predictions.jsonl`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from qa.types import Answer, Citation

__all__ = ["Prediction", "from_answer", "write_predictions"]


class Prediction(BaseModel):
    """The system's output for one evaluation item."""

    id: str
    question: str
    kind: str | None = None
    answer: str = ""
    refused: bool = False
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[Citation] = Field(
        default_factory=list, description="The numbered passages given to the generator"
    )
    latency_ms: float = 0.0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    timings_ms: dict[str, float] = Field(default_factory=dict)
    error: str | None = None


def from_answer(item_id: str, kind: str | None, answer: Answer, wall_ms: float) -> Prediction:
    """A prediction from a pipeline `Answer`; latency is the answer's own total when it has one."""
    return Prediction(
        id=item_id,
        question=answer.question,
        kind=kind,
        answer=answer.answer,
        refused=answer.refused,
        citations=answer.citations,
        retrieved=answer.retrieved,
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
