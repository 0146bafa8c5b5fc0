"""Choosing the backend's chat model, with errors that say what to fix."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from qa.errors import ModelUnavailableError
from qa.llm import make_chat_model, model_name
from qa.llm.model_files import (
    smollm2_path,
)
from qa.settings import Settings

from conftest import CHAT_QUESTION, free_port


def test_openai_backend_needs_a_base_url(tmp_path: Path) -> None:
    settings = Settings(backend="openai", openai_base_url=None, data_dir=tmp_path)
    with pytest.raises(ModelUnavailableError, match="set QA_OPENAI_BASE_URL"):
        make_chat_model(settings)


def test_openai_backend_on_a_closed_port_fails_clearly(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    settings = Settings(
        backend="openai", openai_base_url=url, openai_model="tiny", data_dir=tmp_path
    )

    chat = make_chat_model(settings)  # builds without connecting

    assert model_name(chat) == "tiny"
    with pytest.raises(ModelUnavailableError, match=f"cannot reach .*{re.escape(url)}"):
        chat.invoke(CHAT_QUESTION)
    with pytest.raises(ModelUnavailableError, match=f"cannot reach .*{re.escape(url)}"):
        list(chat.stream(CHAT_QUESTION))


def test_extractive_backend_has_no_chat_model(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="extractive"):
        make_chat_model(Settings(backend="extractive", data_dir=tmp_path))


def test_local_backend_without_llama_cpp_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `import llama_cpp` (and of any of its modules) fails; our modules over it import again.
    for name in [m for m in sys.modules if m.split(".")[0] == "llama_cpp"] + ["llama_cpp"]:
        monkeypatch.setitem(sys.modules, name, None)
    for name in ("qa.llm.llamacpp", "qa.llm._kv_cache"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    settings = Settings(backend="local", model_path=smollm2_path(), data_dir=tmp_path)

    with pytest.raises(ModelUnavailableError, match=r"pip install llama-cpp-python==0\.3\.36"):
        make_chat_model(settings)
