"""Prompt builders produce exactly the text the model sees."""

from __future__ import annotations

from qa.models import ChatTurn, RetrievedPassage
from qa.prompts import (
    ANSWER_SYSTEM,
    REWRITE_INSTRUCTION,
    build_answer_messages,
    build_rewrite_messages,
)


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
    assert [m.type for m in messages] == ["system", "human"]
    assert messages[0].content == ANSWER_SYSTEM
    assert messages[1].content == (
        "Passages:\n[1] Google planned $ 200 million.\n[2] Other.\n\nQuestion: How much?"
    )
    assert "NOT IN ARTICLES" in ANSWER_SYSTEM
    assert "[2]" in ANSWER_SYSTEM


def test_rewrite_prompt_quotes_the_last_four_turns_and_shortens_long_ones() -> None:
    history = [ChatTurn(role="user", content=f"q{i}") for i in range(5)]
    history.append(ChatTurn(role="assistant", content="x" * 500))
    (message,) = build_rewrite_messages(" And last year? ", history)
    assert message.type == "human"
    assert message.content == (
        "Conversation:\nUser: q2\nUser: q3\nUser: q4\nAssistant: " + "x" * 300 + "…\n\n"
        "Follow-up question: And last year?\n\n" + REWRITE_INSTRUCTION
    )
