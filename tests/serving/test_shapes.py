"""What real clients send, in-process with the fake pipeline: the one error shape on every
error, bounded sizes, and the OpenAI request shapes of `/v1/chat/completions`."""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from qa.serving import create_app
from qa.serving.openai_schema import count_tokens, shape_text
from qa.settings import Settings
from qa.types import Answer, Citation, StreamEvent, Verified

from conftest import QUESTION, FakePipeline, chat

ERROR_KEYS = {"message", "type", "param", "code"}


def error_of(r: Any) -> dict[str, Any]:
    """The error object of a response, checked to be the one shape."""
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS, body
    return dict(body["error"])


# ---------------------------------------------------------------- one error shape


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/ask", {"question": ""}, 422),
        ("post", "/api/ask", {"question": "ok?", "k": "3"}, 422),
        ("post", "/api/ask", {"question": "ok?", "history": [{"role": "user"}]}, 422),
        ("post", "/api/feedback", {"rating": "meh"}, 422),
        ("post", "/v1/chat/completions", {"model": "newsqa", "messages": []}, 422),
        ("post", "/v1/chat/completions", chat("ok?", model="gpt-4o"), 404),
        ("get", "/api/nope", None, 404),
        ("get", "/v1/nope/deeper", None, 404),
        ("get", "/api/sources/nope.txt", None, 404),
        ("get", "/api/ask", None, 405),
        ("delete", "/v1/models", None, 405),
    ],
)
def test_every_error_has_the_one_shape(
    client: TestClient, method: str, path: str, body: Any, status: int
) -> None:
    r = client.request(method.upper(), path, json=body)
    assert r.status_code == status, r.text
    error = error_of(r)
    assert error["message"] and error["type"] and error["code"]
    if status == 405:
        assert r.headers["allow"]


def test_validation_error_names_the_field(client: TestClient) -> None:
    error = error_of(client.post("/api/ask", json={"question": "ok?", "k": 99}))
    assert error["param"] == "k" and error["type"] == "BadInputError"
    assert error["code"] == "invalid_value" and "20" in error["message"]


def test_unexpected_failures_are_500s_in_the_shape(app: FastAPI, fake: FakePipeline) -> None:
    class Broken(FakePipeline):
        def sources(self) -> list[Any]:
            raise RuntimeError("secret internals")

    from qa.serving.deps import get_pipeline

    app.dependency_overrides[get_pipeline] = lambda: Broken(fake.settings, fake.texts)
    try:
        with TestClient(app, raise_server_exceptions=False) as c:
            r = c.get("/api/sources")
    finally:
        app.dependency_overrides.clear()
    assert r.status_code == 500
    assert "secret" not in r.text and error_of(r)["type"] == "InternalError"


def test_large_input_is_never_echoed(client: TestClient) -> None:
    # Under the body limit but over the question limit: a 422 that does not repeat it.
    r = client.post("/api/ask", json={"question": "a" * 100_000})
    assert r.status_code == 422 and len(r.content) < 1000
    assert "aaaaaaaaaa" not in r.text
    r = client.post("/v1/chat/completions", json=chat("ok?", model="m" * 50_000))
    assert r.status_code == 404 and len(r.content) < 1000


# ---------------------------------------------------------------- sizes


def test_body_over_the_limit_is_413_before_it_is_read(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "a" * 1_000_000})
    assert r.status_code == 413 and len(r.content) < 1000
    assert error_of(r)["code"] == "request_too_large"


def test_chunked_body_over_the_limit_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(300):
            yield b"a" * 1024
        yield b'"}'

    r = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and error_of(r)["type"] == "PayloadTooLargeError"


class Upload(BaseModel):
    text: str


