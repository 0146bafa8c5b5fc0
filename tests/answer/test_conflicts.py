"""Conflicts between sources on a role or a number the answer states."""

from __future__ import annotations

import pytest

from index.embedder import Embedder
from qa.answer import find_conflicts

from conftest import CONTEXT, passages_of


@pytest.mark.parametrize(
    ("other", "expect"),
    [
        ("The OpenAI CEO said on Friday that the company would continue to work with Scale.", True),
        ("OpenAI's CFO said on Friday the company would keep working with Scale AI.", False),
    ],
)
def test_conflict_on_who_said_it(embedder: Embedder, other: str, expect: bool) -> None:
    passages = passages_of([CONTEXT[2], other], ["a.txt", "b.txt"])
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
    passages = passages_of(
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
