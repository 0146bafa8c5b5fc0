"""Thumbs up/down on answers, appended one JSON object a line to `DATA_DIR/feedback.jsonl`."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qa.types import MAX_QUESTION_CHARS, Citation

__all__ = ["Feedback", "FeedbackRecord", "FeedbackStore", "Rating"]

Rating = Literal["up", "down"]


class Feedback(BaseModel):
    """A rating of one answer, with what is needed to look at it later."""

    model_config = ConfigDict(strict=True)

    rating: Rating
    question: str = Field(max_length=MAX_QUESTION_CHARS)
    answer: str = Field(max_length=20_000)
    standalone_question: str = Field(default="", max_length=4000)
    citations: list[Citation] = Field(default_factory=list, max_length=50)
    refused: bool = False
    comment: str = Field(default="", max_length=2000)


class FeedbackRecord(Feedback):
    """A stored rating: the feedback and when it was given (UTC, ISO 8601)."""

    timestamp: str


class FeedbackStore:
    """Appends ratings to a JSON Lines file; safe to share between threads of one process.

    Args:
        path: the file to append to (its folder is created on the first write).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, feedback: Feedback) -> FeedbackRecord:
        """Append one rating and return it as stored."""
        stored = FeedbackRecord(
            **feedback.model_dump(), timestamp=datetime.now(UTC).isoformat(timespec="seconds")
        )
        line = stored.model_dump_json() + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
        return stored

    def read(self) -> list[FeedbackRecord]:
        """Every stored rating, oldest first (an absent file is an empty list)."""
        with self._lock:
            if not self.path.exists():
                return []
            lines = self.path.read_text(encoding="utf-8").splitlines()
        return [FeedbackRecord.model_validate_json(line) for line in lines if line.strip()]
