"""Thumbs up/down: appended through the API, safe across threads."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from qa.serving import Feedback, FeedbackStore
from qa.types import Citation

from conftest import QUESTION, SOURCE


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