def test_a_route_can_declare_a_larger_limit(tmp_path: Any) -> None:
    """How the article upload routes get their own limit: FastAPI's `max_body_size`."""
    settings = Settings(backend="extractive", data_dir=tmp_path, max_body_bytes=1024)
    app = create_app(FakePipeline.from_seeds(settings), settings)

    router = APIRouter()

    @router.post("/upload")
    def upload(body: Upload) -> dict[str, int]:
        return {"chars": len(body.text)}

    app.include_router(router, prefix="/x", max_body_size=10_000)
    with TestClient(app) as c:
        assert c.post("/x/upload", json={"text": "a" * 5000}).json() == {"chars": 5000}
        assert c.post("/x/upload", json={"text": "a" * 20_000}).status_code == 413
        big_question = {"question": "a" * 1500}
        assert error_of(c.post("/api/ask", json=big_question))["code"] == "request_too_large"


def test_a_turn_over_8000_characters_is_422(client: TestClient) -> None:
    turn = {"role": "user", "content": "a" * 8001}
    r = client.post("/api/ask", json={"question": "ok?", "history": [turn]})
    assert r.status_code == 422 and error_of(r)["param"] == "history.0.content"
    r = client.post(
        "/v1/chat/completions",
        json={"model": "newsqa", "messages": [turn, {"role": "user", "content": "ok?"}]},
    )
    assert r.status_code == 422


def test_long_conversations_keep_their_last_turns(client: TestClient, fake: FakePipeline) -> None:
    turns = [{"role": ("user", "assistant")[i % 2], "content": f"turn {i}"} for i in range(60)]
    assert client.post("/api/ask", json={"question": "ok?", "history": turns}).status_code == 200
    history = fake.calls[-1][2]
    assert len(history) == 50 and history[-1].content == "turn 59"
    messages = [*turns, *turns, {"role": "user", "content": "ok?"}]
    r = client.post("/v1/chat/completions", json={"model": "newsqa", "messages": messages})
    assert r.status_code == 200
    history = fake.calls[-1][2]
    assert len(history) == 99 and history[-1].content == "turn 59"


# ---------------------------------------------------------------- OpenAI request shapes


def test_openai_history_shapes(client: TestClient, fake: FakePipeline) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "look it up"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
        {"role": "tool", "tool_call_id": "c1", "content": "done"},
        {"role": "assistant", "content": "Found it."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": QUESTION},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                {"type": "input_audio", "input_audio": {"data": "", "format": "wav"}},
            ],
        },
    ]
    body = {"model": "newsqa", "messages": messages, "temperature": 0.7, "seed": 7, "user": "u1"}
    body |= {"response_format": {"type": "text"}, "top_p": 0.5, "surprise": {"x": 1}}
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    _, question, history, _ = fake.calls[-1]
    assert question == QUESTION
    assert [(t.role, t.content) for t in history] == [
        ("user", "look it up"),
        ("assistant", "Found it."),
    ]


