"""Scoring: pure functions from (item, prediction, evidence spans) to numbers.

Definitions (see README.md, "Evaluation"):
- an item is *answerable* when it lists acceptable answers, *unanswerable* when the list is empty;
- a prediction *matches* when its answer contains an acceptable answer after `match_key`
  normalisation, on word boundaries ("$ 200 million" matches "$200 million", "49 %" matches
  "49%", but "14 billion" does not match "$1.14 billion");
- a passage *hits* evidence when it overlaps an evidence quote's span [start, end) in the same
  source file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from index.normalize import match_key
from qa.evaluation.dataset import QAItem
from qa.evaluation.records import Prediction
from qa.types import PassageSpan

__all__ = [
    "RATE_METRICS",
    "EvidenceSpan",
    "ItemScore",
    "Metrics",
    "aggregate",
    "contains_answer",
    "evidence_spans",
    "percentile",
    "score_item",
    "stage_latencies",
    "summarize",
]

RATE_METRICS = (
    "answer_accuracy",
    "refusal_accuracy",
    "false_refusal_rate",
    "recall_at_k",
    "evidence_recall",
    "mrr",
    "citation_support",
    "citation_precision",
)
"""Metrics between 0 and 1 (the ones the chart shows)."""

Metrics = dict[str, float | int | None]


@dataclass(frozen=True)
class EvidenceSpan:
    """Characters [start, end) of one source file."""

    source: str
    start: int
    end: int

    def overlaps(self, other: EvidenceSpan | PassageSpan) -> bool:
        """True when both spans are in the same source and share at least one character."""
        return self.source == other.source and self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class ItemScore:
    """The scores of one prediction. `None` means the metric does not apply to the item."""

    id: str
    kind: str
    answerable: bool
    refused: bool
    error: bool
    correct: bool | None
    refusal_correct: bool | None
    hit: bool | None
    evidence_recall: float | None
    reciprocal_rank: float | None
    cited_support: bool | None
    citations: int
    supported_citations: int
    latency_ms: float | None
    prompt_tokens: int | None
    new_prompt_tokens: int | None


def evidence_spans(item: QAItem, sources: Mapping[str, str]) -> list[EvidenceSpan]:
    """The spans of an item's evidence quotes (first occurrence); unknown quotes are left out."""
    spans = []
    for ev in item.evidence:
        text = sources.get(ev.source)
        at = text.find(ev.quote) if text is not None else -1
        if at >= 0:
            spans.append(EvidenceSpan(ev.source, at, at + len(ev.quote)))
    return spans


def contains_answer(answer: str, acceptable: Sequence[str]) -> bool:
    """True when `answer` contains one of `acceptable` after normalisation, on word boundaries."""
    text = match_key(answer)
    for option in acceptable:
        key = match_key(option)
        if key and re.search(rf"(?<![\w.]){re.escape(key)}(?!\w|[.,]\d)", text):
            return True
    return False


def score_item(item: QAItem, prediction: Prediction, spans: Sequence[EvidenceSpan]) -> ItemScore:
    """Score one prediction against its item and the item's evidence spans."""
    failed = prediction.error is not None
    refused = prediction.refused and not failed
    answered = not refused and not failed
    answerable = item.answerable
    has_spans = answerable and bool(spans)

    def hits(ref: PassageSpan) -> bool:
        return any(span.overlaps(ref) for span in spans)

    rank = next((n for n, ref in enumerate(prediction.retrieved, start=1) if hits(ref)), None)
    cited = [hits(ref) for ref in prediction.citations] if has_spans and answered else []
    return ItemScore(
        id=item.id,
        kind=item.kind or "other",
        answerable=answerable,
        refused=refused,
        error=failed,
        correct=(answered and contains_answer(prediction.answer, item.answers))
        if answerable
        else None,
        refusal_correct=None if answerable else refused,
        hit=rank is not None if has_spans else None,
        evidence_recall=(
            sum(any(s.overlaps(r) for r in prediction.retrieved) for s in spans) / len(spans)
            if has_spans
            else None
        ),
        reciprocal_rank=(1.0 / rank if rank else 0.0) if has_spans else None,
        cited_support=any(cited) if has_spans and answered else None,
        citations=len(cited),
        supported_citations=sum(cited),
        latency_ms=None if failed else prediction.latency_ms,
        prompt_tokens=None if failed else prediction.prompt_tokens,
        new_prompt_tokens=(
            None if failed else prediction.prompt_tokens - prediction.cached_prompt_tokens
        ),
    )


def aggregate(scores: Sequence[ItemScore]) -> Metrics:
    """The metrics of a set of item scores (rates are None when no item qualifies)."""
    answerable = [s for s in scores if s.answerable]
    latencies = [s.latency_ms for s in scores if s.latency_ms is not None]
    tokens = [s.prompt_tokens for s in scores if s.prompt_tokens is not None]
    cited = [s for s in scores if s.cited_support is not None]
    total_citations = sum(s.citations for s in cited)
    judged = [s.correct if s.answerable else s.refusal_correct for s in scores]
    return {
        "items": len(scores),
        "answerable": len(answerable),
        "unanswerable": len(scores) - len(answerable),
        "errors": sum(s.error for s in scores),
        "item_accuracy": _mean(judged),
        "answer_accuracy": _mean([s.correct for s in answerable]),
        "refusal_accuracy": _mean([s.refusal_correct for s in scores if not s.answerable]),
        "false_refusal_rate": _mean([s.refused for s in answerable]),
        "recall_at_k": _mean([s.hit for s in scores if s.hit is not None]),
        "evidence_recall": _mean([s.evidence_recall for s in scores]),
        "mrr": _mean([s.reciprocal_rank for s in scores]),
        "citation_support": _mean([s.cited_support for s in cited]),
        "citation_precision": (
            sum(s.supported_citations for s in cited) / total_citations if total_citations else None
        ),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "mean_prompt_tokens": _mean(tokens),
        "mean_new_prompt_tokens": _mean(
            [s.new_prompt_tokens for s in scores if s.new_prompt_tokens is not None]
        ),
    }


def summarize(scores: Sequence[ItemScore]) -> dict[str, Metrics | dict[str, Metrics]]:
    """Metrics overall and for each item kind (kinds in first-seen order)."""
    kinds = list(dict.fromkeys(s.kind for s in scores))
    return {
        "overall": aggregate(scores),
        "by_kind": {kind: aggregate([s for s in scores if s.kind == kind]) for kind in kinds},
    }


def stage_latencies(timings: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float | None]]:
    """p50/p95 of each pipeline stage (rewrite, retrieve, generate, verify, total) in ms, over
    the items that ran that stage."""
    stages = list(dict.fromkeys(stage for t in timings for stage in t))
    return {
        stage: {
            "p50": percentile([t[stage] for t in timings if stage in t], 50),
            "p95": percentile([t[stage] for t in timings if stage in t], 95),
            "items": sum(stage in t for t in timings),
        }
        for stage in stages
    }


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _mean(values: Sequence[float | int | bool | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None
