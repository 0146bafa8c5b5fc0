"""The `openai` backend against a real OpenAI-compatible server: llama.cpp's own server
(`python -m llama_cpp.server`) with the tiny SmolLM2 model, on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from index.embedder import Embedder
from qa.errors import ModelUnavailableError
from qa.llm.model_files import smollm2_path
from qa.pipeline import build_pipeline
from qa.settings import Settings

from conftest import free_port

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(smollm2_path()),
            "--model_alias",
            "smollm2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("llama.cpp server did not start within 120 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_openai_backend_answers_through_a_real_server(
    llama_server: str, settings: Settings, embedder: Embedder, chroma_client: Any
) -> None:
    openai_settings = settings.model_copy(
        update={"backend": "openai", "openai_base_url": llama_server, "openai_model": "smollm2"}
    )
    pipeline = build_pipeline(
        openai_settings, embedder=embedder, client=chroma_client, ensure_index=True
    )
    answer = pipeline.ask("How much did Google plan to pay Scale AI this year?")
    assert answer.backend == "openai" and answer.model == "smollm2"
    assert answer.prompt_tokens > 50 and "generate" in answer.timings_ms
    # The tiny model's quality is not the point; whatever it says is verified or refused.
    assert answer.refused or answer.citations
    for c in answer.citations:
        assert 1 <= c.n <= len(answer.retrieved)


def test_unreachable_server_is_a_clear_error(
    settings: Settings, embedder: Embedder, chroma_client: Any
) -> None:
    dead = settings.model_copy(
        update={"backend": "openai", "openai_base_url": f"http://127.0.0.1:{free_port()}/v1"}
    )
    pipeline = build_pipeline(dead, embedder=embedder, client=chroma_client, ensure_index=True)
    with pytest.raises(ModelUnavailableError, match=r"127\.0\.0\.1"):
        pipeline.ask("How much did Google plan to pay Scale AI this year?")
