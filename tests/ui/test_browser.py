"""The chat UI in a real headless chromium (Debian's, driven by Playwright), real pipeline."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from library.articles import ORCHESTRA, ORCHESTRA_QUESTION

from qa.server import create_server_app

from conftest import QUESTION, UNANSWERABLE, LiveServer, real_pipeline

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# "[n] file [start:end]", or "[n] Title (date) — file [start:end]" when the title is known.
LABEL = re.compile(r"^\[(\d+)\] (?:.+ — )?(\S+) \[(\d+):(\d+)\]$")

if not CHROMIUM.exists():
    pytest.skip(
        "/usr/bin/chromium is missing: apt-get install -y chromium chromium-driver",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[LiveServer]:
    pipeline = real_pipeline(tmp_path_factory.mktemp("ui"), embedder)
    with LiveServer(create_server_app(pipeline.settings, pipeline)) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[Any]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server.url}/")
    page.get_by_placeholder("Ask a question about the articles…").wait_for()
    yield page
    page.close()
    assert errors == []


def ask(page: Any, question: str) -> Any:
    """Type a question, press Ask, wait for the final answer; return its chat message."""
    before = page.locator("#qa-chat .bot-row").count()
    page.get_by_placeholder("Ask a question about the articles…").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    return wait_for_answer(page, before)


def wait_for_answer(page: Any, index: int) -> Any:
    """Wait until bot message `index` is final: it lists sources (their file names are
    code spans) or carries the refusal badge."""
    page.wait_for_function(
        "i => !!document.querySelectorAll('#qa-chat .bot-row')[i]"
        "?.querySelector('code, .qa-refusal')",
        arg=index,
        timeout=120_000,
    )
    return page.locator("#qa-chat .bot-row").nth(index)


def cited(server: LiveServer, label: str) -> str:
    """The text a source label `[n] name [start:end]` points at, read through the API."""
    match = LABEL.match(label)
    assert match, label
    _, name, start, end = match.groups()
    text = httpx.get(f"{server.url}/api/sources/{name}").json()["text"]
    return str(text[int(start) : int(end)])


def test_answer_sources_and_highlight(page: Any, server: LiveServer, tmp_path: Path) -> None:
    reply = ask(page, QUESTION)
    assert "49" in reply.inner_text() and "[1]" in reply.inner_text()

    # The first source is shown at once, its cited span highlighted.
    mark = page.locator("#qa-viewer mark")
    mark.wait_for(timeout=30_000)
    labels = page.locator("#qa-sources label")
    assert labels.count() >= 1
    first = labels.first.inner_text().strip()
    assert mark.inner_text() == cited(server, first)

    # Choosing another source shows that one.
    last = labels.last.inner_text().strip()
    labels.last.click()
    page.wait_for_function(
        "t => document.querySelector('#qa-viewer .qa-source-title')?.innerText.startsWith(t)",
        arg=last.rsplit(" [", 1)[0],
        timeout=30_000,
    )
    mark = page.locator("#qa-viewer mark")
    assert mark.inner_text() == cited(server, last)
    # The article scrolled so that the highlighted span is in view.
    box = page.locator("#qa-viewer .qa-article").bounding_box()
    spot = mark.bounding_box()
    assert box["y"] <= spot["y"] < box["y"] + box["height"]

    # Timings live in a closed accordion.
    assert not page.locator("#qa-timings").is_visible()
    page.get_by_text("Details: timing and retrieval").click()
    page.locator("#qa-timings").get_by_text("retrieve").wait_for(timeout=10_000)

    shot = tmp_path / "ui.png"
    page.screenshot(path=str(shot), full_page=True)
    shutil.copy(shot, "/tmp/ui.png")


def test_follow_up_refusal_example_and_feedback(page: Any, server: LiveServer) -> None:
    ask(page, "How much did Google plan to pay Scale AI this year?")
    follow = ask(page, "And how much did it spend last year?")
    assert "150" in follow.inner_text()

    refusal = ask(page, UNANSWERABLE)
    badge = refusal.locator(".qa-refusal")
    assert badge.inner_text().strip() == "Not in the articles"
    assert page.locator(".bot-row .qa-refusal").count() == 1  # answers carry no badge

    # Thumbs down on the first answer is stored with its question and citations.
    feedback = server.app.state.settings.feedback_path
    feedback.unlink(missing_ok=True)
    page.locator("#qa-chat").get_by_role("button", name="Dislike").first.click()
    for _ in range(100):
        if feedback.exists() and feedback.read_text(encoding="utf-8").strip():
            break
        page.wait_for_timeout(100)
    [record] = [json.loads(line) for line in feedback.read_text(encoding="utf-8").splitlines()]
    assert record["rating"] == "down"
    assert record["question"] == "How much did Google plan to pay Scale AI this year?"
    assert record["citations"] and record["standalone_question"]

    # An example question runs when clicked.
    bots = page.locator("#qa-chat .bot-row").count()
    page.get_by_text("Who is Scale AI's CEO?").click()
    assert "Sources" in wait_for_answer(page, bots).inner_text()

    # Clearing the chat forgets the conversation: a follow-up is no longer rewritten.
    page.locator("#qa-chat").get_by_role("button", name="Clear").click()
    page.wait_for_function("!document.querySelector('#qa-chat .bot-row')")
    ask(page, "And how much did it spend last year?")
    page.get_by_text("Details: timing and retrieval").click()
    page.locator("#qa-timings").get_by_text(
        "Standalone question: And how much did it spend last year?", exact=True
    ).wait_for(timeout=10_000)


def test_upload_in_the_articles_panel_then_ask_about_it(
    page: Any, server: LiveServer, tmp_path: Path
) -> None:
    # No floating "Conversation" label over the messages.
    assert page.locator("#qa-chat label", has_text="Conversation").count() == 0
    first = ask(page, QUESTION)

    page.get_by_text("Articles", exact=True).click()
    article = tmp_path / "andes-tour.txt"
    article.write_text(ORCHESTRA, encoding="utf-8")
    page.locator("#qa-upload-files input[type=file]").set_input_files(str(article))
    page.locator("#qa-upload").click()
    page.locator("#qa-article-status", has_text="Added andes-tour.txt").wait_for(timeout=60_000)
    page.wait_for_function(
        "t => document.querySelector('#qa-article-table')?.innerText.includes(t)",
        arg="Andes Philharmonic Plans Patagonia Tour",
        timeout=30_000,
    )

    reply = ask(page, ORCHESTRA_QUESTION)
    assert "48" in reply.inner_text()
    assert "Andes Philharmonic Plans Patagonia Tour" in reply.inner_text()
    label = page.locator("#qa-sources label").first.inner_text().strip()
    assert label.startswith("[1] Andes Philharmonic Plans Patagonia Tour — andes-tour.txt [")
    assert page.locator("#qa-viewer mark").inner_text() == cited(server, label)

    # The sources of an earlier answer open when it is selected in the chat.
    first.click()
    page.wait_for_function(
        "() => !document.querySelector('#qa-sources')?.innerText.includes('andes-tour.txt')",
        timeout=30_000,
    )
    assert "49" in page.locator("#qa-viewer").inner_text()

    # Removed again through the panel.
    page.locator("#qa-remove-name input").fill("andes-tour.txt")
    page.locator("#qa-remove-name input").press("Enter")
    page.locator("#qa-remove").click()
    page.locator("#qa-article-status", has_text="Removed andes-tour.txt").wait_for(timeout=60_000)
