"""The figure and word helpers the claim check is built on."""

from __future__ import annotations

import pytest

from qa.answer import counts, figures, resembles_a_figure_in, split_cited, word_support

from conftest import CONTEXT


def test_figures_drop_commas_and_leading_zeros() -> None:
    assert figures("$1,000 and 049 % of 14.5 billion") == {"1000", "49", "14.5"}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Demand increased threefold overnight.", {"x3"}),
        ("Demand tripled; sales rose 3 times.", {"x3"}),
        ("Handshake's CEO said demand doubled.", {"x2"}),
        ("Revenue was twice that, two times more than 2023.", {"x2", "2023"}),
        ("Revenue grew 1.5 times.", {"x1.5"}),
        ("Sales rose 3 times to 3 million.", {"x3", "3"}),
    ],
)
def test_figures_hold_the_multiples_a_text_states(text: str, found: set[str]) -> None:
    assert figures(text) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Five sources familiar with the matter told Reuters.", {"5"}),
        ("Two sources said so; three sources said more.", {"2", "3"}),
        # "one" is also a pronoun; a multiple is no count.
        ("One of the sources said demand rose three times.", set()),
        ("Demand grew two-fold.", set()),
    ],
)
def test_counts_are_the_numbers_a_text_gives_in_words(text: str, found: set[str]) -> None:
    assert counts(text) == found


def test_word_support_is_the_share_of_words_found() -> None:
    assert word_support("Google planned $200 million", CONTEXT[0]) >= 0.5
    assert word_support("Racehorses in Peru", CONTEXT[0]) == 0.0


def test_meta_sentence_cites_for_the_sentence_before() -> None:
    parts = split_cited("Scale was worth $14 billion. This is supported by passage [2].")
    assert [(p.text, p.cited) for p in parts] == [("Scale was worth $14 billion.", [2])]


def test_a_wrong_figure_resembles_a_real_one_or_is_made_up() -> None:
    assert resembles_a_figure_in("14.5", CONTEXT[1])  # "$ 14 billion"
    assert resembles_a_figure_in("70.87", "revenue of 70 870 million in 2024")
    assert not resembles_a_figure_in("300", CONTEXT[1])
    assert not resembles_a_figure_in("100", "revenue of 70 870 million in 2024")
