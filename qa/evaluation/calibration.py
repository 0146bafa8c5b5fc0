"""Calibrating the refusal gate on a Q&A file: the relevance threshold below which no
generator is called.

For every item, the best dense similarity among the retrieved passages is measured (after the
same follow-up handling the extractive chain uses). The threshold is the midpoint of the gap
that refuses the most unanswerable items while refusing no answerable one, so the gate only
ever saves work and never costs an answer on the calibration set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.answer.chain import Retriever
from qa.answer.followups import standalone_question
from qa.evaluation.dataset import load_qa
from qa.types import ChatTurn

__all__ = ["Calibration", "calibrate", "choose_threshold"]


@dataclass(frozen=True)
class Calibration:
    """The chosen threshold and what it does on the calibration set."""

    threshold: float
    refused_unanswerable: int
    unanswerable: int
    refused_answerable: int
    answerable: int
    lowest_answerable: float


def _top_relevance(retriever: Retriever, question: str, history: Sequence[ChatTurn]) -> float:
    """The best dense similarity among the passages retrieved for a question."""
    query = standalone_question(question, history)
    return max((p.dense_score for p in retriever.retrieve(query)), default=0.0)


def choose_threshold(scores: Sequence[tuple[float, bool]]) -> Calibration:
    """Pick the gate threshold from (top relevance, answerable) pairs."""
    answerable = sorted(s for s, a in scores if a)
    unanswerable = sorted(s for s, a in scores if not a)
    lowest = answerable[0] if answerable else 1.0
    below = [s for s in unanswerable if s < lowest]
    threshold = round(((below[-1] if below else 0.0) + lowest) / 2, 3)
    return Calibration(
        threshold=threshold,
        refused_unanswerable=sum(s < threshold for s in unanswerable),
        unanswerable=len(unanswerable),
        refused_answerable=sum(s < threshold for s in answerable),
        answerable=len(answerable),
        lowest_answerable=lowest,
    )


def calibrate(retriever: Retriever, qa_file: Path) -> Calibration:
    """Measure every item of a Q&A file and choose the threshold."""
    items, _errors = load_qa(qa_file)
    scores = [
        (
            _top_relevance(retriever, item.question, item.history),
            item.answerable,
        )
        for item in items
    ]
    return choose_threshold(scores)
