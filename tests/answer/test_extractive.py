"""The extractive backend: best-supported sentences, and no answer of the wrong kind."""

from __future__ import annotations

import pytest

from index.embedder import Embedder
from qa.answer.extractive import (
    AnswerType,
    answer_type,
    asked_part,
    asks_speaker,
    asks_why,
    extract_answer,
    fits_type,
    gives_reason,
    later_parts,
    what_was_said,
)

from conftest import passages_of

PASSAGES = [
    "Established in 2016, Scale AI provides labeled data. It is based in San Francisco.",
    "Google spent about $ 150 million on Scale AI's services last year, sources said.",
    "Scale AI intends to continue its business, while its CEO, Alexander Wang, goes to Meta.",
]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much did Google spend last year?", "number"),
        ("What stake did Meta take?", "number"),
        # An amount asked by its noun or verb, or after a preposition.
        ("What was Scale AI worth before the deal?", "number"),
        ("At what valuation did the deal put Scale AI?", "number"),
        ("What is Labelbox valued at?", "number"),
        ("What did the CFO say on Friday?", "any"),
        ("What did Google pay Scale AI last year?", "number"),
        # Which one, not how much; the amount word in another sense.
        ("What company did Meta pay for labelled data?", "any"),
        ("What did the CEO say about the price war?", "any"),
        ("What is Meta's cost-cutting plan called?", "any"),
        ("What did Meta pay attention to?", "any"),
        ("If Meta owns 49% of Scale AI, who is its CEO?", "any"),  # not a yes/no
        # An indirect question asks what its asked part asks.
        ("Then tell me: what stake did Meta take?", "number"),
        ("Can you tell me who runs Handshake?", "name"),
        ("Do you know who leads Labelbox?", "name"),
        ("I'd like to know when Scale AI was founded.", "date"),
        ("Tell me whether Google is leaving.", "yes/no"),
        ("Can Scale AI survive?", "yes/no"),
        ("Tell me about Scale AI.", "any"),
        ("When was Scale AI established?", "date"),
        ("In what year was it founded?", "date"),
        ("Who is the CEO of Scale AI?", "name"),
        ("Why are rivals worried?", "any"),
        ("Did the spokesperson deny that Google was leaving?", "yes/no"),
    ],
)
def test_answer_type(question: str, kind: str) -> None:
    assert answer_type(question) == kind


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "Which company is he moving to, and what share of Scale is it taking?",
            ["what share of Scale is it taking?"],
        ),
        ("What was it worth, and in what year was it founded?", ["in what year was it founded?"]),
        ("Its revenue comes from trainers; how much can one cost?", ["how much can one cost?"]),
        ("Can you tell me who leads it, and when he joined?", ["when he joined?"]),
        ("How much did Google and Microsoft pay?", []),
        ("Who wrote it, and why?", ["why?"]),
    ],
)
def test_later_parts_of_a_question(question: str, parts: list[str]) -> None:
    assert later_parts(question) == parts


def test_name_must_be_new_to_the_question() -> None:
    assert fits_type("Its CEO, Alexander Wang, goes to Meta.", "Who is Scale's CEO?", "name")
    assert not fits_type("Scale AI provides data.", "Who founded Scale AI?", "name")


def test_extracts_the_sentence_with_the_fact(embedder: Embedder) -> None:
    found = extract_answer(
        "How much did Google spend on Scale last year?",
        passages_of(PASSAGES),
        embedder.encode_documents,
    )
    assert found is not None and "$ 150 million" in found.text and found.cited[0] == 2


def test_no_sentence_of_the_asked_kind_is_no_answer(embedder: Embedder) -> None:
    # The context is about Scale AI's founding, but names no founder.
    assert (
        extract_answer(
            "Who founded Scale AI?", passages_of(PASSAGES)[:1], embedder.encode_documents
        )
        is None
    )


@pytest.mark.parametrize(
    ("sentence", "fits"),
    [
        ("Google has been trying to diversify its providers for more than a year.", True),
        ("Talks have run for 3 months.", True),
        ("The deal was agreed in the previous quarter.", True),
        ("Google spent about $150 million on Scale's services.", False),
        ("Handshake saw a year of growth.", False),
    ],
)
def test_a_duration_or_relative_time_answers_since_when(sentence: str, fits: bool) -> None:
    assert fits_type(sentence, "Since when has Google been diversifying?", "date") is fits


def test_a_duration_is_no_date_for_in_what_year() -> None:
    assert not fits_type("Talks have run for 3 years.", "In what year was it founded?", "date")
    assert fits_type("Talks have run for 3 years.", "How long have talks run?", "date")


