"""Running items through a pipeline, writing predictions and reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qa.evaluation import (
    load_qa,
    run_evaluation,
)
from qa.evaluation.report import format_table
from qa.settings import Settings

from conftest import ROOT
from eval_fixtures import (
    A_TEXT,
    HIT_A1,
    MISS_A,
    TablePipeline,
    answer,
    three_items,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_run_evaluation_writes_predictions_and_reports(tmp_path: Path) -> None:
    items = three_items()
    fake = TablePipeline(
        {
            "question a1?": answer(
                "question a1?",
                "About $200 million [1].",
                cited=[HIT_A1],
                retrieved=[HIT_A1, MISS_A],
            ),
            "question u1?": answer(
                "question u1?", "The articles do not hold it.", refused=True, retrieved=[MISS_A]
            ),
        }
    )  # "question f1?" raises: recorded as an error, the run goes on

    report = run_evaluation(fake, items, tmp_path / "out", k=3)

    assert [c[2] for c in fake.calls] == [3, 3, 3]
    assert fake.calls[1][1] == items[1].history
    out = tmp_path / "out"
    lines = [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]
    assert [x["id"] for x in lines] == ["a1", "f1", "u1"]
    # The one citation schema; fields that are not known (null) are left out of the file.
    assert lines[0]["citations"] == [
        {"n": 1, "source": "a.txt", "start": 0, "end": 25, "text": A_TEXT[:25], "score": 0.5}
    ]
    assert lines[0]["latency_ms"] == 12.5 and lines[0]["prompt_tokens"] == 40
    assert lines[0]["kind"] == "factoid" and "error" not in lines[0]
    assert lines[1]["error"] == "RuntimeError: no reply for this question"
    assert lines[2]["refused"] is True

    overall = report["ours"]["overall"]
    assert overall["answer_accuracy"] == 0.5 and overall["refusal_accuracy"] == 1.0
    assert overall["errors"] == 1 and overall["mrr"] == 0.5
    assert json.loads((out / "report.json").read_text())["ours"]["overall"] == overall
    assert report["settings"]["k"] == 3
    assert (out / "report.png").read_bytes().startswith(PNG_MAGIC)
    md = (out / "report.md").read_text()
    assert "| Answer accuracy | 50.0% |" in md and "`f1` (error)" in md
    assert "Baseline" not in md


def test_report_shows_the_baseline_beside_ours(tmp_path: Path) -> None:
    items = three_items()[:1]
    ours = TablePipeline(
        {
            "question a1?": answer(
                "question a1?", "$200 million [1].", cited=[HIT_A1], retrieved=[HIT_A1]
            )
        }
    )
    theirs = TablePipeline(
        {"question a1?": answer("question a1?", "I don't know.", refused=True, retrieved=[MISS_A])}
    )

    report = run_evaluation(ours, items, tmp_path, baseline=theirs)

    assert report["baseline"]["overall"]["false_refusal_rate"] == 1.0
    assert (tmp_path / "baseline_predictions.jsonl").exists()
    assert "| Answer accuracy | 100.0% | 0.0% |" in (tmp_path / "report.md").read_text()
    table = format_table(report).splitlines()
    assert table[0].split() == ["Metric", "Ours", "Baseline"]
    assert (tmp_path / "report.png").read_bytes().startswith(PNG_MAGIC)


def _real_pipeline(settings: Settings, embedder: Any, chroma_client: Any) -> Any:
    from qa.pipeline import build_pipeline

    return build_pipeline(settings, embedder=embedder, client=chroma_client, ensure_index=True)


def test_extractive_pipeline_end_to_end_one_item_per_kind(
    settings: Settings, embedder: Any, chroma_client: Any, tmp_path: Path
) -> None:
    items, errors = load_qa(ROOT / "eval" / "qa.jsonl", settings.seeds_dir)
    assert errors == []
    firsts = list({i.kind: i for i in reversed(items)}.values())
    pipeline = _real_pipeline(settings, embedder, chroma_client)

    report = run_evaluation(pipeline, firsts, tmp_path / "eval")

    overall = report["ours"]["overall"]
    kinds = {i.kind for i in items}
    assert overall["items"] == len(firsts) == len(kinds) >= 7 and overall["errors"] == 0
    assert set(report["ours"]["by_kind"]) == kinds
    assert report["settings"]["backend"] == "extractive"
    assert overall["recall_at_k"] is not None and overall["recall_at_k"] >= 0.5
    assert (tmp_path / "eval" / "report.png").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.slow
def test_extractive_pipeline_on_the_whole_file(
    settings: Settings, embedder: Any, chroma_client: Any, tmp_path: Path
) -> None:
    items, _ = load_qa(ROOT / "eval" / "qa.jsonl", settings.seeds_dir)
    pipeline = _real_pipeline(settings, embedder, chroma_client)

    overall = run_evaluation(pipeline, items, tmp_path / "eval")["ours"]["overall"]

    assert overall["errors"] == 0
    assert overall["recall_at_k"] >= 0.8
    assert overall["answer_accuracy"] >= 0.6
