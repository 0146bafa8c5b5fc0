"""The article library on a real server (uvicorn on 127.0.0.1, a temporary seeds folder):
upload, ask, replace, delete and drop a file into the folder, with no restart; the same with
Chroma in server mode (`chroma run`). Clients are real: httpx and the `openai` SDK."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from articles import (
    BEES,
    BEES_QUESTION,
    ORCHESTRA,
    ORCHESTRA_QUESTION,
    ORCHESTRA_V2,
    chroma_port,
    wait_for,
)

from qa.server import create_server_app

from conftest import ROOT, LiveServer, real_pipeline

pytestmark = pytest.mark.server

HTML = (ROOT / "tests" / "fixtures" / "harbor.html").read_text(encoding="utf-8")
KEY = "library-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
__all__ = ["chroma_port"]  # the fixture, imported for pytest


@pytest.fixture(scope="module", params=["embedded", "server"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, embedder: Any
) -> Iterator[tuple[LiveServer, Path]]:
    """The full app (API with a key, UI, folder watch) over a private seeds folder, with
    Chroma embedded or as a `chroma run` server."""
    extra: dict[str, Any] = {"api_key": KEY}
    if request.param == "server":
        extra |= {
            "chroma_mode": "server",
            "chroma_port": request.getfixturevalue("chroma_port"),
            "collection": "library-live",
        }
    root = tmp_path_factory.mktemp(f"live-{request.param}")
    pipeline = real_pipeline(root, embedder, **extra)
    with LiveServer(create_server_app(pipeline.settings, pipeline)) as server:
        yield server, pipeline.settings.seeds_dir


def ask(url: str, question: str, **extra: Any) -> dict[str, Any]:
    r = httpx.post(
        f"{url}/api/ask", json={"question": question, **extra}, headers=AUTH, timeout=120
    )
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def test_upload_ask_replace_delete_without_restart(live: tuple[LiveServer, Path]) -> None:
    server, _ = live
    url = server.url
    files = {"file": ("andes-tour.txt", ORCHESTRA.encode(), "text/plain")}
    assert httpx.post(f"{url}/api/articles", files=files, timeout=60).status_code == 401
    r = httpx.post(f"{url}/api/articles", files=files, headers=AUTH, timeout=120)
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "Andes Philharmonic Plans Patagonia Tour"

    answer = ask(url, ORCHESTRA_QUESTION)
    assert not answer["refused"] and "48" in answer["answer"]
    cited = answer["citations"][0]
    assert cited["source"] == "andes-tour.txt"
    assert cited["title"] == "Andes Philharmonic Plans Patagonia Tour"
    text = httpx.get(f"{url}/api/sources/andes-tour.txt", headers=AUTH).json()["text"]
    assert text[cited["start"] : cited["end"]] == cited["text"]

    r = httpx.put(
        f"{url}/api/articles/andes-tour.txt",
        json={"text": ORCHESTRA_V2},
        headers=AUTH,
        timeout=120,
    )
    assert r.status_code == 200, r.text
    answer = ask(url, ORCHESTRA_QUESTION)
    assert "63" in answer["answer"] and "48" not in answer["answer"]

    assert httpx.delete(f"{url}/api/articles/andes-tour.txt", timeout=60).status_code == 401
    r = httpx.delete(f"{url}/api/articles/andes-tour.txt", headers=AUTH, timeout=120)
    assert r.status_code == 204
    answer = ask(url, ORCHESTRA_QUESTION)
    assert answer["refused"]
    assert all(c["source"] != "andes-tour.txt" for c in answer["retrieved"])
    names = {a["name"] for a in httpx.get(f"{url}/api/articles", headers=AUTH).json()}
    assert "andes-tour.txt" not in names


def test_bad_uploads_are_4xx_naming_the_file(live: tuple[LiveServer, Path]) -> None:
    server, seeds = live
    url = f"{server.url}/api/articles"
    before = sorted(p.name for p in seeds.iterdir())
    escape = httpx.post(url, json={"name": "../escape.txt", "text": "x y z"}, headers=AUTH)
    assert escape.status_code == 400 and "plain file name" in escape.json()["error"]["message"]
    binary = {"file": ("logo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "text/plain")}
    r = httpx.post(url, files=binary, headers=AUTH)
    assert r.status_code == 422 and "logo.txt: a binary file" in r.json()["error"]["message"]
    r = httpx.post(url, json={"name": "empty.md", "text": "  \n"}, headers=AUTH)
    assert r.status_code == 422 and "empty.md: empty file" in r.json()["error"]["message"]
    r = httpx.post(url, content=b"not json", headers={**AUTH, "content-type": "text/plain"})
    assert r.status_code == 422 and "multipart/form-data" in r.json()["error"]["message"]
    assert sorted(p.name for p in seeds.iterdir()) == before


def test_html_upload_gives_title_author_date_and_url(live: tuple[LiveServer, Path]) -> None:
    server, _ = live
    files = {"file": ("harbor.html", HTML.encode(), "text/html")}
    r = httpx.post(f"{server.url}/api/articles", files=files, headers=AUTH, timeout=120)
    assert r.status_code == 201, r.text
    info = r.json()
    assert info["format"] == "html" and "Harbor Lights" in info["title"]
    assert (info["byline"], info["date"]) == ("Ola Nordmann", "2025-06-14")
    assert info["url"] == "https://news.example/harbor-lights"
    text = httpx.get(f"{server.url}/api/sources/harbor.html", headers=AUTH).json()["text"]
    assert "<p>" not in text and "12 million crown grant" in text
    assert httpx.delete(f"{server.url}/api/articles/harbor.html", headers=AUTH).status_code == 204


def test_a_file_dropped_in_the_folder_is_answered(live: tuple[LiveServer, Path]) -> None:
    server, seeds = live
    (seeds / "bees.md").write_text(BEES, encoding="utf-8")
    answer = wait_for(
        lambda: (a := ask(server.url, BEES_QUESTION)) and "730" in a["answer"] and a, 30, 0.5
    )
    assert answer["citations"][0]["title"] == "Lisbon Rooftop Beekeepers Harvest Record Honey"
    (seeds / "bees.md").unlink()
    wait_for(
        lambda: all(c["source"] != "bees.md" for c in ask(server.url, BEES_QUESTION)["retrieved"])
    )


def test_sources_selection_over_the_api_and_v1(live: tuple[LiveServer, Path]) -> None:
    server, _ = live
    articles = httpx.get(f"{server.url}/api/articles", headers=AUTH).json()

    def text(name: str) -> str:
        return str(httpx.get(f"{server.url}/api/sources/{name}", headers=AUTH).json()["text"])

    seed = next(a for a in articles if "49" in text(a["name"]))  # one that states the share
    answer = ask(server.url, "What share of Scale AI is Meta taking?", sources=[seed["name"]])
    assert {c["source"] for c in answer["retrieved"]} == {seed["name"]}
    group = ask(
        server.url, "What share of Scale AI is Meta taking?", sources=[seed["version_group"]]
    )
    assert len({c["source"] for c in group["retrieved"]}) > 1
    sdk = openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY)
    reply = sdk.chat.completions.create(
        model="newsqa",
        messages=[{"role": "user", "content": "What share of Scale AI is Meta taking?"}],
        extra_body={"sources": [seed["name"]]},
    )
    citations = reply.model_extra["citations"] if reply.model_extra else []
    assert citations and {c["source"] for c in citations} == {seed["name"]}
    bad = httpx.post(
        f"{server.url}/api/ask",
        json={"question": "What share?", "sources": ["nope.txt"]},
        headers=AUTH,
    )
    assert bad.status_code == 404 and "nope.txt" in bad.json()["error"]["message"]
