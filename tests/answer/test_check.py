"""The answer check on its own: raw generated text and passages in, a cited answer or a
refusal (None) out."""

from __future__ import annotations

import pytest

from index.embedder import Embedder
from qa.answer import NOT_IN_ARTICLES, CheckedAnswer, check_answer, says_not_known

from conftest import CONTEXT, passages_of


def check(
    raw: str, embedder: Embedder, *, requote: bool = True, texts: list[str] = CONTEXT
) -> CheckedAnswer | None:
    return check_answer(
        raw,
        passages_of(texts),
        embedder.encode_documents,
        question="How much was Scale worth before the deal?",
        requote_garbled=requote,
    )


@pytest.mark.parametrize("raw", ["", NOT_IN_ARTICLES, f"Sorry. {NOT_IN_ARTICLES.lower()}."])
def test_no_answer_is_a_refusal(raw: str, embedder: Embedder) -> None:
    assert check(raw, embedder) is None


def test_a_supported_answer_keeps_its_citation(embedder: Embedder) -> None:
    checked = check("Scale was worth $14 billion before the deal [2].", embedder)
    assert checked is not None and not checked.conflict
    assert checked.text == "Scale was worth $14 billion before the deal [2]."
    assert [(c.n, c.source) for c in checked.citations] == [(2, "s1.txt")]


def test_an_answer_nothing_supports_is_a_refusal(embedder: Embedder) -> None:
    assert check("Scale AI was founded in 1999 by Ada Lovelace [1].", embedder) is None


def test_a_garbled_figure_is_requoted_only_when_asked(embedder: Embedder) -> None:
    raw = "Scale was worth $14.5 billion before the deal [2]."
    checked = check(raw, embedder)
    assert checked is not None
    assert "14.5" not in checked.text and "$ 14 billion" in checked.text
    assert check(raw, embedder, requote=False) is None


def test_a_short_decline_is_a_refusal(embedder: Embedder) -> None:
    assert check("The passages do not mention Scale's worth [2].", embedder) is None


def test_sources_that_disagree_on_a_stated_role_are_noted(embedder: Embedder) -> None:
    texts = [
        "Openai's CFO said on Friday that the company will continue to work with Scale AI.",
        "OpenAI's CEO said on Friday that the company will continue working with Scale AI.",
    ]
    checked = check(
        "OpenAI's CFO said the company will keep working with Scale AI [1].", embedder, texts=texts
    )
    assert checked is not None and checked.conflict
    assert "disagree" in checked.text and {c.n for c in checked.citations} == {1, 2}


@pytest.mark.parametrize(
    ("text", "declines"),
    [
        ("NOT IN ARTICLES", True),
        ("I don’t know.", True),
        ("The articles do not say when.", True),
        ("The answer cannot be determined.", True),
        ("Meta takes 49% of Scale AI.", False),
        ("Google knows the amount: $200 million.", False),
    ],
)
def test_says_not_known(text: str, declines: bool) -> None:
    assert says_not_known(text) is declines
