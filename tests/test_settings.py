"""Settings: bounds that fail at start with the variable's name; paths derived from the data
folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.errors import BadInputError
from qa.settings import get_settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("QA_N_CTX", "100"),
        ("QA_N_THREADS", "0"),
        ("QA_MAX_TOKENS", "-1"),
        ("QA_TEMPERATURE", "9"),
        ("QA_PORT", "70000"),
        ("QA_CHROMA_PORT", "0"),
        ("QA_MIN_RELEVANCE", "2"),
        ("QA_CONTEXT_KEEP_RATIO", "1.5"),
        ("QA_K", "abc"),
    ],
)
def test_a_bad_number_fails_with_the_variable_name(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(BadInputError, match=variable):
        get_settings()


def test_derived_paths_follow_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path))
    settings = get_settings()
    assert settings.feedback_path == tmp_path / "feedback.jsonl"
    assert settings.bm25_path == tmp_path / "bm25.json"
    assert settings.eval_dir == tmp_path / "eval"
    assert settings.chroma_path == tmp_path / "chroma"
    assert settings.models_dir == tmp_path / "models"


def test_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_K", "7")
    assert get_settings().k == 7
    assert get_settings(k=3).k == 3
