"""The `qa eval` command: load the Q&A file, build the pipeline (and the tutorial baseline on
the same chat model), run, report, gate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qa.errors import BadInputError
from qa.evaluation import TutorialBaseline, build_baseline, format_table, load_qa, run_evaluation
from qa.pipeline import Pipeline, build_pipeline
from qa.settings import Settings

__all__ = ["evaluate_command"]


def evaluate_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run `qa eval`; returns the exit code.

    Args:
        settings: the configuration (`--backend` and `--k` already applied).
        args: `qa` (the JSON Lines file), `out` (report folder), `k`, `baseline` (also run the
            tutorial pipeline), `min_accuracy` (gate), `limit` (first N items only), `every`
            (every Nth item only, from the first).

    Returns:
        1 when `min_accuracy` is set and answer accuracy is below it (or undefined), else 0.
    """
    qa_path = Path(args.qa)
    out_dir = Path(getattr(args, "out", None) or settings.eval_dir)
    try:
        items, errors = load_qa(qa_path, settings.seeds_dir)
    except OSError as exc:
        raise BadInputError(f"cannot read {qa_path} ({exc.strerror}); pass --qa FILE") from exc
    for error in errors:
        print(f"{qa_path}:{error.line}: {error.message}", file=sys.stderr)
    every = getattr(args, "every", None)
    if every is not None:
        items = items[:: max(every, 1)]
    limit = getattr(args, "limit", None)
    if limit is not None:
        items = items[: max(limit, 0)]
    if not items:
        raise BadInputError(f"{qa_path} holds no valid Q&A items: fix the lines reported above")

    pipeline = build_pipeline(settings)
    pipeline.warm_up()  # latencies as a running server has them, not the first call's
    baseline = _baseline(pipeline, settings) if getattr(args, "baseline", False) else None
    report = run_evaluation(pipeline, items, out_dir, k=getattr(args, "k", None), baseline=baseline)
    print(format_table(report))
    print(f"\nwrote {out_dir}/report.md, report.json, report.png and predictions.jsonl")

    minimum = getattr(args, "min_accuracy", None)
    accuracy = report["ours"]["overall"]["answer_accuracy"]
    if minimum is not None and (accuracy is None or accuracy < minimum):
        shown = "undefined" if accuracy is None else f"{accuracy:.3f}"
        print(f"answer accuracy {shown} is below --min-accuracy {minimum}", file=sys.stderr)
        return 1
    return 0


def _baseline(pipeline: Pipeline, settings: Settings) -> TutorialBaseline | None:
    """The tutorial baseline on the pipeline's chat model, or None (with a message) without one."""
    chat_model = pipeline.chain.chat_model
    if chat_model is None:
        print(
            f"baseline skipped: the {settings.backend} backend has no chat model;"
            " run with --backend local or --backend openai to compare",
            file=sys.stderr,
        )
        return None
    return build_baseline(
        settings.seeds_dir,
        pipeline.store.embedder,
        chat_model,
        model_name=pipeline.model,
    )
