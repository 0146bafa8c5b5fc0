"""The admission queue: one question at a time, a bounded line behind it, positions for the
waiting, a 503 with Retry-After beyond the bound, and work stopped when a client leaves."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from qa.errors import BusyError
from qa.serving import create_app
from qa.serving.admission import MAX_RETRY_AFTER_S, Admission
from qa.settings import Settings
from qa.types import Answer, Queued, StreamEvent, Verified

from conftest import QUESTION, FakePipeline, LiveServer, chat, sse_events

A, B = Verified("a"), Verified("b")


def hold(admission: Admission) -> tuple[threading.Event, threading.Thread]:
    """A job holding the model until the returned event is set."""
    release, started = threading.Event(), threading.Event()
    ticket = admission.reserve()

    def job() -> Iterator[StreamEvent]:
        started.set()
        release.wait(30)
        yield Queued(-1)

    thread = threading.Thread(target=lambda: list(ticket.run(job)))
    thread.start()
    assert started.wait(10)
    return release, thread


def test_free_model_means_no_wait() -> None:
    admission = Admission(max_queue=0)
    events = list(admission.reserve().run(lambda: iter([A, B])))
    assert events == [A, B]
    assert admission.waiting == 0 and admission.running == 0


def test_full_line_is_refused_at_once_and_positions_count_down() -> None:
    admission = Admission(max_queue=2)
    release, thread = hold(admission)
    first, second = admission.reserve(), admission.reserve()
    with pytest.raises(BusyError) as refused:
        admission.reserve()
    assert refused.value.retry_after_s >= 1 and admission.waiting == 2
    seen: list[Any] = []
    waiter = threading.Thread(target=lambda: seen.extend(second.run(lambda: iter([B]))))
    waiter.start()
    first_events = first.run(lambda: iter([A]))
    assert next(first_events) == Queued(1)  # one running ahead of it
    release.set()
    thread.join(10)
    assert list(first_events) == [A]
    waiter.join(10)
    assert seen[0] == Queued(2) and seen[-1] == B
    assert admission.waiting == 0 and admission.running == 0


def test_retry_after_is_bounded_below_the_keep_alive() -> None:
    """A slow job's estimate is capped, so a client waiting as told finds its connection open."""
    from qa.server import KEEP_ALIVE_S

    admission = Admission(max_queue=0, first_job_s=900.0)
    release, thread = hold(admission)
    with pytest.raises(BusyError) as refused:
        admission.reserve()
    release.set()
    thread.join(10)
    assert refused.value.retry_after_s == MAX_RETRY_AFTER_S < KEEP_ALIVE_S


def test_a_ticket_dropped_unused_gives_its_place_up() -> None:
    admission = Admission(max_queue=1)
    release, thread = hold(admission)
    admission.reserve()  # never run, never kept
    gc.collect()
    assert admission.waiting == 0
    ticket = admission.reserve()
    events = ticket.run(lambda: iter([A]))
    assert next(events) == Queued(1)
    events.close()  # a waiting stream closed: it leaves the line
    assert admission.waiting == 0
    release.set()
    thread.join(10)


# ---------------------------------------------------------------- over HTTP


class Gated(FakePipeline):
    """Holds each question until `gate` is set; counts the events it produced."""

    gate: threading.Event
    produced: int = 0

    def events(self, question: str) -> Iterator[StreamEvent]:
        for _ in range(200):
            self.gate.wait(0.05)
            self.produced += 1
            yield Queued(-1)  # any event: lets the consumer stop the work
            if self.gate.is_set():
                break
        yield self._answer(question)


@pytest.fixture
def gated(tmp_path: Any) -> tuple[FastAPI, Gated]:
    settings = Settings(backend="extractive", data_dir=tmp_path, max_queue=1)
    texts = FakePipeline.from_seeds(settings).texts
    pipeline = Gated(settings, texts)
    pipeline.gate = threading.Event()
    return create_app(pipeline, settings), pipeline


def test_every_door_shares_the_queue_503_beyond_it(gated: tuple[FastAPI, Gated]) -> None:
    app, pipeline = gated

    async def run() -> tuple[list[Any], dict[str, Any], list[tuple[str, str]]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            running = asyncio.ensure_future(http.post("/api/ask", json={"question": QUESTION}))
            await asyncio.sleep(0.3)
            waiting = asyncio.ensure_future(
                http.post("/api/ask/stream", json={"question": QUESTION})
            )
            await asyncio.sleep(0.3)
            health = (await http.get("/health")).json()
            refused = [
                await http.post("/api/ask", json={"question": QUESTION}),
                await http.post("/v1/chat/completions", json=chat(QUESTION)),
                await http.post("/api/ask/stream", json={"question": QUESTION}),
            ]
            pipeline.gate.set()
            await running
            streamed = await waiting
            return refused, health, sse_events(streamed.text)

    refused, health, events = asyncio.run(run())
    assert health["queue"] == 1 and health["max_queue"] == 1
    for r in refused:
        assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1
        assert r.json()["error"]["code"] == "queue_full"
    assert events[0] == ("queued", '{"position": 1}') and events[-1][0] == "answer"


def test_a_client_leaving_a_plain_ask_stops_the_work(gated: tuple[FastAPI, Gated]) -> None:
    app, pipeline = gated
    admission: Admission = app.state.admission

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            call = asyncio.ensure_future(http.post("/api/ask", json={"question": QUESTION}))
            await asyncio.sleep(0.5)
            call.cancel()  # the client goes away mid-answer
            with pytest.raises(asyncio.CancelledError):
                await call
        for _ in range(100):
            if admission.running == 0:
                return
            await asyncio.sleep(0.05)

    asyncio.run(run())
    # The model was freed long before the 200 events a full answer would take.
    assert admission.running == 0 and pipeline.produced < 100
    assert not pipeline.gate.is_set()


def test_answer_is_not_lost_when_nothing_waits(tmp_path: Any) -> None:
    settings = Settings(backend="extractive", data_dir=tmp_path, max_queue=0)
    app = create_app(FakePipeline.from_seeds(settings), settings)
    transport = httpx.ASGITransport(app=app)

    async def run() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return await http.post("/api/ask", json={"question": QUESTION})

    r = asyncio.run(run())
    assert r.status_code == 200 and Answer.model_validate(r.json()).citations


@pytest.mark.server
def test_over_the_wire_a_client_giving_up_frees_the_model(gated: tuple[FastAPI, Gated]) -> None:
    """uvicorn tells the app the connection closed; the non-streamed answer stops."""
    app, pipeline = gated
    admission: Admission = app.state.admission
    with LiveServer(app) as live:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{live.url}/api/ask", json={"question": QUESTION}, timeout=1.0)
        for _ in range(100):
            if admission.running == 0:
                break
            threading.Event().wait(0.05)
        assert admission.running == 0 and pipeline.produced < 100
        # The next question gets the model at once.
        pipeline.gate.set()
        assert httpx.post(f"{live.url}/api/ask", json={"question": QUESTION}).status_code == 200
