"""The `qa` command line, in-process: index, search, ask, calibrate, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.normalize import normalize
from qa.cli import main

from conftest import ROOT

QUESTION = "How much did Google plan to pay Scale AI this year?"


@pytest.fixture
def env(seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings from the environment, as a user sets them: temporary seeds and data."""
    monkeypatch.setenv("QA_SEEDS_DIR", str(seeds_dir))
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QA_BACKEND", "extractive")
    return tmp_path


def test_index_search_ask_calibrate(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index"]) == 0
    assert "files: 3 added" in capsys.readouterr().out

    assert main(["search", QUESTION, "--json", "--k", "3"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3 and "$200 million" in normalize(hits[0]["text"])

    assert main(["ask", QUESTION, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert not answer["refused"] and answer["citations"][0]["passage_start"] is not None

    assert main(["calibrate", "--qa", str(ROOT / "eval" / "qa.jsonl")]) == 0
    assert "threshold" in capsys.readouterr().out


def test_a_command_before_indexing_says_what_to_run(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", QUESTION]) == 2
    assert "qa index" in capsys.readouterr().err


def test_a_bad_history_file_is_named(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = env / "history.json"
    bad.write_text('[{"role": "robot", "content": "hi"}]', encoding="utf-8")
    assert main(["ask", QUESTION, "--history", str(bad)]) == 2
    assert f"--history {bad}" in capsys.readouterr().err


def test_a_bad_setting_fails_at_start_with_its_name(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QA_N_CTX", "10")
    assert main(["index"]) == 2
    assert "QA_N_CTX" in capsys.readouterr().err
