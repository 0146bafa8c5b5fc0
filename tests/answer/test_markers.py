"""Reading `[n]` citation markers, however the model writes them."""

from __future__ import annotations

import pytest

from qa.answer import split_cited


def test_split_cited_reads_markers_before_and_after_the_full_stop() -> None:
    parts = split_cited("Google planned $200 million [1]. Scale was worth $14 billion. [2][3, 4]")
    assert [p.cited for p in parts] == [[1], [2, 3, 4]]
    assert parts[0].text == "Google planned $200 million."
    assert parts[1].text == "Scale was worth $14 billion."


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
