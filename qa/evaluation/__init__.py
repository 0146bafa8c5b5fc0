"""Evaluation on fixed question/answer pairs: load, run, score, report, compare to a baseline."""

from __future__ import annotations

from qa.evaluation.command import evaluate_command
from qa.evaluation.dataset import Evidence, LineError, QAItem, load_qa
from qa.evaluation.metrics import ItemScore, Span, aggregate, contains_answer, score_item
from qa.evaluation.records import PassageRef, Prediction
from qa.evaluation.report import format_table, write_report
from qa.evaluation.runner import run_evaluation, run_items

__all__ = [
    "Evidence",
    "ItemScore",
    "LineError",
    "PassageRef",
    "Prediction",
    "QAItem",
    "Span",
    "aggregate",
    "contains_answer",
    "evaluate_command",
    "format_table",
    "load_qa",
    "run_evaluation",
    "run_items",
    "score_item",
    "write_report",
]
