"""Follow-up questions: detection and rewriting."""

from __future__ import annotations

import pytest

from qa.answer import (
    clean_rewrite,
    elliptical_rewrite,
    heuristic_rewrite,
    is_follow_up,
    pronoun_rewrite,
)
from qa.types import ChatTurn


def test_follow_up_detection_and_heuristic_rewrite() -> None:
    history = [ChatTurn(role="user", content="How much did Google plan to pay Scale AI?")]
    assert is_follow_up("And how much did it spend last year?", history)
    assert not is_follow_up("And how much did it spend last year?", [])
    assert not is_follow_up("What stake did Meta take in Scale AI?", history)
    # A pronoun about a subject the question names itself, new to the conversation.
    new_subject = "How many musicians will the Andes Philharmonic take on its Patagonia tour?"
    assert not is_follow_up(new_subject, history)
    assert is_follow_up("How much did Google pay it last year?", history)
    rewritten = heuristic_rewrite("And last year?", history)
    assert "Google" in rewritten and "Scale AI" in rewritten


def test_a_rewrite_that_answers_instead_gives_way_to_the_heuristic() -> None:
    history = [ChatTurn(role="user", content="How much did Google plan to pay Scale AI?")]
    question = "And last year?"
    assert clean_rewrite(
        "Question: How much did Google pay Scale AI last year?", question, history
    ) == ("How much did Google pay Scale AI last year?")
    answered = clean_rewrite("Google paid $150 million.", question, history)
    assert answered == heuristic_rewrite(question, history)
    assert clean_rewrite("", question, history) == heuristic_rewrite(question, history)


@pytest.mark.parametrize(
    ("last", "question", "standalone"),
    [
        ("Did Microsoft comment on the report?", "And xAI?", "Did xAI comment on the report?"),
        ("Who is the CEO of Handshake?", "And Labelbox's?", "Who is the CEO of Labelbox?"),
        (
            "How much did Google plan to pay Scale AI this year?",
            "what about Microsoft?",
            "How much did Microsoft plan to pay Scale AI this year?",
        ),
        ("Who is the CEO of Handshake?", "And the CFO?", None),  # another role, not subject
        ("Did Microsoft comment on the report?", "And the Chief Financial Officer?", None),
        ("Has Meta invested in Scale AI?", "And Google?", "Has Google invested in Scale AI?"),
        ("Did Microsoft comment on the report?", "And xAI.", "Did xAI comment on the report?"),
        ("How much did Scale AI earn in 2024?", "What about January?", None),  # a time
        ("How much did Scale AI earn in 2024?", "And Q3?", None),
        ("How much did Google plan to pay Scale AI?", "And how much last year?", None),
        ("what happened next?", "And xAI?", None),  # nothing named to replace
    ],
)
def test_an_elliptical_follow_up_asks_the_last_question_of_its_new_name(
    last: str, question: str, standalone: str | None
) -> None:
    history = [ChatTurn(role="user", content=last), ChatTurn(role="assistant", content="...")]
    assert elliptical_rewrite(question, history) == standalone


def test_names_after_an_opening_question_word_are_names() -> None:
    history = [ChatTurn(role="user", content="Did Microsoft comment on the report?")]
    assert "Microsoft" in heuristic_rewrite("And after that?", history)


def test_a_chain_of_elliptical_follow_ups_asks_the_last_full_question() -> None:
    history = [
        ChatTurn(role="user", content="Did Microsoft comment on the report?"),
        ChatTurn(role="assistant", content="No."),
        ChatTurn(role="user", content="And OpenAI?"),
        ChatTurn(role="assistant", content="No."),
    ]
    assert elliptical_rewrite("And Google?", history) == "Did Google comment on the report?"


def _turns(question: str, reply: str) -> list[ChatTurn]:
    return [ChatTurn(role="user", content=question), ChatTurn(role="assistant", content=reply)]


