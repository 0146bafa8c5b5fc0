"""Prompt builders produce exactly the text the model sees."""

from __future__ import annotations

from qa.answer.prompts import (
    ANSWER_SYSTEM,
    REWRITE_INSTRUCTION,
    build_answer_messages,
    build_rewrite_messages,
)
from qa.types import ChatTurn, RetrievedPassage


def _passage(n: int, text: str) -> RetrievedPassage:
    return RetrievedPassage(
        id=f"a.txt:{n}",
        source="a.txt",
        start=0,
        end=len(text),
        text=text,
        score=0.1,
        dense_score=0.5,
    )


def test_answer_prompt_exact_text() -> None:
    messages = build_answer_messages(
        "  How much?  ", [_passage(1, "Google planned\n$ 200 million."), _passage(2, "Other.")]
    )
    assert [m.type for m in messages] == ["system", "human", "ai", "human"]
    assert messages[0].content == ANSWER_SYSTEM
    assert messages[1].content == (
        "Passages:\n"
        "[1] Acme Corp said on Tuesday it will buy Widget Co , the garden tools maker , for"
        " $ 3 billion.\n"
        "[2] Widget's chief executive, Dana Reyes, will join Acme's board after the deal.\n\n"
        "Question: How much is Acme paying for Widget?"
    )
    assert messages[2].content == "Acme is paying $3 billion for Widget Co [1]."
    assert messages[-1].content == (
        "Passages:\n[1] Google planned $ 200 million.\n[2] Other.\n\nQuestion: How much?"
    )
    assert "NOT IN ARTICLES" in ANSWER_SYSTEM
    assert "[2]" in ANSWER_SYSTEM


def test_the_prompt_opening_is_the_same_for_every_question() -> None:
    """llama.cpp reuses an evaluated prefix only when it is identical."""
    one = build_answer_messages("How much?", [_passage(1, "A.")])
    two = build_answer_messages("Who?", [_passage(1, "B."), _passage(2, "C.")])
    assert one[:-1] == two[:-1]


def test_rewrite_prompt_quotes_the_last_four_turns_and_shortens_long_ones() -> None:
    history = [ChatTurn(role="user", content=f"q{i}") for i in range(5)]
    history.append(ChatTurn(role="assistant", content="x" * 500))
    (message,) = build_rewrite_messages(" And last year? ", history)
    assert message.type == "human"
    assert message.content == (
        "Conversation:\nUser: q2\nUser: q3\nUser: q4\nAssistant: " + "x" * 300 + "…\n\n"
        "Follow-up question: And last year?\n\n" + REWRITE_INSTRUCTION
    )


def test_empty_passages_are_left_out_but_keep_their_numbers() -> None:
    passages = [_passage(1, "One."), _passage(2, " "), _passage(3, "Three.")]
    messages = build_answer_messages("Q?", passages)
    assert messages[-1].content == "Passages:\n[1] One.\n[3] Three.\n\nQuestion: Q?"
