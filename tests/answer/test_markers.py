"""Reading `[n]` citation markers, however the model writes them."""

from __future__ import annotations

import pytest

from qa.answer import renumber, split_cited
from qa.types import Citation

from conftest import passages_of


def test_split_cited_reads_markers_before_and_after_the_full_stop() -> None:
    parts = split_cited("Google planned $200 million [1]. Scale was worth $14 billion. [2][3, 4]")
    assert [p.cited for p in parts] == [[1], [2, 3, 4]]
    assert parts[0].text == "Google planned $200 million."
    assert parts[1].text == "Scale was worth $14 billion."


def test_an_initial_ends_no_claim() -> None:
    # The model spaced out "U.S."; the claim was cut after "U." and "S. government" kept.
    parts = split_cited("Scale AI serves branches of the U. S. government [2].")
    assert [(p.text, p.cited) for p in parts] == [
        ("Scale AI serves branches of the U. S. government.", [2])
    ]


@pytest.mark.parametrize(
    "answer",
    [
        "Scale was worth $14 billion. [1], [2] and [3]",
        "Scale was worth $14 billion [1], [2], [3].",
        "Scale was worth $14 billion [1]. ,, [2][3]",
    ],
)
def test_separated_markers_cite_the_sentence_before(answer: str) -> None:
    parts = split_cited(answer)
    assert [(p.text, p.cited) for p in parts] == [("Scale was worth $14 billion.", [1, 2, 3])]


def test_renumber_follows_first_use() -> None:
    text, order = renumber("A [3]. B [1][3]. C [2].")
    assert text == "A [1]. B [2][1]. C [3]."
    assert order == {3: 1, 1: 2, 2: 3}


def test_a_citation_span_must_lie_inside_its_passage() -> None:
    (p,) = passages_of(["One. Two."])
    c = Citation.from_passage(1, p, 0.5, span=(5, 9))
    assert (c.start, c.end, c.text, c.passage_start, c.passage_end) == (5, 9, "Two.", 0, 9)
    with pytest.raises(ValueError, match="outside"):
        Citation.from_passage(1, p, span=(5, 20))


def test_a_cited_text_without_closing_punctuation_stays_its_own_sentence() -> None:
    from qa.answer.markers import split_cited, with_markers

    byline = with_markers("By Anne Tong, Kenrik Kai and Crystal Hu", [2])
    assert byline == "By Anne Tong, Kenrik Kai and Crystal Hu [2]."
    assert with_markers("Meta takes 49%.", [1]) == "Meta takes 49% [1]."
    assert with_markers('He said "no."', [1]) == 'He said "no [1]."'
    joined = f"{byline} The sources disagree here: s1.txt says 200 [1]."
    assert [s.cited for s in split_cited(joined)] == [[2], [1]]
