"""Running the items through a pipeline, and one evaluation run end to end."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from qa.errors import QAError
from qa.evaluation.dataset import QAItem
from qa.evaluation.metrics import evidence_spans, score_item, stage_latencies, summarize
from qa.evaluation.records import Prediction, from_answer, write_predictions
from qa.evaluation.report import write_report
from qa.types import Answer, ChatTurn

__all__ = ["Asker", "run_evaluation", "run_items", "score_run"]


class Asker(Protocol):
    """Anything that answers like `Pipeline.ask` (the pipeline, the baseline, a test fake)."""

    def ask(self, question: str, history: Sequence[ChatTurn], k: int | None) -> Answer: ...


def run_items(
    asker: Asker,
    items: Sequence[QAItem],
    k: int | None = None,
    *,
    desc: str = "evaluating",
) -> list[Prediction]:
    """Ask every item's question (with its history); one prediction per item, in order.

    An exception raised for one item is recorded in that prediction's `error` and the run goes
    on. A progress bar is shown on a terminal.
    """
    predictions = []
    for item in tqdm(items, desc=desc, unit="question", disable=None):
        started = time.perf_counter()
        try:
            answer = asker.ask(item.question, item.history, k)
        except Exception as exc:  # one failing item must not end the run
            predictions.append(
                Prediction(
                    id=item.id,
                    question=item.question,
                    kind=item.kind,
                    latency_ms=round(_ms(started), 1),
                    error=f"{type(exc).__name__}: {exc}",
                )
            )
            continue
        predictions.append(from_answer(item.id, item.kind, answer, _ms(started)))
    return predictions


def score_run(
    items: Sequence[QAItem], predictions: Sequence[Prediction], sources: Mapping[str, str]
) -> dict[str, Any]:
    """Metrics overall and by kind, plus the per-item scores, for one run."""
    scores = [
        score_item(item, pred, evidence_spans(item, sources))
        for item, pred in zip(items, predictions, strict=True)
    ]
    summary: dict[str, Any] = dict(summarize(scores))
    summary["stages_ms"] = stage_latencies([p.timings_ms for p in predictions if not p.error])
    summary["items"] = [vars(s) for s in scores]
    return summary


def run_evaluation(
    pipeline: Any,
    items: Sequence[QAItem],
    out_dir: Path,
    k: int | None = None,
    *,
    sources: Mapping[str, str] | None = None,
    baseline: Any = None,
) -> dict[str, Any]:
    """Run the items through `pipeline` (and `baseline` if given), score and write the reports.

    Args:
        pipeline: a `qa.pipeline.Pipeline` or anything with `ask(question, history, k)`.
        items: the evaluation items.
        out_dir: receives `predictions.jsonl` (and `baseline_predictions.jsonl`),
            `report.json`, `report.md` and `report.png`.
        k: passages per question (default: the pipeline's setting).
        sources: source texts by file name, to locate evidence quotes; default: read through
            `pipeline.source_text`.
        baseline: a second system answering the same items, shown beside ours.

    Returns:
        The report, as written to `report.json`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    if sources is None:
        sources = _pipeline_sources(pipeline, items)
    ours = run_items(pipeline, items, k)
    write_predictions(out_dir / "predictions.jsonl", ours)
    report: dict[str, Any] = {
        "settings": _describe_pipeline(pipeline, k),
        "ours": score_run(items, ours, sources),
    }
    if baseline is not None:
        theirs = run_items(baseline, items, None, desc="baseline")
        write_predictions(out_dir / "baseline_predictions.jsonl", theirs)
        report["baseline"] = score_run(items, theirs, sources)
        describe = getattr(baseline, "describe", None)
        report["baseline"]["settings"] = describe() if callable(describe) else {}
    write_report(out_dir, report)
    return report


def _pipeline_sources(pipeline: Any, items: Sequence[QAItem]) -> dict[str, str]:
    """The texts of the sources the items' evidence names, read through the pipeline."""
    source_text = getattr(pipeline, "source_text", None)
    texts: dict[str, str] = {}
    if not callable(source_text):
        return texts
    for name in sorted({ev.source for item in items for ev in item.evidence}):
        try:
            texts[name] = source_text(name)
        except (QAError, OSError, UnicodeDecodeError):
            continue  # not indexed: its quotes count as not locatable
    return texts


def _describe_pipeline(pipeline: Any, k: int | None) -> dict[str, Any]:
    """The settings a run used (what is known of them)."""
    settings = getattr(pipeline, "settings", None)
    chain = getattr(pipeline, "chain", None)
    return {
        "backend": getattr(chain, "backend", None) or getattr(settings, "backend", None),
        "model": getattr(chain, "model", None),
        "k": k if k is not None else getattr(settings, "k", None),
        "chunk_tokens": getattr(settings, "chunk_tokens", None),
        "min_relevance": getattr(settings, "min_relevance", None),
    }


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000.0