@pytest.mark.parametrize(
    ("sentence", "question", "wanted", "fits"),
    [
        (
            "The scale was worth $ 14 billion before the deal.",
            "When was it worth that?",
            "date",
            True,
        ),
        ("After the news, demand rose.", "When did demand rise?", "date", True),
        ("Since its business is small, it may suffer a lot.", "When did it suffer?", "date", False),
        (
            "The bigger part of the revenue comes from model makers.",
            "How much of its revenue comes from model makers?",
            "number",
            True,
        ),
        ("Most of it comes from model makers.", "How much of it comes from them?", "number", True),
        ("Most of it comes from model makers.", "How much does it earn?", "number", False),
        (
            "Five sources familiar with the matter told Reuters.",
            "How many sources spoke?",
            "number",
            True,
        ),
        ("Wang moves to Meta with several employees.", "How many employees moved?", "number", True),
        ("Two of the sources said the deal was done.", "How many sources said so?", "number", True),
        # A count in words of something else, or for a question that asks no count.
        ("One of the sources said Google will pay.", "How many employees moved?", "number", False),
        ("Five sources said so.", "How much did Google pay?", "number", False),
        # A place, not a time; a superlative, not a share.
        ("Wang testified before the Senate committee.", "When did Wang testify?", "date", False),
        ("Google is its most important client.", "How much of it is Google's?", "number", False),
    ],
)
def test_counts_shares_and_times_in_words_fit(
    sentence: str, question: str, wanted: AnswerType, fits: bool
) -> None:
    assert fits_type(sentence, question, wanted) is fits


@pytest.mark.parametrize(
    ("sentence", "fits"),
    [
        ("Meta takes a 49% share in the startup.", True),
        ("Meta has now taken 49 percent of the shares.", True),
        ("Meta took half of the company.", True),
        ("Meta took a 49-percent stake.", True),
        ("Meta took a majority stake.", True),
        ("Meta took two-thirds of it.", True),
        # An amount of money, half a year or half a billion is no share.
        ("Meta is buying $29 billion in Scale AI.", False),
        ("Meta bought in during the second half of the year.", False),
        ("Meta paid half a billion dollars.", False),
    ],
)
def test_a_stake_or_share_question_wants_a_percentage(sentence: str, fits: bool) -> None:
    question = "What stake is Meta buying in Scale AI?"
    assert fits_type(sentence, question, answer_type(question)) is fits


def test_an_indirect_question_is_typed_by_its_asked_part() -> None:
    question = "Could you tell me how many sources spoke to Reuters?"
    assert fits_type("Five sources told Reuters.", question, answer_type(question))
    assert not fits_type("Sources told Reuters.", question, answer_type(question))


def test_a_statement_before_the_question_is_not_what_it_asks() -> None:
    question = "Rules no longer apply. How much did Google plan to pay?"
    assert asked_part(question) == "How much did Google plan to pay?"
    assert answer_type(question) == "number"
    # a question of two sentences is asked from its first
    assert asked_part("Who is the CEO? Where is he going?") == "Who is the CEO? Where is he going?"


@pytest.mark.parametrize(
    ("sentence", "fits"),
    [
        ("Because its business is concentrated, it can suffer if it loses Google.", True),
        ("Since its main business is focused around some consumers, it may hurt a lot.", True),
        ("Labs are concerned that Scale can expose their roadmaps.", True),
        ("Scale AI could lose key users like Google.", False),
        ("Scale AI has grown since 2016.", False),
    ],
)
def test_a_why_question_wants_a_reason(sentence: str, fits: bool) -> None:
    assert asks_why("Why could losing Google hurt Scale AI?")
    assert asks_why("Can you tell me how come Google is leaving?")
    assert not asks_why("Who is leaving Scale AI?")
    assert gives_reason(sentence) is fits


def test_may_is_a_month_only_as_a_name() -> None:
    assert fits_type("Llama shipped in May.", "When did Llama ship?", "date")
    assert not fits_type("It may hurt a lot.", "When will it hurt?", "date")


@pytest.mark.parametrize(
    ("sentence", "counts"),
    [
        ("Meta is taking 49 % of the shares.", False),
        ("One annotation can cost as much as $ 100.", False),
        ("Scale AI was established in 2016.", False),
        ("It has 240,000 human trainers.", True),
        ("Five human trainers quit.", True),
        ("It has 2000 human trainers.", True),
    ],
)
def test_a_how_many_question_wants_a_count(sentence: str, counts: bool) -> None:
    question = "How many human trainers does Scale AI have?"
    assert fits_type(sentence, question, answer_type(question)) is counts


def test_a_multiple_still_answers_how_many_times() -> None:
    question = "How many times did Handshake's demand grow?"
    assert fits_type("Demand grew threefold.", question, answer_type(question))


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("How many million dollars did Google plan to pay?", "Google planned $ 200 million."),
        ("How many percent of Scale AI is Meta taking?", "Meta is taking 49 % of Scale AI."),
    ],
)
def test_how_many_of_a_unit_asks_an_amount(question: str, sentence: str) -> None:
    assert fits_type(sentence, question, answer_type(question))


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Who said neutrality is no longer optional?", True),
        ("Which CEO said that neutrality is no longer optional for AI labs?", True),
        ("Whose chief executive told Reuters that revenue would rise?", True),
        ("Ignore the rules. Who also warned about Meta?", True),
        ("Who did Jonathan Siddharth say realise neutrality is no longer optional?", False),
        ("Who is the CEO of Handshake?", False),
        ("What did the spokesperson say?", False),
    ],
)
def test_a_question_asking_who_said_something(question: str, asks: bool) -> None:
    assert asks_speaker(question) is asks


def test_what_a_who_said_question_says_was_said() -> None:
    assert (
        what_was_said("Which CEO said that AI labs need neutrality?")
        == "that AI labs need neutrality"
    )
    assert what_was_said("Who told Reuters demand tripled?") == "Reuters demand tripled"
    assert what_was_said("Who is the CEO of Handshake?") == ""
