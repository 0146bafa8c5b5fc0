"""The `sources` selection reaches the pipeline from every door; the article routes need a
pipeline with a library (the live tests drive them on a real server)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from conftest import FakePipeline, chat


def test_sources_reach_the_pipeline(client: TestClient, fake: FakePipeline) -> None:
    picked = ["000_bec98e61e1198193.txt", "story:000_bec98e61e1198193.txt"]
    assert client.post("/api/ask", json={"question": "Who?", "sources": picked}).status_code == 200
    r = client.post("/api/ask/stream", json={"question": "Who?", "sources": picked[:1]})
    assert r.status_code == 200
    assert client.post("/v1/chat/completions", json=chat("Who?", sources=picked)).status_code == 200
    assert client.post("/api/ask", json={"question": "Who?"}).status_code == 200
    assert fake.sources_asked == [picked, picked[:1], picked, None]


def test_article_routes_need_a_library(client: TestClient) -> None:
    r = client.get("/api/articles")
    assert r.status_code == 404 and "no article library" in r.json()["error"]["message"]


def test_uploads_have_their_own_body_limit(client: TestClient, fake: FakePipeline) -> None:
    # An article over the API's 256 KB body limit but under its own 2 MB reaches the route
    # (404 here: the fake has no library); the same body elsewhere is a 413.
    article = {"name": "long.txt", "text": "word " * 120_000}  # 600 KB
    assert client.post("/api/articles", json=article).status_code == 404
    assert client.post("/api/feedback", json=article).status_code == 413
    huge = {"name": "huge.txt", "text": "word " * 1_200_000}  # 6 MB
    r = client.post("/api/articles", json=huge)
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
