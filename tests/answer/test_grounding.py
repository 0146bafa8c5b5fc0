"""Claim-level grounding on its own: entities, aliases and respellings, numbers, negation,
the question's entities; and the property that no checked answer keeps a number or a named
entity its cited sentences lack."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.embedder import Embedder
from qa.answer import (
    check_answer,
    claim_entities,
    context_names,
    entity_found,
    negated,
    numbers_found,
    question_entities,
    split_cited,
    times_found,
)
from qa.answer.grounding import (
    course_not_backed,
    dated_together,
    denials_found,
    figure_of_another,
    is_time,
    measure_of_another,
    quotation_speaker,
    role_of_another,
)
from qa.answer.verification import figures

from conftest import passages_of

ARTICLE = [
    "By Anne Tong, Kenrik Kai and Crystal Hu",
    "Google had planned to pay Scale AI about $ 200 million this year. Microsoft is also"
    " pulling back, as is xAI.",
    "Scale AI's CEO, Alexander Wang, is moving to Meta. Meta is taking a 49% stake.",
    "His CEO, Manu Sharma, told Reuters, the label box, another competitor, will grow."
    " XAI did not respond to a request for comment.",
    "Google spent about $ 150 million on Scale AI's services last year, sources said.",
]
NAMES = context_names(ARTICLE)


@pytest.mark.parametrize(
    ("entity", "text"),
    [
        ("Kenrick Cai", ARTICLE[0]),  # respelled by the translation
        ("Labelbox", ARTICLE[3]),  # split into two words
        ("OpenAI", "Openai's CFO said on Friday"),
        ("OpenAI", "Openi decided to withdraw"),
        ("Alphabet", "Aalphabet’s San Francisco (Reuters)"),
        ("Google", "Aalphabet’s San Francisco (Reuters)"),  # a known alias
        ("Alexander Wang", "while CEO Alexander Wang, along with several employees"),
        ("xAI", "XAI did not respond"),
        ("PhDs", "a contestant focusing on a PhD and a network of experts"),  # a plural
        ("H100s", "Nvidia sold 500 H100 chips"),  # a model code's plural
        ("H100", "it bought H100s"),
        ("U. S.", "branches of the U.S. government"),  # initials spaced out
        ("U.S.", "branches of the U. S. government"),
    ],
)
def test_entities_are_found_however_the_versions_spell_them(entity: str, text: str) -> None:
    assert entity_found(entity, text)


@pytest.mark.parametrize(
    ("entity", "text"),
    [
        ("Microsoft", ARTICLE[1].split(".")[0]),
        ("Meta", ARTICLE[4]),
        ("Wang", ARTICLE[3]),
        ("Metas", "Meta said"),  # only an acronym's plural is read as its singular
        ("H100", "it bought H1000 chips"),
    ],
)
def test_other_entities_are_not_found(entity: str, text: str) -> None:
    assert not entity_found(entity, text)


def test_claim_entities_are_names_not_sentence_openers() -> None:
    assert claim_entities("Microsoft and xAI are pulling back from Scale AI.", NAMES) == [
        "Microsoft",
        "xAI",
        "Scale AI",
    ]
    assert claim_entities("The company declined.", NAMES) == []
    assert claim_entities("Sources said Alexander Wang's move", NAMES) == ["Alexander Wang"]


def test_a_name_a_translation_also_writes_in_lower_case_is_still_a_name() -> None:
    # "Scale" is capitalised inside sentences twice, though one says "a scale of AI".
    texts = ["Google pays Scale AI.", "Meta buys into Scale AI.", "It works on a scale of AI."]
    names = context_names(texts, "Besides AI labs, what kinds of customers does Scale AI have?")
    assert "scale" in names and "besides" not in names
    assert claim_entities("Scale AI labels data for car makers.", names) == ["Scale AI"]
    assert question_entities("Besides AI labs, what does Scale AI sell?", names) == ["Scale AI"]


def test_a_time_the_sentence_does_not_give_is_unsupported() -> None:
    said = "Google had planned to pay Scale AI about $ 200 million this year."
    assert times_found("Google will pay $200 million this year.", said)
    assert not times_found("Google will pay $200 million next year.", said)
    assert not times_found("OpenAI pulled back on Friday.", "OpenAI pulled back months ago.")
    assert times_found("Scale may grow.", "Scale grew.")  # "may" is a verb here


def test_question_entities_leave_out_roles_and_alternatives() -> None:
    assert question_entities("Who is Scale AI's CEO?", NAMES) == ["Scale AI"]
    assert question_entities("Was it OpenAI's CFO or its CEO?", NAMES) == []


def test_a_multiple_must_be_the_one_stated() -> None:
    said = "\u201cAfter the news, our demand has increased threefold overnight,\u201d said Lord."
    assert numbers_found("Handshake's demand increased three times over.", said)
    assert not numbers_found("Handshake's CEO said demand doubled.", said)


def test_numbers_must_be_stated_or_be_a_sum_or_difference() -> None:
    both = ARTICLE[1] + " " + ARTICLE[4]
    assert numbers_found("about $200 million", ARTICLE[1])
    assert not numbers_found("about $300 million", ARTICLE[1])
    assert numbers_found("$50 million more", both)
    assert not numbers_found("$60 million more", both)


@pytest.mark.parametrize(
    ("claim", "text", "found"),
    [
        # dollars for a percentage, or the reverse, are another number
        ("Meta paid $49 per share.", "As Meta has now taken a 49% share, AI companies", False),
        ("Revenue was $20 million.", "Revenue rose 20 % in 2024.", False),
        ("Meta took 49 percent.", "Meta paid $ 49 million.", False),
        # the same unit, spaced or in words, or a text giving both
        ("Meta took 49%.", "Meta takes 49 % of the shares.", True),
        ("Meta took 49 percent.", "a 49% share", True),
        ("Revenue rose 20%.", "revenue of $ 20 million, up 20 %", True),
        ("Google paid $200 million.", "Google plans to pay about $ 200 million.", True),
    ],
)
def test_a_number_keeps_its_unit(claim: str, text: str, found: bool) -> None:
    assert numbers_found(claim, text) is found


def test_a_count_in_words_must_be_the_one_stated() -> None:
    said = "Google has tried to diversify its providers for more than a year, three sources said."
    assert numbers_found("Three sources said Google is diversifying.", said)
    assert numbers_found("3 sources said Google is diversifying.", said)
    assert not numbers_found("Five sources said Google is diversifying.", said)
    # A count the question gives is the question's, not a fact to find.
    valued = "The scale was worth $ 14 billion before the deal, and $ 29 billion after."
    assert not numbers_found("It gives two valuations: $14 billion and $29 billion.", valued)
    asked = "What two valuations does the story give?"
    assert numbers_found("It gives two valuations: $14 billion and $29 billion.", valued, asked)
    assert numbers_found("It gives 2 valuations: $14 billion and $29 billion.", valued, asked)
    # A yes/no question's count is a claim to check, not what it asks for.
    told = "Five sources told Reuters that Google is cutting ties."
    assert not numbers_found("Yes, three sources told Reuters.", told, "Did three sources say so?")


@pytest.mark.parametrize(
    "claim",
    ["Meta paid $3 billion for the stake.", "Meta paid 3 million.", "Meta took 3% of it."],
)
def test_a_count_in_words_backs_only_a_bare_count(claim: str) -> None:
    said = "Three sources said Meta paid billions for the stake in Scale AI."
    assert not numbers_found(claim, said)
    assert numbers_found("3 sources said Meta paid billions.", said)


def test_a_denial_needs_a_denial() -> None:
    assert negated("xAI did not respond") and negated("Google declined to comment")
    assert negated("Scale AI failed to keep its promise to Google")
    assert not negated("No, Meta is taking 49%")  # "No," answers; it denies nothing
    assert not negated("Meta is taking 49%")
    # "not only ... but" contrasts; without a "but", "not simply" still denies
    assert not negated("Meta is not only buying a stake but also hiring its CEO")
    assert not negated("Scale isn't just a vendor, but a partner")
    assert negated("Google would not simply stop working with Scale")
    assert negated("Meta did not only buy a stake. But it hired its CEO")
    assert negated("Meta has not just yet decided, but talks continue")


_SENTENCES = [s.strip() for p in ARTICLE for s in re.split(r"(?<=\.)\s", p) if s.strip()]
_SWAPS = ["Microsoft", "Meta", "Google", "Amazon", "Alexander Wang", "Manu Sharma", "xAI"]


@st.composite
def _claims(draw: st.DrawFn) -> str:
    """Answers made of the articles' own sentences, some with a number or a name swapped
    for another, each citing some passage."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        sentence = draw(st.sampled_from(_SENTENCES))
        if draw(st.booleans()):
            sentence = re.sub(r"\d+", str(draw(st.integers(1, 999))), sentence, count=1)
        if draw(st.booleans()):
            old = draw(st.sampled_from([n for n in _SWAPS if n in sentence] or ["Scale AI"]))
            sentence = sentence.replace(old, draw(st.sampled_from(_SWAPS)), 1)
        cited = draw(st.lists(st.integers(1, len(ARTICLE) + 1), max_size=2))
        marks = "".join(f"[{n}]" for n in cited)
        parts.append(f"{sentence.rstrip('.')} {marks}." if marks else sentence)
    return " ".join(parts)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=_claims(), question=st.sampled_from(["What happened to Scale AI?", "Who is who?"]))
