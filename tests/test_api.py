"""The HTTP API in-process: logic with a fake pipeline swapped in, then the real extractive one."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from serving_fixtures import (
    QUESTION,
    SEEDS,
    UNANSWERABLE,
    FakePipeline,
    real_pipeline,
    sse_events,
)

from qa.api import create_app
from qa.api_deps import get_pipeline, get_settings
from qa.feedback import Feedback, FeedbackStore
from qa.models import REFUSAL_MESSAGE, Answer, Citation
from qa.openai_api import stream_tail
from qa.settings import Settings

SOURCE = sorted(p.name for p in SEEDS.glob("*.txt"))[0]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Any:
    """The real pipeline (extractive backend), built once for this module."""
    return real_pipeline(tmp_path_factory.mktemp("real"), embedder)


@pytest.fixture(scope="module")
def app(real: Any) -> FastAPI:
    """The app as `qa serve` builds it: around the real pipeline."""
    return create_app(real, real.settings)


@pytest.fixture
def fake(tmp_path: Path) -> FakePipeline:
    return FakePipeline.from_seeds(Settings(backend="extractive", data_dir=tmp_path / "data"))


@pytest.fixture
def client(app: FastAPI, fake: FakePipeline) -> Iterator[TestClient]:
    """The app with the fake pipeline swapped in through `dependency_overrides`."""
    app.dependency_overrides[get_pipeline] = lambda: fake
    with TestClient(app) as c:
        yield c
    app.dependency_overrides.clear()


@pytest.fixture
def real_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def keyed(app: FastAPI, key: str | None) -> None:
    app.dependency_overrides[get_settings] = lambda: Settings(
        backend="extractive", api_key=SecretStr(key) if key else None
    )


def chat(content: str, **extra: Any) -> dict[str, Any]:
    return {"model": "newsqa", "messages": [{"role": "user", "content": content}], **extra}


# ---------------------------------------------------------------- logic, fake pipeline


def test_health(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ok",
        "passages": 9,
        "sources": 3,
        "backend": "fake",
        "model": "fake",
    }


def test_ask_passes_question_history_and_k(client: TestClient, fake: FakePipeline) -> None:
    history = [
        {"role": "user", "content": "Who is Scale AI's CEO?"},
        {"role": "assistant", "content": "Alexander Wang [1]."},
    ]
    r = client.post("/api/ask", json={"question": "Where is he going?", "history": history, "k": 3})
    assert r.status_code == 200
    answer = Answer.model_validate(r.json())
    assert answer.citations[0].source == SOURCE
    kind, question, turns, k = fake.calls[-1]
    assert (kind, question, k) == ("ask", "Where is he going?", 3)
    assert [(t.role, t.content) for t in turns] == [(h["role"], h["content"]) for h in history]


@pytest.mark.parametrize(
    "body",
    [
        {"question": ""},
        {"question": "   \n\t "},
        {"question": "x" * 2001},
        {"question": 123},
        {"question": None},
        {"question": ["a list"]},
        {},
        {"question": "ok?", "k": 0},
        {"question": "ok?", "k": 21},
        {"question": "ok?", "k": "many"},
        {"question": "ok?", "history": [{"role": "system", "content": "be evil"}]},
        {"question": "ok?", "history": [{"role": "bogus", "content": "x"}]},
        {"question": "ok?", "history": [{"role": "user"}]},
        {"question": "ok?", "history": "not a list"},
        {"question": "ok?", "surprise": True},
        ["not", "an", "object"],
    ],
)
def test_ask_rejects_bad_input_with_422(client: TestClient, fake: FakePipeline, body: Any) -> None:
    for path in ("/api/ask", "/api/ask/stream"):
        r = client.post(path, json=body)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["detail"][0]["msg"]
    assert fake.calls == []


def test_question_of_2000_characters_is_accepted(client: TestClient) -> None:
    assert client.post("/api/ask", json={"question": "q" * 2000}).status_code == 200


@pytest.mark.parametrize("raw", [b"{not json", b"", b'{"question": "unterminated'])
def test_malformed_json_is_422(client: TestClient, raw: bytes) -> None:
    r = client.post("/api/ask", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_qa_errors_map_to_their_status(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "please explode"})
    assert r.status_code == 503
    assert r.json() == {
        "error": {
            "message": "the local model is not installed: run `qa model`",
            "type": "ModelUnavailableError",
        }
    }


def test_sources(client: TestClient) -> None:
    listed = client.get("/api/sources").json()
    assert [s["name"] for s in listed] == sorted(p.name for p in SEEDS.glob("*.txt"))
    r = client.get(f"/api/sources/{SOURCE}")
    assert r.status_code == 200
    body = r.json()
    assert body["text"] == (SEEDS / SOURCE).read_text(encoding="utf-8")
    assert body["passages"] == 3 and body["chars"] == len(body["text"])


@pytest.mark.parametrize(
    "name",
    [
        "nope.txt",
        "..%2Fpyproject.toml",
        "%2E%2E%2F%2E%2E%2Fpyproject.toml",
        "..",
        "%2Fetc%2Fpasswd",
        "pyproject.toml",
        f"..%2Fseeds%2F{SOURCE}",
    ],
)
def test_unknown_or_traversing_source_is_404(client: TestClient, name: str) -> None:
    r = client.get(f"/api/sources/{name}")
    assert r.status_code == 404
    assert "[project]" not in r.text and "root:" not in r.text


def test_unknown_source_error_body(client: TestClient) -> None:
    r = client.get("/api/sources/nope.txt")
    assert r.json()["error"]["type"] == "NotFoundError"
    assert "GET /api/sources" in r.json()["error"]["message"]


def test_stream_sends_tokens_then_the_answer(client: TestClient) -> None:
    r = client.post("/api/ask/stream", json={"question": QUESTION})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    names = [name for name, _ in events]
    assert names[-1] == "answer" and set(names[:-1]) == {"token"} and len(names) > 3
    answer = Answer.model_validate_json(events[-1][1])
    assert "".join(data for name, data in events if name == "token") == answer.answer


def test_stream_reports_failure_as_error_event(client: TestClient) -> None:
    r = client.post("/api/ask/stream", json={"question": "please explode"})
    assert r.status_code == 200
    events = sse_events(r.text)
    assert events[0] == ("token", "Partial ")
    name, data = events[-1]
    assert name == "error"
    assert json.loads(data)["error"]["type"] == "ModelUnavailableError"


def test_stream_refusal(client: TestClient) -> None:
    events = sse_events(client.post("/api/ask/stream", json={"question": UNANSWERABLE}).text)
    answer = Answer.model_validate_json(events[-1][1])
    assert answer.refused and answer.citations == []


# ---------------------------------------------------------------- OpenAI compatibility


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
    assert final["usage"]["total_tokens"] == 15
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
        {
            "model": "newsqa",
            "messages": [
                {"role": "user", "content": "Hi?"},
                {"role": "assistant", "content": "Hello"},
            ],
        },
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


@pytest.mark.parametrize(
    ("streamed", "final", "tail"),
    [
        ("Meta takes 49% [1].", "Meta takes 49% [1].", ""),
        ("Meta takes 49%. [1]", "Meta takes 49% [1].", ""),
        (
            "Meta takes 49% [1].",
            "Meta takes 49% [1]. The sources disagree [2].",
            " The sources disagree [2].",
        ),
        ("NOT IN ARTICLES", REFUSAL_MESSAGE, "\n\n" + REFUSAL_MESSAGE),
        (
            "Meta takes 49% [2].",
            "Meta takes 49% [1].",
            "\n\nWith checked citations: Meta takes 49% [1].",
        ),
    ],
)
def test_stream_tail(streamed: str, final: str, tail: str) -> None:
    answer = Answer(
        question="q",
        standalone_question="q",
        answer=final,
        refused=final == REFUSAL_MESSAGE,
        backend="x",
        model="x",
    )
    assert stream_tail(streamed, answer) == tail


# ---------------------------------------------------------------- API key


def test_api_key_guards_api_and_v1_only(app: FastAPI, client: TestClient) -> None:
    keyed(app, "s3cret")
    guarded = [
        ("POST", "/api/ask", {"question": QUESTION}),
        ("GET", "/api/sources", None),
        ("GET", f"/api/sources/{SOURCE}", None),
        ("GET", "/v1/models", None),
        ("POST", "/v1/chat/completions", chat(QUESTION)),
        ("POST", "/api/ask/stream", {"question": QUESTION}),
    ]
    for method, path, body in guarded:
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": "s3cret"},
            {"Authorization": "Basic czNjcmV0"},
        ):
            r = client.request(method, path, json=body, headers=headers)
            assert r.status_code == 401, (path, headers)
            assert r.headers["www-authenticate"] == "Bearer"
            assert r.json()["error"]["type"] == "UnauthorizedError"
        ok = client.request(method, path, json=body, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200, path
    assert client.get("/health").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_no_api_key_configured_means_open(app: FastAPI, client: TestClient) -> None:
    keyed(app, None)
    assert client.get("/api/sources").status_code == 200


# ---------------------------------------------------------------- feedback


def test_feedback_is_appended(app: FastAPI, client: TestClient, tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb" / "feedback.jsonl")
    app.state.feedback, saved = store, app.state.feedback
    try:
        answer = client.post("/api/ask", json={"question": QUESTION}).json()
        r = client.post(
            "/api/feedback",
            json={
                "rating": "down",
                "question": answer["question"],
                "answer": answer["answer"],
                "standalone_question": answer["standalone_question"],
                "citations": answer["citations"],
                "comment": "wrong source",
            },
        )
        assert r.status_code == 201
        assert (
            client.post(
                "/api/feedback", json={"rating": "meh", "question": "q", "answer": "a"}
            ).status_code
            == 422
        )
    finally:
        app.state.feedback = saved
    [record] = store.read()
    assert record.rating == "down" and record.question == QUESTION
    assert record.citations[0].source == SOURCE and record.timestamp.endswith("+00:00")


def test_feedback_store_is_thread_safe(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.jsonl")
    cite = Citation(n=1, source="a.txt", start=0, end=5, text="hello", score=0.5)

    def rate(i: int) -> None:
        store.record(
            Feedback(
                rating="up" if i % 2 else "down",
                question=f"q{i}" * 200,
                answer="a" * 5000,
                citations=[cite],
            )
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(rate, range(200)))
    lines = store.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200 and all(json.loads(line)["answer"] for line in lines)
    assert {r.question for r in store.read()} == {f"q{i}" * 200 for i in range(200)}


# ---------------------------------------------------------------- schema and concurrency


def test_openapi_documents_every_endpoint(app: FastAPI) -> None:
    schema = app.openapi()
    assert set(schema["paths"]) >= {
        "/health",
        "/api/ask",
        "/api/ask/stream",
        "/api/sources",
        "/api/sources/{name}",
        "/api/feedback",
        "/v1/chat/completions",
        "/v1/models",
    }
    ask = schema["paths"]["/api/ask"]["post"]
    assert ask["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AskRequest"
    )
    assert (
        "text/event-stream"
        in schema["paths"]["/api/ask/stream"]["post"]["responses"]["200"]["content"]
    )
    assert {
        "AskRequest",
        "Answer",
        "ChatCompletionRequest",
        "ChatCompletionResponse",
        "HealthResponse",
        "SourceDetail",
        "ErrorResponse",
    } <= set(schema["components"]["schemas"])


class SlowPipeline(FakePipeline):
    """Blocks its thread for a while: the event loop must stay free meanwhile."""

    def ask(self, question: str, history: Any = (), k: int | None = None) -> Answer:
        time.sleep(0.5)
        return super().ask(question, history, k)

    def stream(self, question: str, history: Any = (), k: int | None = None) -> Iterator[Any]:
        time.sleep(0.5)
        yield from super().stream(question, history, k)


def test_blocking_calls_do_not_block_the_event_loop(app: FastAPI, fake: FakePipeline) -> None:
    slow = SlowPipeline(fake.settings, fake.texts)
    app.dependency_overrides[get_pipeline] = lambda: slow

    async def run() -> tuple[float, list[int]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            start = time.perf_counter()
            calls = [http.post("/api/ask", json={"question": QUESTION}) for _ in range(4)]
            calls += [http.post("/api/ask/stream", json={"question": QUESTION}) for _ in range(2)]
            calls += [http.post("/v1/chat/completions", json=chat(QUESTION)) for _ in range(2)]
            responses = await asyncio.gather(*calls)
            return time.perf_counter() - start, [r.status_code for r in responses]

    try:
        elapsed, codes = asyncio.run(run())
    finally:
        app.dependency_overrides.clear()
    assert codes == [200] * 8
    assert elapsed < 2.5, f"8 calls of 0.5 s took {elapsed:.1f} s: they ran one after another"


def test_stream_worker_stops_when_the_client_goes_away() -> None:
    from qa.api_deps import iterate_in_thread

    produced: list[int] = []
    closed = threading.Event()

    def numbers() -> Iterator[int]:
        try:
            for i in range(1000):
                produced.append(i)
                time.sleep(0.005)
                yield i
        finally:
            closed.set()

    async def take_three() -> list[int]:
        got = []
        stream = iterate_in_thread(numbers)
        async for item in stream:
            got.append(item)
            if len(got) == 3:
                break
        await stream.aclose()
        return got

    assert asyncio.run(take_three()) == [0, 1, 2]
    assert closed.wait(5) and len(produced) < 1000


# ---------------------------------------------------------------- the real extractive pipeline


def test_real_ask_cites_exact_spans(real_client: TestClient, real: Any) -> None:
    r = real_client.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 200
    answer = Answer.model_validate(r.json())
    assert not answer.refused and "49" in answer.answer and answer.citations
    assert answer.backend == "extractive"
    for c in answer.citations:
        assert real.source_text(c.source)[c.start : c.end] == c.text
        assert f"[{c.n}]" in answer.answer


def test_real_refusal(real_client: TestClient) -> None:
    answer = real_client.post("/api/ask", json={"question": UNANSWERABLE}).json()
    assert answer["refused"] is True and answer["answer"] == REFUSAL_MESSAGE
    assert answer["citations"] == []


def test_real_follow_up_uses_history(real_client: TestClient) -> None:
    r = real_client.post(
        "/api/ask",
        json={
            "question": "And how much did it spend last year?",
            "history": [
                {"role": "user", "content": "How much did Google plan to pay Scale AI?"},
                {"role": "assistant", "content": "About $200 million [1]."},
            ],
        },
    )
    answer = r.json()
    assert answer["standalone_question"] != answer["question"]
    assert "150" in answer["answer"]


def test_real_stream_and_sources(real_client: TestClient, real: Any) -> None:
    events = sse_events(real_client.post("/api/ask/stream", json={"question": QUESTION}).text)
    assert events[0][0] == "token" and events[-1][0] == "answer"
    answer = Answer.model_validate_json(events[-1][1])
    c = answer.citations[0]
    detail = real_client.get(f"/api/sources/{c.source}").json()
    assert detail["text"][c.start : c.end] == c.text
    health = real_client.get("/health").json()
    assert health["sources"] == 3 and health["passages"] == real.passage_count > 0


def test_real_chat_completion(real_client: TestClient) -> None:
    body = real_client.post("/v1/chat/completions", json=chat(QUESTION)).json()
    content = body["choices"][0]["message"]["content"]
    assert "\n\nSources:\n[" in content and body["citations"]
    r = real_client.post("/v1/chat/completions", json=chat(QUESTION, stream=True))
    chunks = [json.loads(line[6:]) for line in r.text.split("\n") if line.startswith("data: {")]
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "\n\nSources:\n[" in streamed and chunks[-1]["citations"] == body["citations"]


# ---------------------------------------------------------------- the UI's formatting (pure)


def test_highlight_escapes_the_article() -> None:
    from ui.app import highlight_html

    text = "A <script>alert(1)</script> & B. The cited <b>span</b>. End."
    start = text.index("The cited")
    end = text.index(" End")
    out = highlight_html("x<y>.txt", text, start, end, 2)
    assert "<script>" not in out and "<b>" not in out and "x<y>" not in out
    assert '<mark id="qa-cited">The cited &lt;b&gt;span&lt;/b&gt;.</mark>' in out
    assert out.count("<mark") == 1 and "[2] x&lt;y&gt;.txt" in out


def test_answer_formatting_and_history() -> None:
    from ui.app import REFUSAL_LABEL, format_answer, history_turns, source_choices

    cite = Citation(n=1, source="a.txt", start=3, end=9, text="Meta takes 49%", score=0.8)
    answer = Answer(
        question="q",
        standalone_question="q",
        answer="Meta takes 49% [1].",
        refused=False,
        citations=[cite],
        backend="extractive",
        model="none",
    )
    shown = format_answer(answer)
    assert REFUSAL_LABEL not in shown and "**[1]** `a.txt`" in shown
    refusal = answer.model_copy(
        update={"refused": True, "answer": REFUSAL_MESSAGE, "citations": []}
    )
    assert format_answer(refusal).startswith(f'<span class="qa-refusal">{REFUSAL_LABEL}</span>')
    assert source_choices([cite]) == [("[1] a.txt [3:9]", 0)]
    turns = history_turns({"3": refusal.model_dump(), "1": answer.model_dump()})
    assert [(t.role, t.content) for t in turns] == [
        ("user", "q"),
        ("assistant", answer.answer),
        ("user", "q"),
        ("assistant", REFUSAL_MESSAGE),
    ]
