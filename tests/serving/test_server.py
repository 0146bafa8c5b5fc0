"""A real uvicorn on 127.0.0.1 with the real extractive pipeline, driven by real clients:
the official OpenAI SDK, gradio_client and httpx; and `qa serve` as a process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from gradio_client import Client

from qa.server import create_server_app
from qa.types import Answer

from conftest import (
    QUESTION,
    ROOT,
    SEEDS,
    UNANSWERABLE,
    LiveServer,
    free_port,
    real_pipeline,
    sse_events,
)

pytestmark = pytest.mark.server

KEY = "test-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[LiveServer]:
    """The full app (API with an API key, UI at /) on a free port, for this module."""
    pipeline = real_pipeline(tmp_path_factory.mktemp("served"), embedder, api_key=KEY)
    with LiveServer(create_server_app(pipeline.settings, pipeline)) as live:
        yield live


@pytest.fixture
def sdk(server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY, max_retries=0, timeout=120)


def test_openai_sdk_plain(sdk: openai.OpenAI) -> None:
    assert [m.id for m in sdk.models.list()] == ["newsqa"]
    completion = sdk.chat.completions.create(
        model="newsqa",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": QUESTION},
        ],
    )
    reply = completion.choices[0].message.content or ""
    assert "49" in reply and "\n\nSources:\n[1] " in reply
    extra = completion.model_extra or {}
    assert extra["refused"] is False and extra["citations"]
    assert {c["source"] for c in extra["citations"]} <= {p.name for p in SEEDS.glob("*.txt")}
    assert completion.choices[0].finish_reason == "stop"


def test_openai_sdk_streaming(sdk: openai.OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model="newsqa",
        messages=[{"role": "user", "content": QUESTION}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    usage = chunks.pop()
    assert usage.choices == [] and usage.usage is not None
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "49" in text and "\n\nSources:\n[1] " in text
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert (final.model_extra or {})["citations"] and final.usage is None


def test_openai_sdk_follow_up_and_refusal(sdk: openai.OpenAI) -> None:
    first = sdk.chat.completions.create(
        model="newsqa",
        messages=[{"role": "user", "content": "How much did Google plan to pay Scale AI?"}],
    )
    follow = sdk.chat.completions.create(
        model="newsqa",
        messages=[
            {"role": "user", "content": "How much did Google plan to pay Scale AI?"},
            {"role": "assistant", "content": first.choices[0].message.content or ""},
            {"role": "user", "content": "And how much did it spend last year?"},
        ],
    )
    assert "150" in (follow.choices[0].message.content or "")
    refused = sdk.chat.completions.create(
        model="newsqa", messages=[{"role": "user", "content": UNANSWERABLE}]
    )
    assert (refused.model_extra or {})["refused"] is True


def test_openai_sdk_errors(server: LiveServer, sdk: openai.OpenAI) -> None:
    wrong = openai.OpenAI(base_url=f"{server.url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()
    with pytest.raises(openai.NotFoundError):
        sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi?"}])
    with pytest.raises(openai.UnprocessableEntityError):
        sdk.chat.completions.create(model="newsqa", messages=[])


def test_gradio_client_asks_by_api_name(server: LiveServer) -> None:
    client = Client(f"{server.url}/", auth=("anyone", KEY), verbose=False)
    result = client.predict(QUESTION, [], api_name="/ask")
    _box, messages, sources, article, timings = result
    reply = messages[-1]["content"][0]["text"]
    assert messages[-1]["role"] == "assistant"
    assert "49" in reply and "**Sources**" in reply and "**[1]**" in reply
    assert "<mark" in article and "retrieve" in timings
    assert sources["choices"][0][0].startswith("[")


def test_http_stream(server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.stream(
        "POST",
        f"{server.url}/api/ask/stream",
        json={"question": QUESTION},
        headers=headers,
        timeout=120,
    ) as r:
        assert r.status_code == 200
        body = r.read().decode()
    events = sse_events(body)
    assert "token" in [name for name, _ in events] and events[-1][0] == "answer"
    assert Answer.model_validate_json(events[-1][1]).citations


def test_api_key_over_the_wire(server: LiveServer) -> None:
    assert httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}).status_code == 401
    assert httpx.get(f"{server.url}/health").status_code == 200
    ui = httpx.get(f"{server.url}/")
    assert ui.status_code == 200 and "<html" in ui.text.lower()


def test_oversized_bodies_get_their_413_under_concurrent_load(server: LiveServer) -> None:
    """A client still writing a 4 MB body reads a 413 in the error shape, not a broken pipe.
    urllib writes the whole body before it reads; without the drain before the 413 the server
    closed the connection under 8 such clients (a run with the drain removed failed)."""
    body = b'{"question": "' + b"a" * 4_000_000 + b'"}'

    def post(_: int) -> tuple[int, bytes] | str:
        request = urllib.request.Request(
            f"{server.url}/api/ask",
            data=body,
            headers={"content-type": "application/json", "authorization": f"Bearer {KEY}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError as exc:
            return repr(exc)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(post, range(24)))
    failed = [r for r in results if isinstance(r, str) or r[0] != 413]
    assert not failed, failed[:3]
    assert all(b'"error"' in r[1] and len(r[1]) < 1000 for r in results if not isinstance(r, str))


def test_concurrent_asks_all_succeed_and_health_stays_fast(server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    questions = [
        QUESTION,
        "How much did Google plan to pay Scale AI this year?",
        "Who is Scale AI's CEO?",
        UNANSWERABLE,
    ] * 2

    def ask(q: str) -> int:
        r = httpx.post(f"{server.url}/api/ask", json={"question": q}, headers=headers, timeout=300)
        return r.status_code

    with ThreadPoolExecutor(len(questions)) as pool:
        futures = [pool.submit(ask, q) for q in questions]
        time.sleep(0.5)  # the asks are running now
        started = time.perf_counter()
        assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
        health_s = time.perf_counter() - started
        codes = [f.result() for f in futures]
    assert codes == [200] * len(questions)
    assert health_s < 2.0, f"/health took {health_s:.2f} s while answering: the loop is blocked"


# ---------------------------------------------------------------- `qa serve` as a process


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "QA_SEEDS_DIR": str(tmp / "seeds"),
        "QA_DATA_DIR": str(tmp / "data"),
        **extra,
    }
    env.pop("QA_API_KEY", None)
    return env


def qa_serve(port: int, *flags: str) -> list[str]:
    """The `qa serve` command line, extractive backend, on `port`."""
    command = [sys.executable, "-m", "qa.cli", "serve", "--backend", "extractive", *flags]
    return [*command, "--port", str(port)]


def test_serve_builds_the_index_serves_and_holds_the_store(tmp_path: Path) -> None:
    """No index: `qa serve` builds it instead of refusing, and while it runs `qa index` in
    another process is refused (the embedded store is one process's)."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    port = free_port()
    proc = subprocess.Popen(
        qa_serve(port),
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert health is not None, "the server did not come up"
        assert health["backend"] == "extractive" and health["sources"] == 3
        r = httpx.post(f"http://127.0.0.1:{port}/api/ask", json={"question": QUESTION}, timeout=120)
        assert r.status_code == 200 and r.json()["citations"]
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200
        index = subprocess.run(
            [sys.executable, "-m", "qa.cli", "index"],
            cwd=ROOT,
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert index.returncode == 2
        assert "in use by qa serve" in index.stderr and "stop the server" in index.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            output = proc.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            output = proc.communicate()[0]
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output