def test_no_answer_keeps_a_number_or_entity_its_cited_sentences_lack(
    raw: str, question: str, embedder: Embedder
) -> None:
    passages = passages_of(ARTICLE)
    checked = check_answer(raw, passages, embedder.encode_documents, question=question)
    if checked is None:
        return
    by_n = {c.n: c for c in checked.citations}
    names = context_names(ARTICLE, question)
    for claim in split_cited(checked.text):
        if claim.text.startswith("The sources disagree"):
            continue  # the conflict note names files and roles, not claims
        cited = " ".join(by_n[n].text for n in claim.cited)
        assert claim.cited or not (figures(claim.text) or claim_entities(claim.text, names))
        assert numbers_found(claim.text, cited), (claim, cited)
        for entity in claim_entities(claim.text, names):
            assert entity_found(entity, cited), (entity, claim, cited)


@pytest.mark.parametrize(
    ("claim", "texts", "together"),
    [
        # the amount of one sentence, the year of another
        (
            "Google's $200 million is planned for 2024.",
            ["Google plans to pay $ 200 million this year.", "Revenue was $ 870 million in 2024."],
            False,
        ),
        # each amount with its own time
        (
            "Google planned $200 million this year, after $150 million last year.",
            ["Google plans to pay $ 200 million this year.", "It spent $ 150 million last year."],
            True,
        ),
        # no time, or no amount: nothing to join
        ("Google planned $200 million.", ["It planned $ 200 million.", "In 2024."], True),
        ("Scale AI was founded in 2016.", ["Scale AI was founded.", "In 2016."], True),
        # two facts joined: the amount's sentence gives no time of its own
        (
            "Scale AI, founded in 2016, is selling a 49% stake.",
            ["Scale AI was founded in 2016.", "Meta is taking a 49% stake in Scale AI."],
            True,
        ),
        # a five-digit count is an amount, not a year
        (
            "Scale hired 20,000 workers in 2024.",
            ["Scale hired 20,000 workers in 2023.", "Revenue grew in 2024."],
            False,
        ),
    ],
)
def test_a_claim_s_time_dates_its_amount_in_one_sentence(
    claim: str, texts: list[str], together: bool
) -> None:
    assert dated_together(claim, texts) is together


