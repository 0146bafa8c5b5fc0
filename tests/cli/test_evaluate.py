"""`qa eval`: the gate's exit code."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from qa.cli.evaluate import evaluate_command
from qa.settings import Settings

from eval_fixtures import (
    HIT_A1,
    TablePipeline,
    answer,
    three_items,
)


def eval_args(qa: Path, out: Path, **extra: Any) -> argparse.Namespace:
    values = {
        "qa": qa,
        "out": out,
        "backend": None,
        "k": None,
        "baseline": False,
        "min_accuracy": None,
        "limit": None,
        "every": None,
        **extra,
    }
    return argparse.Namespace(**values)


def test_evaluate_command_gates_on_min_accuracy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(i.model_dump_json() for i in three_items()) + "\n{bad\n")
    fake = TablePipeline(
        {
            "question a1?": answer(
                "question a1?", "$200 million.", cited=[HIT_A1], retrieved=[HIT_A1]
            )
        }
    )
    monkeypatch.setattr("qa.cli.evaluate.build_pipeline", lambda settings: fake)
    settings = Settings(seeds_dir=tmp_path, data_dir=tmp_path / "data", backend="extractive")

    assert evaluate_command(settings, eval_args(qa, tmp_path / "o1", min_accuracy=0.5)) == 0
    assert fake.warmed_up
    assert evaluate_command(settings, eval_args(qa, tmp_path / "o2", min_accuracy=0.9)) == 1
    assert evaluate_command(settings, eval_args(qa, tmp_path / "o3", limit=1, baseline=True)) == 0
    captured = capsys.readouterr()
    assert "Answer accuracy" in captured.out
    assert f"{qa}:4: not valid JSON" in captured.err
    assert "below --min-accuracy 0.9" in captured.err
    assert "baseline skipped" in captured.err
    assert len((tmp_path / "o3" / "predictions.jsonl").read_text().splitlines()) == 1
    assert evaluate_command(settings, eval_args(qa, tmp_path / "o4", every=2)) == 0
    picked = [json.loads(line)["id"] for line in (tmp_path / "o4" / "predictions.jsonl").open()]
    assert picked == [three_items()[0].id, three_items()[2].id]
