"""Who holds which role where: a claim's role relation against its sentence's (issue 11,
fault 1: another company's chief executive passes a check of shared words)."""

from __future__ import annotations

import pytest

from qa.answer.roles import RoleRelation, role_relations, roles_contradicted

GARBLED = (
    "As part of the agreement, Scale will take a high position under the AI’s CEO, Wang,"
    " Meta’s AI efforts."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Scale AI’s CEO, Alexander Wang, is moving.",
            RoleRelation("Scale AI", "ceo", "Alexander Wang"),
        ),
        ("said Handshek CEO Garrett Lord.", RoleRelation("Handshek", "ceo", "Garrett Lord")),
        (
            "said Jonathan Siddhartha, chief executive of Tourist.",
            RoleRelation("Tourist", "ceo", "Jonathan Siddhartha"),
        ),
        ("Meta's finance chief is Susan Li.", RoleRelation("Meta", "cfo", "Susan Li")),
    ],
)
def test_a_role_relation_is_read_from_apposition_or_possession(
    text: str, expected: RoleRelation
) -> None:
    assert role_relations(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        # a role without a company of its own, or a pronoun's
        "Scale Ai intends to maintain his business while CEO Alexander Wang moves to Meta.",
        "His CEO, Manu Sharma, told Reuters.",
        "Openai’s CFO said on Friday that the company will continue.",
    ],
)
def test_a_role_of_no_named_company_states_no_relation(text: str) -> None:
    assert role_relations(text) == []


@pytest.mark.parametrize(
    ("claim", "text", "question"),
    [
        ("Meta's chief executive is Wang.", GARBLED, ""),
        ("Wang.", GARBLED, "Who is Meta's chief executive?"),
        ("Wang is the CEO of Meta.", GARBLED, ""),
        (
            "Scale AI's CEO is Jonathan Siddhartha.",
            "said Jonathan Siddhartha, CEO of Tourist, Scale AI.",
            "",
        ),
    ],
)
def test_the_role_at_another_company_contradicts_the_claim(
    claim: str, text: str, question: str
) -> None:
    assert roles_contradicted(claim, text, question)


@pytest.mark.parametrize(
    ("claim", "text", "question"),
    [
        ("Scale AI's CEO is Alexander Wang.", "Scale AI’s CEO, Alexander Wang, is moving.", ""),
        ("Alexander Wang.", "Scale AI’s CEO, Alexander Wang, left.", "Who is Scale AI's CEO?"),
        # a respelled company is the same company
        ("Handshake CEO Garrett Lord said demand tripled.", "said Handshek CEO Garrett Lord.", ""),
        # a role without a company, or another role, contradicts nothing
        ("Scale AI's CEO is Alexander Wang.", "while CEO Alexander Wang moves to Meta.", ""),
        ("Meta's CFO is Wang.", GARBLED, ""),
        # a claim that states no role relation
        ("Wang is moving to Meta.", GARBLED, ""),
    ],
)
def test_the_same_role_or_no_company_contradicts_nothing(
    claim: str, text: str, question: str
) -> None:
    assert not roles_contradicted(claim, text, question)