@pytest.mark.parametrize(
    ("claim", "found"),
    [
        ("XAI did not respond to Reuters.", True),
        ("OpenAI has not commented.", True),
        ("xAI didn't respond.", True),
        ("The spokesperson did not deny that Google was leaving.", False),
        ("He did not do anything after the deal.", False),
    ],
)
def test_what_a_claim_says_was_not_done_must_be_said(claim: str, found: bool) -> None:
    text = "Google and Openai declined to comment. XAI did not respond to a request for comment."
    assert denials_found(claim, text) is found


@pytest.mark.parametrize(
    ("claim", "text", "found"),
    [
        # the verb elsewhere in the sentence, not where it denies
        (
            "Meta did not acquire a stake in Scale AI.",
            "Meta, which acquired a 49% stake in Scale AI, did not respond to a request.",
            False,
        ),
        ("Google did not cut ties.", "Google cut ties with Scale, but did not say why.", False),
        # denials without "not"
        (
            "Scale neither confirmed nor denied that Google was leaving.",
            "A spokesperson from Scale has opted not to comment.",
            False,
        ),
        # forms of one verb, adverbs, "want to", hyphens
        ("Meta has not given details.", "Meta did not give details.", True),
        ("Scale AI did not deny it.", "Scale AI is not denying it.", True),
        ("OpenAI did not publicly comment.", "OpenAI declined to comment.", True),
        ("OpenAI did not want to comment.", "OpenAI declined to comment.", True),
        ("Scale did not re-sign the deal.", "Scale did not re-sign the deal.", True),
        # four letters in common are no match
        ("He did not commit.", "He declined to comment.", False),
    ],
)
def test_a_denial_is_found_only_where_the_text_denies(claim: str, text: str, found: bool) -> None:
    assert denials_found(claim, text) is found