@pytest.mark.parametrize(
    ("last", "reply", "question", "standalone"),
    [
        # The name a reply gives is what the pronoun points back to.
        (
            "Which Elon Musk company also wants to stop working with Scale AI?",
            "xAI.",
            "Did it respond to a request for comment?",
            "Did xAI respond to a request for comment?",
        ),
        (
            "Who runs Handshake?",
            "Garrett Lord [1].",
            "What did he say?",
            "What did Garrett Lord say?",
        ),
        ("Who leads Scale AI?", "Wang.", "What is his title?", "What is Wang's title?"),
        (
            "Who is investigating?",
            "The Federal Trade Commission [1].",
            "What did it find?",
            "What did Federal Trade Commission find?",
        ),
        (
            "Did OpenAI stop working with Scale AI?",
            "OpenAI decided to pull back from Scale months ago [2].",
            "Did it say why?",
            "Did OpenAI say why?",
        ),
        (
            "Who is pulling back?",
            "Google and Microsoft are pulling back [1].",
            "Why are they leaving?",
            "Why are Google and Microsoft leaving?",
        ),
        # A capitalised function word is no name: "He", "I".
        (
            "What did Lord say?",
            "He said demand tripled [1].",
            "Did he say why?",
            "Did Lord say why?",
        ),
        ("What is it?", "I could not find that.", "Did it end?", None),
        # A reply naming nothing, two kinds of pronoun, no pronoun, an impersonal "it", a
        # pronoun after the question's own name.
        (
            "When was Scale AI founded?",
            "In 2016.",
            "What does it sell?",
            "What does Scale AI sell?",
        ),
        (
            "How much did Google spend on Scale AI last year?",
            "About $150 million.",
            "And how much is it planning to pay this year?",
            "And how much is Google planning to pay this year?",
        ),
        ("Which firm does Manu Sharma run?", "Labelbox.", "What does he expect it to earn?", None),
        ("Who runs Handshake?", "Garrett Lord.", "What about the deal?", None),
        (
            "Who bought a stake?",
            "Meta [1].",
            "Is it true that it paid $14 billion?",
            "Is it true that Meta paid $14 billion?",
        ),
        ("Who bought a stake?", "Meta [1].", "Did Google say it would leave?", None),
    ],
)
def test_a_pronoun_is_replaced_by_what_it_points_back_to(
    last: str, reply: str, question: str, standalone: str | None
) -> None:
    assert pronoun_rewrite(question, _turns(last, reply)) == standalone


def test_a_rewrite_asking_another_kind_of_question_gives_way() -> None:
    history = _turns("Which Elon Musk company also wants to leave Scale AI?", "xAI.")
    question = "Did it respond to a request for comment?"
    # A yes/no follow-up rewritten as a what-question, by a small model.
    asked_otherwise = "What did Elon Musk's company respond to a request for comment on?"
    assert clean_rewrite(asked_otherwise, question, history) == (
        "Did xAI respond to a request for comment?"
    )
    kept = "Did xAI respond to Reuters' request for comment?"
    assert clean_rewrite(kept, question, history) == kept


def test_a_rewrite_that_names_nothing_new_gives_way() -> None:
    history = _turns("Did OpenAI stop working with Scale AI?", "OpenAI pulled back months ago [1].")
    question = "Who at the company said it would still work with Scale?"
    assert clean_rewrite(question, question, history) == (
        "Who at the company said OpenAI would still work with Scale?"
    )
    named = "Who at OpenAI said OpenAI would still work with Scale?"
    assert clean_rewrite(named, question, history) == named


def test_a_rewrite_trading_the_pronoun_for_a_vague_phrase_gives_way() -> None:
    history = _turns("Did OpenAI stop working with Scale AI?", "OpenAI pulled back [1].")
    question = "Who at the company said it would still work with Scale?"
    vague = "Who at the company said the firm would still work with Scale?"
    assert clean_rewrite(vague, question, history) == (
        "Who at the company said OpenAI would still work with Scale?"
    )


def test_a_long_reply_leaves_the_pronoun_to_the_last_question() -> None:
    # A long reply names many things; the question's subject is what "it" points back to.
    reply = (
        "The Meta investment values Scale AI at $29 billion, up from $14 billion, and its CEO"
        " Alexander Wang moves to Meta [1]."
    )
    history = _turns("How much is Google paying Scale AI this year?", reply)
    assert pronoun_rewrite("And how much did it pay last year?", history) == (
        "And how much did Google pay last year?"
    )
