"""Conflicts between sources on a role or a number the answer states."""

from __future__ import annotations

import pytest

from index.embedder import Embedder
from qa.answer import find_conflicts
from qa.types import RetrievedPassage

TEXTS = [
    "Google had planned to pay Scale AI about $ 200 million this year for labelled data.",
    "Scale was worth $ 14 billion before the deal with Meta.",
    "Openai's CFO said on Friday that the company will continue to work with Scale AI.",
    "Handshake saw demand triple overnight, said its CEO Garrett Lord.",
]


def _passages(texts: list[str], sources: list[str] | None = None) -> list[RetrievedPassage]:
    sources = sources or [f"s{i}.txt" for i in range(len(texts))]
    return [
        RetrievedPassage(
            id=f"{s}:{i}", source=s, start=0, end=len(t), text=t, score=0.1, dense_score=0.6
        )
        for i, (t, s) in enumerate(zip(texts, sources, strict=True))
    ]


@pytest.mark.parametrize(
    ("other", "expect"),
    [
        ("The OpenAI CEO said on Friday that the company would continue to work with Scale.", True),
        ("OpenAI's CFO said on Friday the company would keep working with Scale AI.", False),
    ],
)
def test_conflict_on_who_said_it(embedder: Embedder, other: str, expect: bool) -> None:
    passages = _passages([TEXTS[2], other], ["a.txt", "b.txt"])
    found = find_conflicts(
        "OpenAI's CFO said the company will keep working with Scale.",
        [1],
        passages,
        embedder.encode_documents,
    )
    assert bool(found) is expect
    if expect:
        assert found[0].first_terms == ("cfo",) and found[0].second_terms == ("ceo",)


def test_no_conflict_on_what_the_answer_does_not_state(embedder: Embedder) -> None:
    passages = _passages(
        [
            "Openai's CFO said on Friday that the company will continue to work with Scale AI.",
            "The OpenAI CEO said on Friday that the company would continue to work with Scale.",
        ],
        ["a.txt", "b.txt"],
    )
    found = find_conflicts(
        "OpenAI said on Friday that it will keep working with Scale AI.",
        [1],
        passages,
        embedder.encode_documents,
    )
    assert found == []
