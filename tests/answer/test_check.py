"""The answer check on its own: raw generated text and passages in, a cited answer or a
refusal (None) out. Each fault of issue 11 is a case here, as a kind (wrong entity, other
company's CEO, negation without support, garbled version, missing answer type...)."""

from __future__ import annotations

import pytest

from index.embedder import Embedder
from qa.answer import NOT_IN_ARTICLES, CheckedAnswer, check_answer, says_not_known

from conftest import CONTEXT, passages_of

# Two versions of one story and a third passage naming other companies' chief executives.
STORY = [
    "Google had planned to pay Scale AI about $ 200 million this year. Microsoft is also"
    " pulling back from Scale AI, as is xAI.",
    "Scale AI's CEO, Alexander Wang, is moving to Meta with several employees. Meta is"
    " taking a 49% stake.",
    "His CEO, Manu Sharma, told Reuters that Labelbox will generate hundreds of millions."
    " Handshake CEO Garrett Lord said demand tripled.",
    "Sources said Scale AI increased revenue of 70 870 million in 2024. Openai decided to"
    " back off a few months ago.",
    "The scale had revenue of $ 870 million in 2024, sources said. XAI did not respond to a"
    " request for comment.",
]


def check(
    raw: str,
    embedder: Embedder,
    *,
    question: str = "How much was Scale worth before the deal?",
    requote: bool = True,
    texts: list[str] = CONTEXT,
    entails: object = None,
    choose: object = None,
) -> CheckedAnswer | None:
    return check_answer(
        raw,
        passages_of(texts),
        embedder.encode_documents,
        question=question,
        requote_garbled=requote,
        entails=entails,  # type: ignore[arg-type]
        choose=choose,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("raw", ["", NOT_IN_ARTICLES, f"Sorry. {NOT_IN_ARTICLES.lower()}."])
def test_no_answer_is_a_refusal(raw: str, embedder: Embedder) -> None:
    assert check(raw, embedder) is None


def test_a_supported_answer_cites_its_sentence_numbered_from_one(embedder: Embedder) -> None:
    checked = check("Scale was worth $14 billion before the deal [2].", embedder)
    assert checked is not None and not checked.conflict and checked.complete
    assert checked.text == "Scale was worth $14 billion before the deal [1]."
    (c,) = checked.citations
    assert (c.n, c.source, c.text) == (1, "s1.txt", CONTEXT[1])
    assert (c.passage_start, c.passage_end) == (0, len(CONTEXT[1]))


def test_the_citation_is_the_supporting_sentence_not_the_passage(embedder: Embedder) -> None:
    checked = check(
        "Meta is taking a 49% stake [2].",
        embedder,
        question="What share of Scale AI is Meta taking?",
        texts=STORY,
    )
    assert checked is not None
    (c,) = checked.citations
    assert c.text == "Meta is taking a 49% stake."
    assert STORY[1][c.start - c.passage_start : c.end - c.passage_start] == c.text  # type: ignore[operator]
    assert (c.passage_start, c.passage_end) == (0, len(STORY[1]))


def test_citation_numbers_follow_first_use(embedder: Embedder) -> None:
    checked = check(
        "Alexander Wang is moving to Meta [2]. Meta is taking a 49% stake [2]. Google had"
        " planned to pay about $200 million this year [1].",
        embedder,
        question="What is happening at Scale AI?",
        texts=STORY,
    )
    assert checked is not None
    assert checked.text.count("[1]") == 2 and checked.text.endswith("this year [2].")
    assert [(c.n, c.source) for c in checked.citations] == [(1, "s1.txt"), (2, "s0.txt")]
    assert checked.citations[0].text == STORY[1]  # both sentences of passage 2


def test_an_answer_nothing_supports_is_a_refusal(embedder: Embedder) -> None:
    assert check("Scale AI was founded in 1999 by Ada Lovelace [1].", embedder) is None


def test_another_entity_with_the_same_words_fails(embedder: Embedder) -> None:
    # Google's $200 million, cited for Microsoft (a follow-up "And Microsoft?").
    checked = check(
        "Microsoft planned to pay Scale AI about $200 million this year [1].",
        embedder,
        question="How much did Microsoft plan to pay Scale AI this year?",
        texts=STORY,
    )
    assert checked is None


def test_another_company_s_ceo_fails(embedder: Embedder) -> None:
    checked = check(
        "Manu Sharma [3].",
        embedder,
        question="Who is Scale AI's CEO, and where is he going?",
        texts=STORY,
    )
    assert checked is None


def test_an_uncited_short_answer_gets_the_sentence_that_holds_it(embedder: Embedder) -> None:
    for raw, question, wanted in [
        ("Wang", "who is scale ai's ceo", "Alexander Wang"),
        ("49%", "What share of Scale AI is Meta taking?", "49%"),
    ]:
        checked = check(raw, embedder, question=question, texts=STORY)
        assert checked is not None and checked.complete, raw
        assert checked.text == f"{raw} [1]."
        assert wanted in checked.citations[0].text


def test_an_unsupported_negation_fails(embedder: Embedder) -> None:
    checked = check(
        "Alexander Wang did not move anywhere after the deal [2].",
        embedder,
        question="What did Alexander Wang do after the deal?",
        texts=STORY,
    )
    assert checked is None


def test_a_supported_negation_passes(embedder: Embedder) -> None:
    checked = check(
        "XAI did not respond to a request for comment [5].",
        embedder,
        question="Did xAI respond to a request for comment?",
        texts=STORY,
    )
    assert checked is not None and "did not respond" in checked.citations[0].text


def test_a_when_answer_without_a_time_is_completed_from_its_sentence(
    embedder: Embedder,
) -> None:
    checked = check(
        "OpenAI decided to pull back [4].",
        embedder,
        question="When did OpenAI decide to pull back from Scale AI?",
        texts=STORY,
    )
    assert checked is not None and checked.complete
    assert "months ago" in checked.text
    assert "months ago" in checked.citations[0].text


def test_what_is_known_and_what_is_not(embedder: Embedder) -> None:
    texts = ["Openai decided to back off from Scale AI, sources said.", STORY[1]]
    checked = check(
        "OpenAI decided to back off from Scale AI [1].",
        embedder,
        question="When did OpenAI decide to back off from Scale AI?",
        texts=texts,
    )
    assert checked is not None and not checked.complete
    assert checked.text == (
        "The articles say that OpenAI decided to back off from Scale AI [1], but not when."
    )
    assert checked.citations[0].text == texts[0]


def test_how_much_without_an_amount_is_not_an_answer(embedder: Embedder) -> None:
    texts = ["Google plans to pay Scale AI for labelled data this year."]
    checked = check(
        "Google plans to pay Scale AI this year [1].",
        embedder,
        question="How much does Google plan to pay Scale AI this year?",
        texts=texts,
    )
    assert checked is not None and not checked.complete
    assert checked.text.endswith("but not how much.")


def test_the_clean_version_of_a_figure_is_preferred(embedder: Embedder) -> None:
    checked = check(
        "Scale AI's revenue in 2024 was 70 870 million [4].",
        embedder,
        question="What was Scale AI's revenue in 2024?",
        texts=STORY,
    )
    assert checked is not None
    assert "70 870" not in checked.text and "$870 million" in checked.text


def test_a_garbled_figure_is_requoted_only_when_asked(embedder: Embedder) -> None:
    raw = "Scale was worth $14.5 billion before the deal [2]."
    checked = check(raw, embedder)
    assert checked is not None
    assert "14.5" not in checked.text and "$ 14 billion" in checked.text
    assert check(raw, embedder, requote=False) is None


def test_a_requote_must_answer_the_question(embedder: Embedder) -> None:
    # The figure resembles one of the passage, but the sentence is about other things: the
    # old repair quoted it anyway (no floor); now the claim is dropped.
    texts = ["Scale AI serves customers from 15 countries, including car makers."]
    checked = check(
        "Gemini is fed by 1.5 million labels [1].",
        embedder,
        question="Which product does Scale AI's data feed?",
        texts=texts,
    )
    assert checked is None


def test_a_list_never_names_what_the_question_is_about(embedder: Embedder) -> None:
    checked = check(
        "Microsoft, Scale AI and xAI are pulling back from Scale AI [1].",
        embedder,
        question="Which companies are pulling back from Scale AI?",
        texts=STORY,
    )
    assert checked is not None
    assert checked.text.startswith("Microsoft and xAI are pulling back")
    both = check(
        "Microsoft and xAI are pulling back from Scale AI [1].",
        embedder,
        question="Are Microsoft and xAI pulling back from Scale AI?",
        texts=STORY,
    )
    assert both is not None and both.text.startswith("Microsoft and xAI")


def test_a_question_about_a_denial_needs_a_sentence_that_denies(embedder: Embedder) -> None:
    question = "What has Microsoft denied about its plans for Scale AI?"
    claim = "Microsoft is also pulling back from Scale AI [1]."
    assert check(claim, embedder, question=question, texts=STORY) is None
    # A yes/no question about a denial may be answered with what the sentence says.
    asked = "Did Microsoft deny that it is pulling back from Scale AI?"
    assert check(claim, embedder, question=asked, texts=STORY) is not None
    # A negation in a statement before the question asks about no denial.
    asked = "Rules no longer apply. Which companies are pulling back from Scale AI?"
    assert check(claim, embedder, question=asked, texts=STORY) is not None


def test_a_name_answers_a_role_only_from_a_sentence_giving_the_role_to_the_asked_owner(
    embedder: Embedder,
) -> None:
    meta = "Who is the CEO of Meta?"
    assert check("Alexander Wang [2].", embedder, question=meta, texts=STORY) is None
    asked = "Who is Scale AI's chief executive?"
    kept = check("Alexander Wang [2].", embedder, question=asked, texts=STORY)
    assert kept is not None and kept.complete
    # A question that asks no one's name is left to the other checks.
    said = check(
        "A spokesperson said Scale AI will not comment on Google [1].",
        embedder,
        question="What did Scale AI's spokesperson decline to comment on?",
        texts=["In response, a spokesperson said Scale AI will not comment on Google."],
    )
    assert said is not None


def test_a_claim_giving_no_reason_for_a_why_question_gives_way_to_its_sentence(
    embedder: Embedder,
) -> None:
    texts = [
        "Because his main business is concentrated around several customers, Scale AI can"
        " suffer significantly if it loses key customers like Google."
    ]
    question = "Why could losing Google hurt Scale AI?"
    checked = check(
        "Scale AI could lose key customers like Google [1].",
        embedder,
        question=question,
        texts=texts,
    )
    assert checked is not None and checked.text.startswith("Because his main business")
    # A claim that gives a reason stays as the model said it.
    said = "Scale AI can suffer because its business is concentrated around several customers [1]."
    kept = check(said, embedder, question=question, texts=texts)
    assert kept is not None and kept.text == said


def test_a_list_keeps_the_items_its_sentences_support(embedder: Embedder) -> None:
    checked = check(
        "Microsoft, xAI and Amazon are pulling back from Scale AI [1].",
        embedder,
        question="Which companies are pulling back from Scale AI?",
        texts=STORY,
    )
    assert checked is not None
    assert checked.text.startswith("Microsoft and xAI are pulling back")
    assert "Amazon" not in checked.text


class _Reader:
    """A fake reader that picks a fixed name and records what it was asked."""

    def __init__(self, pick: str | None) -> None:
        self.pick = pick
        self.asked: list[tuple[str, str, list[str]]] = []

    def __call__(self, question: str, evidence: str, options: list[str]) -> str | None:
        self.asked.append((question, evidence, list(options)))
        return self.pick


def test_a_name_the_reader_does_not_pick_is_repaired_to_its_pick(embedder: Embedder) -> None:
    reader = _Reader("Meta")
    checked = check(
        "Scale AI [2].",
        embedder,
        question="Which company is Alexander Wang joining?",
        texts=STORY,
        choose=reader,
    )
    assert checked is not None and checked.text == "Meta [1]."
    # It was asked about the cited sentence's names, the question's own left out.
    question, evidence, options = reader.asked[0]
    assert question == "Which company is Alexander Wang joining?"
    assert "moving to Meta" in evidence
    assert options == ["Scale AI", "Meta"]
    assert checked.citations[0].text == evidence


@pytest.mark.parametrize("pick", ["Alexander Wang", None])
def test_a_name_the_reader_picks_or_cannot_tell_is_kept(
    pick: str | None, embedder: Embedder
) -> None:
    checked = check(
        "Alexander Wang [2].",
        embedder,
        question="Who is Scale AI's CEO?",
        texts=STORY,
        choose=_Reader(pick),
    )
    assert checked is not None and checked.text == "Alexander Wang [1]."


def test_a_pick_that_follows_the_options_order_changes_nothing(embedder: Embedder) -> None:
    asked: list[list[str]] = []

    def first_option(question: str, evidence: str, options: list[str]) -> str:
        asked.append(list(options))
        return options[0]

    checked = check(
        "Meta [2].",
        embedder,
        question="Which company is Alexander Wang joining?",
        texts=STORY,
        choose=first_option,
    )
    assert checked is not None and checked.text == "Meta [1]."
    assert asked == [["Scale AI", "Meta"], ["Meta", "Scale AI"]]


@pytest.mark.parametrize(
    ("question", "raw"),
    [
        # Not a who/which question.
        ("How much is Meta's stake in Scale AI?", "Meta is taking a 49% stake [2]."),
        # The cited sentence gives one name the question does not hold.
        ("Who said demand tripled at Handshake?", "Garrett Lord [3]."),
        # A list of names is not put to the reader.
        ("Which companies are pulling back from Scale AI?", "Microsoft and xAI [1]."),
    ],
)
def test_the_reader_is_asked_only_to_choose_among_names(
    question: str, raw: str, embedder: Embedder
) -> None:
    reader = _Reader("Google")
    checked = check(raw, embedder, question=question, texts=STORY, choose=reader)
    assert checked is not None and reader.asked == []


def test_the_judge_removes_an_item_the_sentence_does_not_say(embedder: Embedder) -> None:
    asked: list[tuple[str, str, str]] = []

    def judge(question: str, claim: str, evidence: str) -> bool:
        asked.append((question, claim, evidence))
        return not claim.startswith("xAI")

    checked = check(
        "Microsoft, xAI and Meta are pulling back from Scale AI [1][2].",
        embedder,
        question="Which companies are pulling back from Scale AI?",
        texts=STORY,
        entails=judge,
    )
    assert checked is not None
    assert checked.text.startswith("Microsoft are pulling back")
    assert "xAI" not in checked.text and "Meta" not in checked.text
    # Meta, named but not said to pull back, is dropped before the judge is asked.
    assert [claim.split()[0] for _, claim, _ in asked] == ["Microsoft", "xAI"]


def test_a_short_decline_is_a_refusal(embedder: Embedder) -> None:
    assert check("The passages do not mention Scale's worth [2].", embedder) is None


def test_sources_that_disagree_on_a_stated_role_are_noted(embedder: Embedder) -> None:
    texts = [
        "Openai's CFO said on Friday that the company will continue to work with Scale AI.",
        "OpenAI's CEO said on Friday that the company will continue working with Scale AI.",
    ]
    checked = check(
        "OpenAI's CFO said the company will keep working with Scale AI [1].",
        embedder,
        texts=texts,
        question="Which OpenAI executive said it would keep working with Scale AI?",
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


def test_an_amount_in_words_answers_how_many(embedder: Embedder) -> None:
    texts = ["Handshake CEO Garrett Lord said demand increased threefold overnight."]
    checked = check(
        "Handshake's demand increased threefold overnight [1].",
        embedder,
        question="How many times over did Handshake's demand grow?",
        texts=texts,
    )
    assert checked is not None and checked.complete


def test_a_restated_answer_gives_way_to_its_sentence_when_that_says_more(
    embedder: Embedder,
) -> None:
    texts = [
        "Rivals fear Meta could learn their research priorities and road maps through Scale.",
        "Scale AI's CEO Alexander Wang is moving to Meta.",
    ]
    question = "What do rivals fear Meta could learn through Scale?"
    checked = check(
        "Rivals fear what Meta could learn through Scale [1].",
        embedder,
        question=question,
        texts=texts,
    )
    assert checked is not None and checked.text == f"{texts[0][:-1]} [1]."
    # A sentence that says no more than the question is no answer either.
    texts[0] = "Rivals fear what Meta could learn through Scale."
    checked = check(
        "Rivals fear what Meta could learn through Scale [1].",
        embedder,
        question=question,
        texts=texts,
    )
    assert checked is None


def test_an_answer_restating_the_question_gives_way_to_its_sentence(embedder: Embedder) -> None:
    question = "Which company is Scale AI's CEO moving to?"
    given = check(
        "Scale AI's CEO is moving to a company [2].", embedder, question=question, texts=STORY
    )
    assert given is not None and given.text == (
        "Scale AI's CEO, Alexander Wang, is moving to Meta with several employees [1]."
    )
    kept = check("Scale AI's CEO is moving to Meta [2].", embedder, question=question, texts=STORY)
    assert kept is not None and kept.text == "Scale AI's CEO is moving to Meta [1]."


def test_a_yes_no_answer_may_repeat_its_question(embedder: Embedder) -> None:
    question = "Did XAI respond to a request for comment?"
    kept = check(
        "No, XAI did not respond to a request for comment [5].",
        embedder,
        question=question,
        texts=STORY,
    )
    assert kept is not None and kept.citations


@pytest.mark.parametrize(
    ("question", "raw"),
    [
        ("Which company is taking 49% of Scale AI, Meta or Google?", "Meta is taking 49% [2]."),
        (
            "Which of Microsoft and xAI are pulling back from Scale AI?",
            "Microsoft and xAI are pulling back from Scale AI [1].",
        ),
    ],
)
def test_an_answer_picking_among_the_question_s_alternatives_is_kept(
    question: str, raw: str, embedder: Embedder
) -> None:
    kept = check(raw, embedder, question=question, texts=STORY)
    assert kept is not None and kept.citations


def test_the_story_s_subject_may_go_unsaid_in_a_when_answer_s_sentence(
    embedder: Embedder,
) -> None:
    # Every passage names Scale AI; the sentence that answers leaves it unsaid.
    texts = [
        "Scale AI is losing customers. Openai decided to back off a few months ago, sources said.",
        "Scale AI's revenue was $870 million in 2024.",
    ]
    checked = check(
        "OpenAI decided to pull back from Scale AI a few months ago [1].",
        embedder,
        question="When did OpenAI decide to pull back from Scale AI?",
        texts=texts,
    )
    assert checked is not None and checked.complete
    assert checked.citations[0].text == (
        "Openai decided to back off a few months ago, sources said."
    )


def test_an_amount_s_sentence_may_leave_the_question_s_entity_to_the_sentence_before(
    embedder: Embedder,
) -> None:
    texts = [
        "Meta takes a large share in the company. The scale was worth $ 14 billion before the"
        " deal.",
        "Google plans to pay Scale AI $200 million this year.",
    ]
    question = "What was Scale AI valued at before Meta's investment?"
    checked = check(
        "Scale AI was valued at $14 billion before Meta's investment [1].",
        embedder,
        question=question,
        texts=texts,
    )
    assert checked is not None and checked.complete
    assert checked.citations[0].text == "The scale was worth $ 14 billion before the deal."
    # Not when the sentence names someone else: Google's figure is not Microsoft's.
    wrong = check(
        "Microsoft plans to pay Scale AI $200 million this year [2].",
        embedder,
        question="How much does Microsoft plan to pay Scale AI this year?",
        texts=["Microsoft is pulling back. " + texts[1], texts[0]],
    )
    assert wrong is None


def test_the_sentence_before_lends_its_name_only_when_it_names_no_one_else(
    embedder: Embedder,
) -> None:
    # "It" is as likely Meta as Google: the sentence before names both.
    texts = [
        "Google lost the bidding for Scale AI to Meta. It paid $ 14 billion for the stake.",
        "Scale AI's CEO is moving to Meta.",
    ]
    checked = check(
        "Google paid $14 billion for the stake [1].",
        embedder,
        question="How much did Google pay for the stake?",
        texts=texts,
    )
    assert checked is None or not checked.complete or "Google" not in checked.text


def test_a_role_word_in_the_sentence_is_no_one_else(embedder: Embedder) -> None:
    # "AI" names no one: the story's subject (Scale) may still go unsaid.
    texts = [
        "Google had planned to pay Scale about $200 million. The search giant has already"
        " made talks with several AI rivals on AI this week.",
        "Scale AI's CEO is moving to Meta.",
    ]
    checked = check(
        "Google held talks with Scale's rivals this week [1].",
        embedder,
        question="When did Google hold talks with Scale's rivals?",
        texts=texts,
    )
    assert checked is not None and checked.complete
    assert "search giant" in checked.citations[0].text


def test_the_story_s_subject_must_be_said_when_a_name_is_asked(embedder: Embedder) -> None:
    texts = [
        "Scale AI's CEO Alexander Wang is moving to Meta.",
        "Scale AI's rivals see openings. His CEO, Manu Sharma, told Reuters Labelbox will grow.",
    ]
    checked = check(
        "Manu Sharma is Scale AI's CEO [2].",
        embedder,
        question="Who is Scale AI's CEO?",
        texts=texts,
    )
    assert checked is None


def test_a_later_part_of_the_question_gets_the_sentence_that_answers_it(
    embedder: Embedder,
) -> None:
    asked = "Which company is Scale AI's CEO moving to, and what stake is that company taking?"
    checked = check("Scale AI's CEO is moving to Meta [2].", embedder, question=asked, texts=STORY)
    assert checked is not None and checked.complete
    assert checked.text == "Scale AI's CEO is moving to Meta [1]. Meta is taking a 49% stake [1]."
    # No sentence about Meta gives a time: the answer stays as it was.
    asked = "Which company is Scale AI's CEO moving to, and when was the deal signed?"
    checked = check("Scale AI's CEO is moving to Meta [2].", embedder, question=asked, texts=STORY)
    assert checked is not None and checked.text == "Scale AI's CEO is moving to Meta [1]."


def test_a_figure_of_another_company_is_no_answer_about_the_asked_one(
    embedder: Embedder,
) -> None:
    # Scale AI, which every passage names, is in the sentence; xAI, which the question asks
    # about, is not: Google's spending says nothing of what xAI spends.
    texts = [
        "The company declined to comment. Scale AI made $ 870 million in 2024, and Google"
        " spent about $ 150 million on Scale AI's services last year. Elon Musk's XAI also"
        " strives to get out.",
        "Scale AI's CEO Alexander Wang is moving to Meta.",
    ]
    question = "How much does xAI spend on Scale AI each year?"
    wrong = "Google spent about $150 million on Scale AI's services last year [1]."
    assert check(wrong, embedder, question=question, texts=texts) is None
    # The same sentence still answers the question about Google.
    right = check(
        wrong, embedder, question="How much did Google spend on Scale AI last year?", texts=texts
    )
    assert right is not None and "$150 million" in right.text


def test_the_story_s_subject_may_go_unsaid_beside_another_asked_name(
    embedder: Embedder,
) -> None:
    # The sentence names Elon Musk, whom the question names too; Scale AI, which every
    # passage names, it leaves to the context.
    texts = [
        "Microsoft is pulling back from Scale AI. Elon Musk's XAI also strives to get out.",
        "Scale AI's CEO Alexander Wang is moving to Meta.",
    ]
    question = "Which Elon Musk company also wants out of Scale AI?"
    checked = check(
        "Elon Musk's XAI also wants out of Scale AI [1].", embedder, question=question, texts=texts
    )
    assert checked is not None and checked.complete
    assert checked.citations[0].text == "Elon Musk's XAI also strives to get out."
    # Not when the sentence names something else it is about.
    texts[0] = "Microsoft is pulling back. Elon Musk's XAI also strives to get out of Oracle."
    wrong = check(
        "Elon Musk's XAI also wants out of Scale AI [1].", embedder, question=question, texts=texts
    )
    assert wrong is None


def test_only_a_name_may_leave_the_story_s_subject_unsaid(embedder: Embedder) -> None:
    # "declined to comment" names Microsoft and denies something, but not of Scale AI.
    texts = [
        "Microsoft is contemplating a withdrawal from its commitments to Scale AI. Google,"
        " Microsoft and Openai declined to comment.",
        "Scale AI's CEO Alexander Wang is moving to Meta.",
    ]
    checked = check(
        "Microsoft denied that it will withdraw from its commitments to Scale AI [1].",
        embedder,
        question="What has Microsoft denied about its plans for Scale AI?",
        texts=texts,
    )
    assert checked is None


def test_a_missing_time_comes_from_the_sentence_behind_the_claim(embedder: Embedder) -> None:
    # Both sentences hold a time; the first is closer to the question, the second is the
    # one the claim rests on.
    texts = [
        "The OpenAI CEO said on Friday that OpenAI would continue to work with Scale AI.",
        "Openai withdrew from the scale a few months ago, though it spends less than Google.",
    ]
    checked = check(
        "OpenAI withdrew from the scale [2].",
        embedder,
        question="When did OpenAI stop working with Scale AI?",
        texts=texts,
    )
    assert checked is not None and checked.complete
    assert "months ago" in checked.text and "Friday" not in checked.text


def test_an_article_line_is_of_the_version_its_passage_names(embedder: Embedder) -> None:
    # "© Thomson Writers 2025" names no NDTV; the line after it in its passage does.
    texts = [
        "© Thomson Writers 2025\n(This story has not been edited by the NDTV staff and has"
        " been made auto from the Syndicate Fed.)",
        "Google plans to cut ties with Scale AI, sources said.",
    ]
    question = "Who holds the copyright on the NDTV version of the story?"
    checked = check(
        "Thomson Writers holds the copyright on the NDTV version of the story [1].",
        embedder,
        question=question,
        texts=texts,
    )
    assert checked is not None and checked.complete
    assert checked.citations[0].text == "© Thomson Writers 2025"
    # The question's own entity is still no answer, and a line the question does not ask
    # about still needs its own names.
    assert check("NDTV holds the copyright [1].", embedder, question=question, texts=texts) is None
    assert (
        check(
            "Thomson Writers owns NDTV [1].",
            embedder,
            question="Who owns NDTV?",
            texts=texts,
        )
        is None
    )


def test_a_listed_company_whose_sentence_says_it_stays_is_dropped(embedder: Embedder) -> None:
    texts = [
        "Microsoft is reportedly contemplating a similar withdrawal from Scale AI.",
        "The OpenAI CEO said on Friday that the company would continue to work with Scale AI.",
    ]
    checked = check(
        "Microsoft and OpenAI are pulling back from Scale AI [1][2].",
        embedder,
        question="Which companies are pulling back from Scale AI?",
        texts=texts,
    )
    assert checked is not None
    assert "Microsoft" in checked.text and "OpenAI" not in checked.text


def test_a_byline_answer_names_only_who_the_byline_names(embedder: Embedder) -> None:
    texts = [
        "By Anne Tong and Crystal Hu\nGoogle plans to cut ties with Scale AI, sources said.",
        "Handshake CEO Garrett Lord said demand tripled overnight.",
    ]
    checked = check(
        "Anne Tong, Crystal Hu [1] and Garrett Lord [2].",
        embedder,
        question="Who are the reporters on this story?",
        texts=texts,
    )
    assert checked is not None
    assert "Anne Tong" in checked.text and "Garrett Lord" not in checked.text
    assert all(c.text.startswith("By Anne Tong") for c in checked.citations)
    # Not the author of the story: the CEO it quotes, from his own sentence.
    assert (
        check(
            "Garrett Lord [2].",
            embedder,
            question="Who wrote the story?",
            texts=texts,
        )
        is None
    )


@pytest.mark.parametrize(
    ("raw", "question"),
    [
        ("Google paid Scale AI $150 million last year [1].", "How much did Google pay Scale AI?"),
        ("Yes, Google paid Scale AI $150 million [1].", "Did Google pay Scale AI $150 million?"),
    ],
)
def test_the_story_s_subject_is_no_excuse_in_a_sentence_about_someone_else(
    raw: str, question: str, embedder: Embedder
) -> None:
    # Google and Scale AI are in every passage; the figure is OpenAI's.
    texts = [
        "Google and OpenAI are pulling back from Scale AI. OpenAI had paid Scale AI $150"
        " million last year.",
        "Google, like OpenAI, was a big Scale AI customer. Google declined to comment.",
    ]
    assert check(raw, embedder, question=question, texts=texts) is None


def test_a_who_answer_that_names_no_one_says_what_is_known(embedder: Embedder) -> None:
    texts = ["Established in 2016, Scale AI provides labeled data to model makers."]
    checked = check(
        "Scale AI was founded in 2016 [1].",
        embedder,
        question="Who founded Scale AI?",
        texts=texts,
    )
    assert checked is not None and not checked.complete
    assert checked.text == "The articles say that Scale AI was founded in 2016 [1], but not who."


@pytest.mark.parametrize(
    ("question", "raw", "text"),
    [
        (
            "Who is moving to Meta?",
            "Alexander Wang is moving to Meta [1].",
            "Scale AI's CEO, Alexander Wang, is moving to Meta with several employees.",
        ),
        ("Who is Alexander Wang?", "He is the CEO [1].", "Alexander Wang is the CEO of Scale AI."),
        (
            "Who is Google talking to instead of Scale AI?",
            "Google is talking to several rivals of Scale AI [1].",
            "Google is talking to several rivals of Scale AI this week.",
        ),
        ("Who is Tom Reed?", "Tom Reed is a journalist [1].", "Tom Reed is a journalist."),
        ("Who blocked the merger?", "The court blocked the merger [1].", "The court blocked it."),
        ("Who was injured?", "Two children were injured [1].", "Two children were injured."),
    ],
)
def test_a_who_answer_naming_someone_or_a_group_is_complete(
    question: str, raw: str, text: str, embedder: Embedder
) -> None:
    checked = check(raw, embedder, question=question, texts=[text, STORY[2]])
    assert checked is not None and checked.complete


@pytest.mark.parametrize(
    ("question", "raw"),
    [
        ("Who founded Scale AI?", "Scale AI was established in 2016 [1]."),
        ("Who hacked the network?", "The network was hacked in March [1]."),
    ],
)
def test_a_who_answer_adding_only_a_time_names_no_one(
    question: str, raw: str, embedder: Embedder
) -> None:
    texts = ["Established in 2016, Scale AI was hacked in March; the network was hacked too."]
    checked = check(raw, embedder, question=question, texts=texts)
    assert checked is not None and not checked.complete
    assert checked.text.endswith("but not who.")


def test_a_who_answer_s_pronoun_means_whom_its_sentence_names(embedder: Embedder) -> None:
    text = "Scale AI's CEO, Alexander Wang, is moving to Meta."
    checked = check(
        "He is moving to Meta [1].", embedder, question="Who is moving to Meta?", texts=[text]
    )
    assert checked is not None and checked.complete
    assert checked.text == f"{text[:-1]} [1]."


def test_a_count_is_no_amount_percentage_or_year(embedder: Embedder) -> None:
    texts = ["Meta is taking 49 % of the shares in Scale AI, which has human trainers."]
    checked = check(
        "Meta is taking 49 % of the shares in Scale AI [1].",
        embedder,
        question="How many human trainers does Scale AI have?",
        texts=texts,
    )
    assert checked is not None and not checked.complete
    assert checked.text.endswith("but not how many.")


def test_two_sentences_never_date_one_s_amount_with_the_other_s_year(
    embedder: Embedder,
) -> None:
    texts = [
        "Google plans to pay Scale AI about $ 200 million this year.",
        "Scale AI had revenue of $ 870 million in 2024, and Google spent $ 150 million.",
    ]
    question = "When is Google's $200 million payment to Scale AI planned for?"
    wrong = check(
        "Google's $200 million is planned for 2024 [1][2].",
        embedder,
        question=question,
        texts=texts,
        requote=False,
    )
    assert wrong is None
    checked = check(
        "Google's $200 million is planned for this year [1].",
        embedder,
        question=question,
        texts=texts,
    )
    assert checked is not None and checked.complete


def test_a_list_of_a_role_and_a_name_lists_no_one(embedder: Embedder) -> None:
    checked = check(
        "Its CEO, Alexander Wang [1].",
        embedder,
        question="Who is Scale AI's CEO?",
        texts=["Scale AI's CEO, Alexander Wang, is moving to Meta."],
    )
    assert checked is not None and checked.text == "Its CEO, Alexander Wang [1]."


def test_what_is_known_opens_in_lower_case_unless_with_a_name(embedder: Embedder) -> None:
    checked = check(
        "Two sources said Google is diversifying [1].",
        embedder,
        question="When did Google start diversifying?",
        texts=["Two sources said Google is diversifying its data providers."],
    )
    assert checked is not None and not checked.complete
    assert checked.text.startswith("The articles say that two sources said")


def test_a_role_of_the_question_s_entity_says_who(embedder: Embedder) -> None:
    checked = check(
        "The OpenAI CEO said so on Friday [1].",
        embedder,
        question="Who at OpenAI said it would still work with Scale AI?",
        texts=["The OpenAI CEO said on Friday that it would still work with Scale AI."],
    )
    assert checked is not None and checked.complete


def test_a_denial_the_sentence_does_not_state_fails(embedder: Embedder) -> None:
    texts = ["A spokesperson from Scale has opted not to comment on its relationship with Google."]
    question = "Did Scale's spokesperson deny that Google was leaving?"
    raw = "Scale's spokesperson did not deny that Google was leaving [1]."
    assert check(raw, embedder, question=question, texts=texts, requote=False) is None
    said = check(
        "Scale's spokesperson opted not to comment on Google [1].",
        embedder,
        question=question,
        texts=texts,
    )
    assert said is not None and said.complete


def test_the_speaker_of_a_quotation_a_sentence_goes_on_with(embedder: Embedder) -> None:
    # The second sentence goes on with the quotation the first attributes: its speaker is
    # named there, not in the sentence that holds the claim's words.
    quoted = (
        "“Meta -scale contracts indicate a turning point,” said Jonathan Siddhartha, CEO of"
        " Tourist, Scale AI. “The well -known AI labs realizes that neutrality is no longer"
        " optional, it is important.”"
    )
    question = "Who did Jonathan Siddharth say realise neutrality is no longer optional?"
    claim = "Jonathan Siddhartha said neutrality is no longer optional [1]."
    kept = check(claim, embedder, question=question, texts=[quoted, "Meta took 49% of Scale."])
    assert kept is not None and kept.complete
    assert "neutrality is no longer optional" in kept.citations[0].text
    # With no attribution before it, the quotation names no speaker.
    unattributed = (
        "Manu Sharma spoke to Reuters on Friday. “The well -known AI labs realizes that"
        " neutrality is no longer optional, it is important.”"
    )
    assert check(claim, embedder, question=question, texts=[unattributed]) is None


def test_a_story_topic_a_sentence_refers_to_by_a_pronoun(embedder: Embedder) -> None:
    # The sentence says "it"; the one before names Scale AI, which every passage names.
    texts = [
        "Scale AI intends to continue its business, while its CEO goes to Meta. Since its main"
        " business is focused around some consumers, it may hurt a lot if it loses key users"
        " like Google.",
        "Sources said Scale AI's revenue rose in 2024, and Google spent about $ 150 million"
        " last year on Scale AI's services.",
    ]
    question = "Why could losing Google hurt Scale AI so much?"
    raw = "Scale AI could lose key users like Google [1]."
    checked = check(raw, embedder, question=question, texts=texts)
    assert checked is not None
    [citation] = checked.citations
    assert "it loses key users like Google" in citation.text  # not the revenue sentence
    # A possessive may be anyone's: "her business strategy" does not stand for Scale AI.
    owned = [
        "Scale AI intends to continue its business. Meta has taken 49 percent of the shares,"
        " and AI companies fear one of her rivals can learn her business strategy.",
        "Google spent about $ 150 million last year on Scale AI's services.",
    ]
    feared = "AI companies fear Meta could learn their strategy through Scale AI [1]."
    question = "What do AI companies fear Meta could learn through Scale AI?"
    assert check(feared, embedder, question=question, texts=owned, requote=False) is None
    # Not for who or which: "His CEO, Manu Sharma" is not Scale AI's CEO.
    who = [
        "Scale AI's rivals see openings. His CEO, Manu Sharma, told Reuters Labelbox will grow.",
        "Scale AI is losing Google.",
    ]
    wrong = "Manu Sharma is Scale AI's CEO [1]."
    assert check(wrong, embedder, question="Who is Scale AI's CEO?", texts=who) is None


def test_a_who_said_question_is_answered_by_the_quotation_s_speaker(embedder: Embedder) -> None:
    # The model gives what was said for who said it; the quotation's speaker is named in the
    # sentence before it, which here only an overlapping passage holds.
    opening = (
        "“The well -known AI labs realizes that neutrality is no longer optional, it is important.”"
    )
    texts = [
        opening + " Meta took 49% of Scale.",
        "“Meta -scale contracts indicate a turning point,” said Jonathan Siddhartha, CEO of"
        " Tourist, Scale AI. " + opening,
    ]
    passages = passages_of(texts, ["story.txt", "story.txt"])  # two chunks of one article
    question = "Who said neutrality is no longer optional?"
    raw = "The well-known AI labs realized that neutrality is no longer optional [1]."
    checked = check_answer(raw, passages, embedder.encode_documents, question=question)
    assert checked is not None and checked.complete
    assert "said Jonathan Siddhartha" in checked.text
    [citation] = checked.citations
    assert "turning point" in citation.text and "no longer optional" in citation.text
    # A claim that names the speaker stays as the model wrote it.
    named = check_answer(
        "Jonathan Siddhartha said it [2].",
        passages,
        embedder.encode_documents,
        question="Which CEO said that neutrality is no longer optional for AI labs?",
    )
    assert named is not None and named.text == "Jonathan Siddhartha said it [1]."


def test_a_quotation_put_in_another_s_mouth_is_given_its_own_speaker(
    embedder: Embedder,
) -> None:
    texts = [
        "“Meta -scale contracts indicate a turning point,” said Jonathan Siddhartha, CEO of"
        " Tourist, Scale AI. “The well -known AI labs realizes that neutrality is no longer"
        " optional, it is important.”",
        "Many AI labs now want to hire data labelers who keep their data safe, said Merkel’s"
        " CEO Brendon Foody.",
    ]
    question = "Which CEO said that neutrality is no longer optional for AI labs?"
    raw = "Merkel’s CEO Brendon Foody said that neutrality is no longer optional for AI labs [2]."
    checked = check(raw, embedder, question=question, texts=texts)
    assert checked is not None and checked.complete
    assert "said Jonathan Siddhartha" in checked.text and "Foody" not in checked.text
    # Not for a question that asks something else, nor a claim the quotation does not say.
    assert check(raw, embedder, question="Who is Merkel's CEO?", texts=texts) is None
    other = "Brendon Foody said Scale AI will be sold next year [1]."
    assert check(other, embedder, question="Who said Scale AI will be sold?", texts=texts) is None


def test_a_speaker_named_in_the_quotation_s_own_sentence(embedder: Embedder) -> None:
    texts = [
        "“After the news, our demand has increased threefold overnight,” said Handshek CEO"
        " Garrett Lord."
    ]
    what = check(
        "Demand increased threefold overnight [1].",
        embedder,
        question="Who said demand increased threefold overnight?",
        texts=texts,
    )
    assert what is not None and "Garrett Lord" in what.text
    # The firm of the speaker, respelled, names the speaker: kept.
    firm = check(
        "Handshake [1].",
        embedder,
        question="Which firm's CEO said demand tripled overnight?",
        texts=texts,
    )
    assert firm is not None and firm.text == "Handshake [1]."


def test_a_role_the_sentence_gives_another_company_is_not_the_claimed_one(
    embedder: Embedder,
) -> None:
    texts = [
        "Openai's CFO said on Friday that the company will continue to work with Scale AI."
        " Scale AI's spokesperson said its business remains strong.",
    ]
    question = "Who said Scale's business remains strong?"
    wrong = "Scale AI's CFO said the company will continue to work with Scale AI [1]."
    assert check(wrong, embedder, question=question, texts=texts) is None
    right = "OpenAI's CFO said the company will continue to work with Scale AI [1]."
    kept = check(
        right, embedder, question="Who said OpenAI will keep working with Scale?", texts=texts
    )
    assert kept is not None and "CFO" in kept.text


def test_a_pair_of_sentences_lends_a_figure_only_from_one_that_says_the_claim(
    embedder: Embedder,
) -> None:
    texts = [
        "Notably, OpenAI had made a decision to step back from its partnership months ago;"
        " however, its CFO has clarified that the company will still engage with Scale."
        " Established in 2016, Scale AI provides labeled data or curatic training data, which is"
        " very important to produce sophisticated tools like Openi’s chat GPT.",
    ]
    question = "When did OpenAI start winding down its work with Scale?"
    wrong = "OpenAI started winding down its work with Scale in 2016 [1]."
    assert check(wrong, embedder, question=question, texts=texts) is None
    right = "OpenAI started winding down its work with Scale months ago [1]."
    assert check(right, embedder, question=question, texts=texts) is not None


def test_a_claim_joining_two_figures_takes_each_from_the_sentence_that_says_it(
    embedder: Embedder,
) -> None:
    texts = [
        "The loss of a significant Scale business is coming as Meta takes a large share in"
        " the company, estimating it at $ 29 billion. The scale was worth $ 14 billion before"
        " the deal.",
    ]
    claim = (
        "The story gives two valuations of Scale AI: $14 billion before the deal and $29"
        " billion after the deal [1]."
    )
    kept = check(
        claim,
        embedder,
        question="What two valuations of Scale AI does the story give?",
        texts=texts,
    )
    assert kept is not None
    cited = " ".join(c.text for c in kept.citations)
    assert "$ 29 billion" in cited and "$ 14 billion" in cited


def test_a_figure_the_sentence_calls_revenue_is_no_valuation(embedder: Embedder) -> None:
    texts = [
        "His CEO, Manu Sharma, told Reuters, the label box, another competitor, \u201cwill"
        " probably generate hundreds of new revenue\u201d by the end of the year.",
    ]
    question = "What is Labelbox valued at?"
    wrong = "Labelbox is valued at hundreds of new revenue [1]."
    assert check(wrong, embedder, question=question, texts=texts) is None
    right = "Labelbox will probably generate hundreds of new revenue [1]."
    assert check(right, embedder, question="What will Labelbox generate?", texts=texts)


def test_a_listed_company_needs_a_sentence_saying_it_pulls_back(embedder: Embedder) -> None:
    texts = [
        "In light of these changes, Microsoft is reportedly contemplating a similar withdrawal"
        " from its commitments to Scale AI.",
        "Companies that compete with META in the development of avant -garde AI models are"
        " concerned that doing a scale business can expose its priorities to research and the"
        " rival\u2019s roadmap, five sources said.",
    ]
    kept = check(
        "Microsoft and Meta are pulling back from Scale AI [1][2].",
        embedder,
        question="Which companies are pulling back from Scale AI?",
        texts=texts,
    )
    assert kept is not None
    assert "Microsoft" in kept.text and "Meta" not in kept.text