@pytest.mark.parametrize(
    ("claim", "text"),
    [
        (
            "OpenAI is pulling back from Scale AI.",
            "The OpenAI CEO said on Friday that the company would continue to work with Scale.",
        ),
        ("Scale AI will keep working with OpenAI.", "Openai decided to back off months ago."),
        ("Google is cutting ties with Scale.", "Google plans to keep paying Scale."),
        ("xAI will remain a customer.", "Elon Musk's XAI also strives to get out."),
        ("Google severed ties with Scale.", "Google will still use Scale."),
        ("Microsoft is winding down its work with Scale.", "Microsoft remains a client."),
        ("Wang stepped down.", "Wang remains chief executive."),
        ("Google paused its projects with Scale.", "Google continues its projects with Scale."),
        # a figure after other words is not what the verb moves ("exited the deal in 2024")
        ("Google exited the deal in 2024.", "Google remains a client."),
        (
            "Microsoft dropped a $10 billion contract.",
            "Microsoft will keep its $10 billion contract.",
        ),
    ],
)
def test_a_sentence_saying_the_opposite_course_backs_no_claim(claim: str, text: str) -> None:
    assert course_not_backed(claim, text)


@pytest.mark.parametrize(
    ("claim", "text"),
    [
        ("OpenAI decided to pull back.", "Openai decided to back off a few months ago."),
        ("Microsoft is pulling back.", "Microsoft is contemplating a withdrawal from Scale."),
        (
            "OpenAI will continue to work with Scale.",
            "OpenAI had decided to step back months ago; however, it will still continue"
            " working with Scale.",
        ),
        ("Scale AI will keep its business.", "Scale AI intends to maintain its business."),
        (
            "OpenAI's CFO said OpenAI would continue to work with Scale.",
            "OpenAI had made a decision to step back months ago; however, its CFO has clarified"
            " that the company will still engage with Scale.",
        ),
        # a denial on either side is left to the negation checks
        ("OpenAI did not stop working with Scale.", "OpenAI would continue to work with Scale."),
        ("Meta is taking a 49% stake.", "Meta is taking 49 % of the shares."),
        # a price move is no tie ended; words that only begin like one are no course
        ("Shares dropped 3% on Friday.", "Shares remained 3% lower on Friday."),
        ("The ceasefire will remain in place.", "The ceasefire held, and it remains in place."),
        ("The truce will remain in place.", "Both sides agreed to a ceasefire."),
        ("The talks were quite long.", "The talks remained long."),
        ("Shares dropped nearly 4% on Friday.", "Shares remained 4% lower on Friday."),
        ("Shares dropped as much as 12%.", "Shares remained 12% lower."),
    ],
)
def test_the_same_course_or_no_course_claimed_is_backed(claim: str, text: str) -> None:
    assert not course_not_backed(claim, text)


