"""The OpenAI-compatible `/v1` routes in-process: request shapes, replies, streams."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qa.types import REFUSAL_MESSAGE

from conftest import QUESTION, SEEDS, SOURCE, UNANSWERABLE, FakePipeline, chat


def test_chat_completion(client: TestClient, fake: FakePipeline) -> None:
    r = client.post(
        "/v1/chat/completions",
        json={
            "model": "newsqa",
            "temperature": 0.2,
            "messages": [
                {"role": "system", "content": "You are helpful."},
                {"role": "user", "content": "Who is Scale AI's CEO?"},
                {
                    "role": "assistant",
                    "content": "Alexander Wang [1].\n\nSources:\n[1] a.txt [0:9]",
                },
                {"role": "user", "content": [{"type": "text", "text": QUESTION}]},
            ],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "newsqa"
    content = body["choices"][0]["message"]["content"]
    assert body["choices"][0]["finish_reason"] == "stop"
    assert f"\n\nSources:\n[1] {SOURCE} [0:" in content
    assert body["citations"][0]["source"] == SOURCE and body["refused"] is False
    assert body["usage"] == {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "prompt_tokens_details": {"cached_tokens": 4},
    }
    _, question, history, _ = fake.calls[-1]
    assert question == QUESTION
    assert [(t.role, t.content) for t in history] == [
        ("user", "Who is Scale AI's CEO?"),
        ("assistant", "Alexander Wang [1]."),
    ]


def test_chat_completion_refusal_has_no_sources(client: TestClient) -> None:
    body = client.post("/v1/chat/completions", json=chat(UNANSWERABLE)).json()
    assert body["choices"][0]["message"]["content"] == REFUSAL_MESSAGE
    assert body["refused"] is True and body["citations"] == []


def test_chat_completion_stream_chunks(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json=chat(QUESTION, stream=True))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    lines = [line for line in r.text.split("\n") if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    final = chunks[-1]
    assert final["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
    assert final["citations"][0]["source"] == SOURCE and final["refused"] is False
    assert "usage" not in final  # only when asked with stream_options.include_usage
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text.startswith(fake_first_sentence()) and "\n\nSources:\n[1] " in text


def fake_first_sentence() -> str:
    text = (SEEDS / SOURCE).read_text(encoding="utf-8")
    return text[: text.index(". ") + 1]


def test_chat_completion_stream_error(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json=chat("please explode", stream=True))
    lines = [line for line in r.text.split("\n") if line]
    assert json.loads(lines[-2][6:])["error"]["type"] == "ModelUnavailableError"
    assert lines[-1] == "data: [DONE]"


@pytest.mark.parametrize(
    "body",
    [
        {"model": "newsqa", "messages": []},
        {"model": "newsqa"},
        chat("   "),
        chat("x" * 2001),
        {"model": "newsqa", "messages": [{"role": "system", "content": "Only a system"}]},
        {"model": "newsqa", "messages": [{"role": "tool", "content": "x"}]},
        {"model": "newsqa", "messages": [{"role": "wizard", "content": "x"}]},
        {"model": "newsqa", "messages": [{"role": "user", "content": None}]},
        {"model": "newsqa", "messages": [{"role": "user", "content": 42}]},
        {"model": "newsqa", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
        {"model": "newsqa", "messages": "hello"},
        chat("ok?", stream="sometimes"),
        chat("ok?", k=0),
    ],
)
def test_chat_completion_rejects_bad_input(
    client: TestClient, fake: FakePipeline, body: Any
) -> None:
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 422, r.text
    assert fake.calls == []


def test_chat_completion_unknown_model_is_404(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json={**chat(QUESTION), "model": "gpt-4"})
    assert r.status_code == 404
    assert "newsqa" in r.json()["error"]["message"]


def test_models(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list" and [m["id"] for m in body["data"]] == ["newsqa"]


def test_stream_sends_only_checked_text(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json=chat(QUESTION, stream=True))
    chunks = [json.loads(line[6:]) for line in r.text.split("\n") if line.startswith("data: {")]
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    answer = client.post("/api/ask", json={"question": QUESTION}).json()
    # The checked answer once, then its sources: no draft text, nothing appended twice.
    assert streamed.startswith(answer["answer"] + "\n\nSources:")
    assert streamed.count(answer["answer"]) == 1


def test_real_chat_completion(real_client: TestClient) -> None:
    body = real_client.post("/v1/chat/completions", json=chat(QUESTION)).json()
    content = body["choices"][0]["message"]["content"]
    assert "\n\nSources:\n[" in content and body["citations"]
    r = real_client.post("/v1/chat/completions", json=chat(QUESTION, stream=True))
    chunks = [json.loads(line[6:]) for line in r.text.split("\n") if line.startswith("data: {")]
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "\n\nSources:\n[" in streamed and chunks[-1]["citations"] == body["citations"]
