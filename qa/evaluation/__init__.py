"""Evaluation on fixed question/answer pairs: load, run, score, report, compare to a baseline,
and calibrate the refusal gate."""

from __future__ import annotations

from qa.evaluation.baseline import TutorialBaseline, build_baseline
from qa.evaluation.calibration import Calibration, calibrate, choose_threshold
from qa.evaluation.dataset import Evidence, LineError, QAItem, load_qa
from qa.evaluation.metrics import (
    EvidenceSpan,
    ItemScore,
    aggregate,
    contains_answer,
    evidence_spans,
    percentile,
    score_item,
    stage_latencies,
    summarize,
)
from qa.evaluation.records import Prediction, from_answer, write_predictions
from qa.evaluation.report import format_table, write_report
from qa.evaluation.runner import run_evaluation, run_items, score_run

__all__ = [
    "Calibration",
    "Evidence",
    "EvidenceSpan",
    "ItemScore",
    "LineError",
    "Prediction",
    "QAItem",
    "TutorialBaseline",
    "aggregate",
    "build_baseline",
    "calibrate",
    "choose_threshold",
    "contains_answer",
    "evidence_spans",
    "format_table",
    "from_answer",
    "load_qa",
    "percentile",
    "run_evaluation",
    "run_items",
    "score_item",
    "score_run",
    "stage_latencies",
    "summarize",
    "write_predictions",
    "write_report",
]
