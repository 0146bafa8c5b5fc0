"""The tutorial baseline: its prompt, its refusals, its chunks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from qa.evaluation.baseline import build_baseline, build_stuff_prompt, says_dont_know


def test_stuff_prompt_exact_text() -> None:
    assert build_stuff_prompt("Who?", ["one", "two"]) == (
        "Use the following pieces of context to answer the question at the end. If you don't"
        " know the answer, just say that you don't know, don't try to make up an answer.\n\n"
        "one\n\ntwo\n\nQuestion: Who?\nHelpful Answer:"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I don’t know.", True),
        ("I do not know the answer.", True),
        ("", True),
        ("The context does not mention it.", True),
        ("Meta takes 49%.", False),
    ],
)
def test_says_dont_know(text: str, expected: bool) -> None:
    assert says_dont_know(text) is expected


def test_baseline_splits_the_seeds_and_cites_its_top_four(
    seeds_dir: Path, embedder: Any, chroma_client: Any
) -> None:
    chat = FakeListChatModel(responses=["Google planned about $200 million.", "I don't know."])
    baseline = build_baseline(seeds_dir, embedder, chat, client=chroma_client, model_name="fake")
    chunks = baseline.collection.count()
    assert chunks > 3

    got = baseline.ask("How much did Google plan to pay Scale AI this year?")
    assert not got.refused and len(got.citations) == 4 and got.retrieved == got.citations
    for c in got.citations:
        assert (seeds_dir / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.text
    assert any("200 million" in c.text for c in got.citations)
    assert baseline.ask("Who founded Scale AI?").refused

    again = build_baseline(seeds_dir, embedder, chat, client=chroma_client)
    assert again.collection.count() == chunks  # rebuilt, not appended