_SAID = ["Google", "Meta", "Scale AI", "Scale"]
# Where the names of these tests are also written inside a sentence.
_INSIDE = "Both OpenAI and the Acme Company spoke. Reports on Meta, Scale AI and Google followed."


@pytest.mark.parametrize(
    ("claim", "text", "said"),
    [
        (
            "Google is buying 49% of Scale.",
            "Aalphabet’s San Francisco (Reuters), the biggest AI Scale client, plans to shorten"
            " scale ties after the news that the Meta opponent takes a 49% share.",
            ["Google", "Scale"],
        ),
        ("Google spent $150 million on Scale AI.", "OpenAI had paid Scale AI $150 million.", _SAID),
        (
            "Meta is paying $29 billion.",
            "The loss is coming as the Acme Company is at a big stake, costing $ 29 billion.",
            ["Meta"],
        ),
        # the speaker of a sentence about itself still owns the figure
        ("Google spent $150 million.", "OpenAI said it had paid $150 million.", ["Google"]),
        # ... and so does one that no name follows
        ("Google's chips cost $40,000.", "Acme says AI chips cost $40,000.", ["Google"]),
        # an aside between dashes leaves the figure its owner's
        ("Google paid $14.3 billion.", "Acme — the Facebook parent — paid $14.3 billion.", _SAID),
        # a name that holds a month is still a name
        ("Google paid $5 million.", "A fund, August Capital, paid $5 million.", ["Google"]),
    ],
)
def test_a_figure_another_entity_owns_backs_no_claim(
    claim: str, text: str, said: list[str]
) -> None:
    assert figure_of_another(claim, text, said, context_names([text, _INSIDE], inside=True))


@pytest.mark.parametrize(
    ("claim", "text"),
    [
        (
            "Meta is taking 49% of Scale AI.",
            "Scale AI’s largest user plans to reduce ties now that rival Meta AI is taking 49 %"
            " of the shares.",
        ),
        (
            "Google will pay $200 million.",
            "One of the sources said that Google plans to pay about $ 200 million to Scale AI.",
        ),
        (
            "Scale AI is valued at $29 billion.",
            "The loss is coming as the Meta Company is at a big stake, costing $ 29 billion.",
        ),
        (
            "Google spent $150 million last year.",
            "Scale AI increased revenue of 70 870 million in 2024, and Google spent about"
            " $ 150 million last year on Scale AI’s services.",
        ),
        ("Scale AI was founded in 2016.", "Established in 2016, Scale AI provides labeled data."),
        ("Scale AI was worth $14 billion.", "Prior to the deal, the scale was worth $ 14 billion."),
        ("Handshake's demand tripled.", "“Our demand has increased threefold,” said its CEO."),
        # a day is no owner, nor is who reports or hears the figure
        ("Meta invested $14.3 billion.", "Meta said on Thursday it invested $14.3 billion."),
        ("Meta invested $14.3 billion.", "On Thursday, Meta invested $14.3 billion."),
        ("Meta paid $14.3 billion.", "According to Bloomberg, Meta paid $14.3 billion."),
        ("Meta paid $14.3 billion.", "Wang told Bloomberg that Meta paid $14.3 billion."),
        ("Meta paid $14.3 billion.", "Bloomberg reported on Friday that Meta paid $14.3 billion."),
        ("Meta paid $14.3 billion.", "SAN FRANCISCO (Reuters) - Meta paid $14.3 billion."),
        # an aside between dashes that names others leaves the figure to the claim's entity
        (
            "Scale AI is valued at $29 billion.",
            "Scale AI — backed by OpenAI and the Acme Company — is now valued at $29 billion.",
        ),
    ],
)
def test_a_figure_of_the_claims_or_the_questions_entities_backs_it(claim: str, text: str) -> None:
    assert not figure_of_another(claim, text, _SAID, context_names([text, _INSIDE], inside=True))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Friday", True), ("last year", True), ("April", True), ("August Capital", False)],
)
def test_a_time_is_a_name_made_only_of_time_expressions(name: str, expected: bool) -> None:
    assert is_time(name) is expected


