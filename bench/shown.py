"""Time to first shown token, before and after verified-only streams, in one run.

Streams used to show the model's raw text as it came, so the first shown token was the first
`Draft`; now only checked text is shown, so it is the first `Verified`. Both instants are
taken from the same `pipeline.stream` call, for each question, so the ratio compares like
with like on one machine at one moment.

Prints, per question and as p50 over all, the ms from the call to the first draft and to the
first verified text, and the ratio of the p50s.

Usage: python -m bench.shown [--backend local] [--questions 12] [--qa eval/qa.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/shown.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa.pipeline import Pipeline, build_pipeline
from qa.settings import get_settings
from qa.types import Answer, Draft, Verified

ROOT = Path(__file__).resolve().parent.parent


def first_shown_ms(pipeline: Pipeline, question: str) -> tuple[float, float, bool]:
    """(ms to the first draft, ms to the first verified text, refused) for one question.

    A question answered without any draft (a refusal before generation) counts its first
    verified text for both.
    """
    began = time.perf_counter()
    draft = verified = None
    refused = False
    for event in pipeline.stream(question):
        now = (time.perf_counter() - began) * 1000.0
        if isinstance(event, Draft) and draft is None:
            draft = now
        elif isinstance(event, Verified) and verified is None:
            verified = now
        elif isinstance(event, Answer):
            refused = event.refused
    assert verified is not None, "a stream always shows its checked text"
    return (verified if draft is None else draft), verified, refused


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="local", choices=["local", "openai", "extractive"])
    parser.add_argument("--questions", type=int, default=12, help="first N answerable items")
    parser.add_argument("--qa", type=Path, default=ROOT / "eval" / "qa.jsonl")
    args = parser.parse_args(argv)

    settings = get_settings(backend=args.backend)
    pipeline = build_pipeline(settings, ensure_index=True)
    pipeline.warm_up()
    items = [json.loads(line) for line in args.qa.open(encoding="utf-8") if line.strip()]
    questions = [i["question"] for i in items if i["answers"] and not i.get("history")]
    drafts, shown = [], []
    for question in questions[: args.questions]:
        draft, verified, refused = first_shown_ms(pipeline, question)
        drafts.append(draft)
        shown.append(verified)
        note = " (refused)" if refused else ""
        print(f"{draft:8.0f} ms draft  {verified:8.0f} ms verified{note}  {question[:60]}")
    before, after = statistics.median(drafts), statistics.median(shown)
    print(
        f"\ntime to first shown token, p50 over {len(shown)} questions ({settings.backend}):"
        f" before (raw drafts shown) {before:.0f} ms, after (verified only) {after:.0f} ms,"
        f" after/before {after / before:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