def test_the_question_is_the_last_user_message(client: TestClient, fake: FakePipeline) -> None:
    messages = [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello"}]
    r = client.post("/v1/chat/completions", json={"model": "newsqa", "messages": messages})
    assert r.status_code == 200 and fake.calls[-1][1] == "Hi?"


def test_more_than_one_choice_is_400(client: TestClient, fake: FakePipeline) -> None:
    r = client.post("/v1/chat/completions", json=chat("ok?", n=2))
    assert r.status_code == 400
    error = error_of(r)
    assert error["param"] == "n" and "n=1" in error["message"]
    assert fake.calls == []
    assert client.post("/v1/chat/completions", json=chat("ok?", n=1)).status_code == 200


ANSWER = "Meta takes 49% of Scale [1]. Wang joins Meta [2]. Google pulls out [1]."


class ThreeSentences(FakePipeline):
    """Answers with three cited sentences, checked one sentence at a time."""

    def events(self, question: str) -> Iterator[StreamEvent]:
        for i, part in enumerate(ANSWER.split(". ")):
            yield Verified(part + ". " if i < 2 else part)
        cites = [
            Citation(n=n, source="a.txt", start=0, end=5, text="hello", score=0.5) for n in (1, 2)
        ]
        yield Answer(
            question=question,
            standalone_question=question,
            answer=ANSWER,
            refused=False,
            citations=cites,
            backend="fake",
            model="fake",
            prompt_tokens=10,
            completion_tokens=20,
        )


@pytest.fixture
def three(app: FastAPI, fake: FakePipeline) -> Iterator[TestClient]:
    from qa.serving.deps import get_pipeline

    app.dependency_overrides[get_pipeline] = lambda: ThreeSentences(fake.settings, fake.texts)
    with TestClient(app) as c:
        yield c
    app.dependency_overrides.clear()


def test_shape_text() -> None:
    assert shape_text(ANSWER) == (ANSWER, "stop")
    first = "Meta takes 49% of Scale [1]."
    assert shape_text(ANSWER, max_tokens=count_tokens(first) + 2) == (first, "length")
    assert shape_text(ANSWER, max_tokens=2) == ("", "length")
    assert shape_text(ANSWER, stops=["Wang", "Google"]) == (first + " ", "stop")


def stream_chunks(c: TestClient, **extra: Any) -> list[dict[str, Any]]:
    r = c.post("/v1/chat/completions", json=chat("ok?", stream=True, **extra))
    assert r.status_code == 200
    lines = [line[6:] for line in r.text.split("\n") if line.startswith("data: {")]
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("cap", ["max_tokens", "max_completion_tokens"])
def test_token_cap_drops_the_cut_sentence(three: TestClient, cap: str) -> None:
    body = three.post("/v1/chat/completions", json=chat("ok?", **{cap: 12})).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "length"
    text = choice["message"]["content"]
    assert text.startswith("Meta takes 49% of Scale [1].\n\nSources:\n[1] a.txt")
    assert "Wang" not in text and "[2] a.txt" not in text
    chunks = stream_chunks(three, **{cap: 12})
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert streamed == text and chunks[-1]["choices"][0]["finish_reason"] == "length"


def test_stop_sequences_end_the_shown_text(three: TestClient) -> None:
    body = three.post("/v1/chat/completions", json=chat("ok?", stop=["Google"])).json()
    text = body["choices"][0]["message"]["content"]
    assert "Wang joins Meta [2]." in text and "Google" not in text.split("Sources")[0]
    chunks = stream_chunks(three, stop="Wang")
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert streamed.startswith("Meta takes 49% of Scale [1].") and "Wang" not in streamed


def test_usage_only_when_asked_in_its_own_last_chunk(three: TestClient) -> None:
    plain = stream_chunks(three)
    assert all("usage" not in c for c in plain)
    asked = stream_chunks(three, stream_options={"include_usage": True})
    assert asked[-1]["choices"] == [] and asked[-1]["usage"]["total_tokens"] == 30
    assert all(c["usage"] is None for c in asked[:-1])
    assert asked[-2]["choices"][0]["finish_reason"] == "stop"


# ---------------------------------------------------------------- the schema says so


def test_openapi_documents_the_error_shape(app: FastAPI) -> None:
    schema = app.openapi()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorResponse"), (method, path, status)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    ask = schema["paths"]["/api/ask"]["post"]
    assert ask["security"][0] == {}  # no key configured: the bearer key is optional


def test_a_slow_oversized_body_gets_its_413_after_the_drain_time(monkeypatch: Any) -> None:
    """The rest of an oversized body is read for at most DRAIN_TIMEOUT_S: a sender that
    stalls mid-body still gets its 413."""
    import anyio

    from qa.serving import limits

    monkeypatch.setattr(limits, "DRAIN_TIMEOUT_S", 0.2)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 413, "headers": []})
        await send({"type": "http.response.body", "body": b"too large"})

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await anyio.sleep(30)  # a client that stops sending
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    async def main() -> None:
        scope = {"type": "http", "headers": [(b"content-length", b"2000000")]}
        with anyio.fail_after(5):
            await limits.ShapedBodyLimitMiddleware(app)(scope, receive, send)

    anyio.run(main)
    assert sent[0]["status"] == 413