def test_a_giant_word_before_a_figure_is_read_in_linear_time() -> None:
    text = "A" * 200_000 + " paid $5 million."
    assert not figure_of_another("Google paid $5 million.", text, ["Google"], frozenset())


@pytest.mark.parametrize(
    ("claim", "text", "expected"),
    [
        # The role is given by name to another company only.
        (
            "Scale Ai's CFO said the company remains strong.",
            "Openai's CFO said on Friday ...",
            True,
        ),
        # The same owner, respelled.
        ("OpenAI's CFO said it would keep working with Scale.", "Openi's CFO said ...", False),
        # A role the text owns by a pronoun, or not at all, is no one else's.
        ("OpenAI's CFO said it would stay.", "Its CFO has clarified ...", False),
        ("Scale AI's spokesperson said it is strong.", "A spokesperson said it is strong.", False),
        # "AI" after a possessive is no role ("Meta's AI efforts").
        ("The AI's CEO, Wang, leads Scale AI's efforts.", "Meta's AI efforts", False),
        # The text gives the role to the claim's owner as well as to another.
        ("Labelbox's CEO spoke.", "Handshake's CEO and Labelbox's CEO spoke.", False),
        # An unowned role the sentence ties to another name, the claimed owner named only
        # after it: "... CEO Alexander Wang ... move to Meta" is not Meta's CEO.
        (
            "Alexander Wang is the CEO of Meta.",
            "Scale Ai intends to maintain his business while CEO Alexander Wang, along with"
            " several employees, move to Meta.",
            True,
        ),
        # ... the owner named before it (respelled), or one of several owners after it.
        ("Garrett Lord is the CEO of Handshake.", "said Handshek CEO Garrett Lord.", False),
        ("Elon Musk is the CEO of SpaceX.", "Elon Musk, CEO of Tesla and SpaceX, said so.", False),
        (
            "Jonathan Siddhartha is Scale AI's CEO.",
            "said Jonathan Siddhartha, CEO of Tourist, Scale AI.",
            False,
        ),
        # ... or a sentence that does not name the owner at all (the one before may).
        (
            "Scale AI's CEO Alexander Wang is leaving.",
            "CEO Alexander Wang is leaving for Meta.",
            False,
        ),
    ],
)
def test_role_of_another(claim: str, text: str, expected: bool) -> None:
    assert role_of_another(claim, text) is expected


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        # The sentence gives the asked role to another owner, or to no one it ties to Meta.
        ("Who is the CEO of Meta?", "Scale will take a position under the AI's CEO, Wang.", True),
        (
            "Who is the CEO of Meta?",
            "Scale Ai intends to maintain his business while CEO Alexander Wang, along with"
            " several employees, move to Meta.",
            True,
        ),
        ("Who is Mercor's chief executive?", "said Handshek CEO Garrett Lord.", True),
        ("Who is the CEO of Turing?", "said Jonathan Siddhartha, CEO of Tourist.", True),
        # ... or to the asked owner: by name (respelled), before the role, or by a pronoun.
        (
            "Who is Scale AI's CEO?",
            "Scale Ai intends to maintain his business while CEO Alexander Wang, along with"
            " several employees, move to Meta.",
            False,
        ),
        ("Who is the chief executive of Handshake?", "said Handshek CEO Garrett Lord.", False),
        ("Who is Labelbox's CEO?", "His CEO, Manu Sharma, told Reuters, the label box ...", False),
        ("Who is Scale AI's CEO?", "Scale AI's CEO, Alexander Wang, is moving.", False),
        ("Who is Scale's spokesperson?", "Alexander Wang, a spokesperson from Scale, said", False),
        # A sentence that does not name the role, or a question that asks none, is left to
        # the other checks.
        ("Who is the CEO of Meta?", "Alexander Wang is moving to Meta.", False),
        ("Who is moving to Meta?", "Scale AI's CEO, Alexander Wang, is moving.", False),
    ],
)
def test_a_claim_naming_no_role_answers_the_role_the_question_asks(
    question: str, text: str, expected: bool
) -> None:
    assert role_of_another("Alexander Wang.", text, question) is expected


