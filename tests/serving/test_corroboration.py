"""Corroboration across versions of a story, as the formatting layers show it."""

from __future__ import annotations

from qa.serving import format_sources
from qa.serving.corroboration import claim_agreement, version_agreement
from qa.types import Answer, Citation
from ui.format import format_answer, source_choices


def cite(
    n: int, source: str, group: str | None, twins: list[str], title: str | None = None
) -> Citation:
    text = f"Passage {n} of {source}."
    return Citation(
        n=n, source=source, title=title, start=0, end=len(text), text=text, score=0.8,
        version_group=group, corroborated_by=twins,
    )  # fmt: skip


A = cite(1, "a.txt", "story:a.txt", ["b.txt", "c.txt"], title="Meta Takes 49% of Scale")
B = cite(2, "b.txt", "story:a.txt", [])
LONE = cite(3, "x.txt", "story:x.txt", [])
UNKNOWN = cite(4, "y.txt", None, ["z.txt"])


def test_versions_holding_the_same_passage_agree() -> None:
    assert version_agreement(A, [A, B]) == "3 versions agree"
    assert version_agreement(LONE, [LONE]) is None
    assert version_agreement(UNKNOWN, [UNKNOWN]) is None  # no version groups known


def test_a_conflict_between_versions_is_disagreement() -> None:
    assert version_agreement(A, [A, B], conflict=True) == "versions disagree"
    assert version_agreement(LONE, [LONE, A], conflict=True) is None  # not versions of it
    assert claim_agreement([1, 2], [A, B], conflict=True) == "versions disagree"
    assert claim_agreement([1, 3], [A, LONE]) == "3 versions agree"
    assert claim_agreement([3], [A, LONE]) is None


def test_footnotes_and_chat_show_titles_and_agreement() -> None:
    footnotes = format_sources([A, LONE])
    assert '[1] Meta Takes 49% of Scale — a.txt [0:19] (3 versions agree) "Passage 1' in footnotes
    assert '[3] x.txt [0:19] "Passage 3 of x.txt."' in footnotes
    answer = Answer(
        question="q", standalone_question="q", answer="Meta takes 49% [1]. Other [3].",
        refused=False, citations=[A, LONE], backend="fake", model="fake",
    )  # fmt: skip
    shown = format_answer(answer)
    assert 'Meta takes 49% [1] <span class="qa-versions">3 versions agree</span>.' in shown
    assert "Other [3]." in shown
    assert "**[1]** Meta Takes 49% of Scale · `a.txt` · *3 versions agree*" in shown
    assert source_choices([A])[0][0] == "[1] Meta Takes 49% of Scale — a.txt [0:19]"
