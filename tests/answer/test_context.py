"""Context compaction keeps the sentences that answer the question."""

from __future__ import annotations

import pytest

from index.chunker import sentence_spans
from index.embedder import Embedder
from qa.answer.context import (
    compact_passages,
    covers_question,
    focus_passages,
    leans_on_previous,
    restates_question,
)
from qa.types import RetrievedPassage

TEXT = (
    "The company declined to comment. Sources said Google spent about $ 150 million last year "
    "on Scale AI's services. Other companies are also backing it."
)


def _p(text: str) -> RetrievedPassage:
    return RetrievedPassage(
        id="a", source="a.txt", start=5, end=5 + len(text), text=text, score=0.1, dense_score=0.5
    )


def test_keeps_the_answer_sentence_and_drops_the_rest(embedder: Embedder) -> None:
    (out,) = compact_passages(
        "How much did Google spend on Scale last year?", [_p(TEXT)], embedder.encode_documents
    )
    assert "$ 150 million" in out.text
    assert "declined to comment" not in out.text
    assert (out.start, out.end, out.source) == (5, 5 + len(TEXT), "a.txt")


def test_every_passage_keeps_its_best_sentence_and_zero_keeps_all(embedder: Embedder) -> None:
    passages = [_p(TEXT), _p("Handshake saw demand triple. Its CEO is Garrett Lord.")]
    out = compact_passages("Google spending", passages, embedder.encode_documents)
    assert all(p.text for p in out)
    same = compact_passages("Google", passages, embedder.encode_documents, keep_ratio=0)
    assert [p.text for p in same] == [p.text for p in passages]


def test_a_sentence_is_shown_once(embedder: Embedder) -> None:
    shared = "Sources said Google spent about $ 150 million last year on Scale AI's services."
    first = _p(f"The company declined to comment. {shared}")
    second = _p(f"{shared} Other companies are also backing it.")
    third = _p(shared)
    out = compact_passages(
        "How much did Google spend last year?", [first, second, third], embedder.encode_documents
    )
    texts = [p.text for p in out]
    assert sum(t.count("$ 150 million") for t in texts) == 1
    assert "$ 150 million" in texts[0] and texts[2] == ""
    assert [(p.start, p.end) for p in out] == [(p.start, p.end) for p in [first, second, third]]


QUOTED = (
    "Handshake saw demand triple. \u201cRates are up,\u201d said Jonathan Siddharth, CEO of"
    " Turing. \u201cThe big labs see that neutrality is no longer optional.\u201d"
    " Labelbox expects new revenue."
)


def test_a_kept_quotation_keeps_the_sentence_naming_its_speaker(embedder: Embedder) -> None:
    (out,) = compact_passages(
        "Which CEO said that neutrality is no longer optional for AI labs?",
        [_p(QUOTED)],
        embedder.encode_documents,
    )
    assert "neutrality" in out.text and "Jonathan Siddharth" in out.text
    assert "Handshake" not in out.text


@pytest.mark.parametrize(
    ("sentence", "leans"),
    [
        ("\u201cThe big labs see that neutrality is no longer optional.\u201d", True),
        ('"Demand tripled overnight."', True),
        ("He will take a senior role at Meta.", True),
        ("Its revenue was $ 870 million.", True),
        ("\u201cDemand tripled,\u201d said Garrett Lord.", False),
        ("Google planned to pay $200 million.", False),
        ("Then it said nothing.", False),
        ("The search giant held talks with rivals this week.", True),
        ("The company declined to comment.", True),
        ("The deal values Scale AI at $29 billion.", False),
        ("This year revenue rose.", False),
    ],
)
def test_sentences_that_lean_on_the_one_before(sentence: str, leans: bool) -> None:
    assert leans_on_previous(sentence) is leans


HEADED = (
    "By Anne Tong, Kenrik Kai and Crystal Hu\n"
    "Aalphabet’s San Francisco (Reuters), the biggest client, plans to cut ties. "
    "Sources told Reuters the talks were held this week. The report was confirmed."
)


def test_the_byline_is_kept_for_a_question_about_the_authors(embedder: Embedder) -> None:
    (out,) = compact_passages(
        "Who wrote the Reuters report?", [_p(HEADED)], embedder.encode_documents
    )
    assert "Anne Tong" in out.text


def test_a_respelled_name_in_the_question_counts_as_shared(embedder: Embedder) -> None:
    (out,) = compact_passages(
        "Who co-reported the story with Kenrick Cai?", [_p(HEADED)], embedder.encode_documents
    )
    assert "Anne Tong" in out.text


def test_the_focused_context_keeps_the_best_sentences_only(embedder: Embedder) -> None:
    passages = [_p(TEXT), _p(HEADED), _p(TEXT)]
    out = focus_passages(
        "How much did Google spend on Scale last year?", passages, embedder.encode_documents, top=2
    )
    shown = [p.text for p in out]
    assert "$ 150 million" in shown[0] and shown[2] == ""  # each sentence shown once
    assert sum(len(sentence_spans(p)) for p in shown) == 2


@pytest.mark.parametrize(
    ("claim", "question"),
    [
        (
            "AI companies fear Meta could learn about them through Scale.",
            "What do AI companies fear Meta could learn about them through Scale?",
        ),
        ("Reuters.", "What is the dateline of the Reuters story?"),
        (
            "Scale AI's rivals see more demand.",
            "Which of Scale AI's rivals see more demand?",
        ),
        ("Labelbox's CEO.", "Who is the CEO of label box?"),  # a respelling is the same word
    ],
)
def test_a_claim_made_of_the_question_s_own_words_restates_it(claim: str, question: str) -> None:
    assert restates_question(claim, question)


@pytest.mark.parametrize(
    ("claim", "question"),
    [
        ("Handshake says demand tripled.", "Which of Scale AI's rivals see more demand?"),
        ("Meta is taking 49%.", "What share of Scale AI is Meta taking?"),
        ("Google pays $200 million.", "Does Google pay $150 million?"),  # a new figure
        ("San Francisco.", "What is the dateline of the Reuters story?"),
    ],
)
def test_a_claim_adding_a_word_or_a_figure_does_not_restate(claim: str, question: str) -> None:
    assert not restates_question(claim, question)


def test_a_sentence_covers_a_question_holding_all_its_words_respelled_or_joined() -> None:
    sentence = "His CEO, Manu Sharma, told Reuters, the label box, another competitor, will grow."
    assert covers_question(sentence, "Who is the CEO of Labelbox?")
    assert covers_question(sentence, "Who is Labelbox's CEO?")
    assert not covers_question(sentence, "What is Labelbox valued at?")  # no "valued"
    assert not covers_question(
        "Scale AI had revenue of $870 million in 2024.", "What was Scale AI's revenue in 2023?"
    )
    assert not covers_question(sentence, "Who?")  # nothing asked about: nothing covered


def test_words_about_the_article_itself_or_its_truth_need_no_cover() -> None:
    declined = "Google, Microsoft and Openai declined to comment."
    assert covers_question(declined, "Did OpenAI comment on the Reuters report?")
    assert not covers_question(declined, "Did OpenAI comment on the deal?")
    stake = "Meta is taking a stake in Scale AI."
    assert covers_question(stake, "Is it true that Meta is taking a stake in Scale AI?")
    assert not covers_question(stake, "Is it true that Google is taking a stake in Scale AI?")
    # a report the story is about is a word of the question
    assert not covers_question(declined, "Did OpenAI comment on the report's findings?")