@pytest.mark.parametrize(
    ("claim", "text", "expected"),
    [
        # The claim's valuation is the text's revenue.
        (
            "Labelbox is valued at hundreds of new revenue.",
            "Labelbox will probably generate hundreds of new revenue by the end of the year.",
            True,
        ),
        ("Scale AI's sales were $870 million.", "Scale AI is worth $870 million.", True),
        # The same measure in other words.
        ("Scale AI was valued at $14 billion.", "The scale was worth $ 14 billion.", False),
        ("Meta values Scale at $29 billion.", "Meta is estimating it at $ 29 billion.", False),
        ("Scale's revenue was $870 million.", "Scale's sales of $ 870 million last year", False),
        # A text naming no measure is left to the other checks.
        ("Scale AI was valued at $14 billion.", "Scale AI: $ 14 billion.", False),
        # A claim naming no measure asks for none.
        ("Google paid $200 million.", "Scale's revenue includes $ 200 million from Google.", False),
    ],
)
def test_measure_of_another(claim: str, text: str, expected: bool) -> None:
    assert measure_of_another(claim, text) is expected


@pytest.mark.parametrize(
    ("claim", "text", "expected"),
    [
        # The text names the company but says nothing of a course.
        (
            "Meta is pulling back from Scale AI.",
            "Companies that compete with Meta are concerned that doing business with Scale"
            " can expose their research priorities.",
            True,
        ),
        # The course is others' ("prompt other companies to reconsider").
        (
            "Meta is pulling back from Scale AI.",
            "Meta's investment in Scale AI may prompt other companies to reconsider their"
            " alliances.",
            True,
        ),
        # A tie that lessens, or a look elsewhere, backs a claim that it ends.
        ("Google is pulling back from Scale AI.", "Google plans to shorten ties.", False),
        ("Google is pulling back.", "Google is now reconsidering this partnership.", False),
        (
            "Google is cutting ties with Scale.",
            "Google is exploring options with its competitors.",
            False,
        ),
        ("Microsoft is pulling back.", "Microsoft is contemplating a withdrawal.", False),
        ("Google is pulling back.", "Google is shifting work to rivals.", False),
        ("Google is pulling back.", "Google will take its business elsewhere.", False),
        # A course kept is the opposite; a denial is left to the negation checks.
        ("OpenAI is pulling back.", "OpenAI would continue to work with Scale.", True),
        ("xAI is pulling back.", "xAI did not respond to a request.", False),
        # A claim of no ending course asks for none.
        ("Meta is taking a 49% stake.", "Meta takes a 49% share.", False),
    ],
)
def test_a_tie_said_to_end_needs_a_course_in_the_sentence(
    claim: str, text: str, expected: bool
) -> None:
    assert course_not_backed(claim, text) is expected


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "“It is a turning point,” said Jonathan Siddhartha, CEO of Tourist.",
            "Jonathan Siddhartha",
        ),
        ("“Demand has tripled,” said Handshek CEO Garrett Lord.", "Handshek CEO Garrett Lord"),
        ("“We are strong,” Garrett Lord said.", "Garrett Lord"),
        ("Garrett Lord said: “We are strong.”", "Garrett Lord"),
        # no quotation: a reported statement names no quotation's speaker
        ("Many AI labs want safe data, said Merkel’s CEO Brendon Foody.", ""),
        ("The company said on Friday it would go.", ""),
    ],
)
def test_the_speaker_a_quotation_s_attribution_names(text: str, speaker: str) -> None:
    assert quotation_speaker(text) == speaker
