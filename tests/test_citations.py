"""Citation parsing, support checks, repair, and conflict detection."""

from __future__ import annotations

import pytest

from index.embedder import Embedder
from qa.citations import find_conflicts, misquoted, split_cited, supports, verify_citations
from qa.models import RetrievedPassage

TEXTS = [
    "Google had planned to pay Scale AI about $ 200 million this year for labelled data.",
    "Scale was worth $ 14 billion before the deal with Meta.",
    "Openai's CFO said on Friday that the company will continue to work with Scale AI.",
    "Handshake saw demand triple overnight, said its CEO Garrett Lord.",
]


def _passages(texts: list[str], sources: list[str] | None = None) -> list[RetrievedPassage]:
    sources = sources or [f"s{i}.txt" for i in range(len(texts))]
    return [
        RetrievedPassage(
            id=f"{s}:{i}", source=s, start=0, end=len(t), text=t, score=0.1, dense_score=0.6
        )
        for i, (t, s) in enumerate(zip(texts, sources, strict=True))
    ]


def test_split_cited_reads_markers_before_and_after_the_full_stop() -> None:
    parts = split_cited("Google planned $200 million [1]. Scale was worth $14 billion. [2][3, 4]")
    assert [p.cited for p in parts] == [[1], [2, 3, 4]]
    assert parts[0].text == "Google planned $200 million."
    assert parts[1].text == "Scale was worth $14 billion."


def test_numbers_must_occur_in_the_passage() -> None:
    assert supports("Google planned $200 million.", TEXTS[0], 0.9)
    assert not supports("Google planned $300 million.", TEXTS[0], 0.9)


def test_citation_outside_the_context_is_never_returned(embedder: Embedder) -> None:
    passages = _passages(TEXTS)
    result = verify_citations(
        "Google planned to pay about $200 million this year [7].",
        passages,
        embedder.encode_documents,
    )
    assert 7 in result.dropped
    assert all(1 <= c.n <= 4 for c in result.citations)
    # Repaired to the passage that really holds the number.
    assert [c.n for c in result.citations] == [1]
    assert result.repaired == 1
    assert "[7]" not in result.text and result.text.endswith("[1].")


def test_unsupported_citation_is_repaired_or_dropped(embedder: Embedder) -> None:
    passages = _passages(TEXTS)
    result = verify_citations(
        "Scale was worth $14 billion before the deal [4].", passages, embedder.encode_documents
    )
    assert [c.n for c in result.citations] == [2]
    assert 4 in result.dropped


def test_claim_nothing_supports_keeps_no_citation(embedder: Embedder) -> None:
    result = verify_citations(
        "Scale AI was founded in 1999 by Ada Lovelace [1].",
        _passages(TEXTS),
        embedder.encode_documents,
    )
    assert result.citations == []


def test_citation_offsets_come_from_the_passage(embedder: Embedder) -> None:
    p = RetrievedPassage(
        id="x",
        source="x.txt",
        start=10,
        end=10 + len(TEXTS[1]),
        text=TEXTS[1],
        score=0.1,
        dense_score=0.7,
    )
    result = verify_citations("Scale was worth $14 billion [1].", [p], embedder.encode_documents)
    (c,) = result.citations
    assert (c.n, c.source, c.start, c.end, c.text) == (1, "x.txt", 10, 10 + len(TEXTS[1]), TEXTS[1])


@pytest.mark.parametrize(
    ("other", "expect"),
    [
        ("The OpenAI CEO said on Friday that the company would continue to work with Scale.", True),
        ("OpenAI's CFO said on Friday the company would keep working with Scale AI.", False),
    ],
)
def test_conflict_on_who_said_it(embedder: Embedder, other: str, expect: bool) -> None:
    passages = _passages([TEXTS[2], other], ["a.txt", "b.txt"])
    found = find_conflicts(
        "OpenAI's CFO said the company will keep working with Scale.",
        [1],
        passages,
        embedder.encode_documents,
    )
    assert bool(found) is expect
    if expect:
        assert found[0].first_terms == ("cfo",) and found[0].second_terms == ("ceo",)


def test_meta_sentence_cites_for_the_sentence_before(embedder: Embedder) -> None:
    parts = split_cited("Scale was worth $14 billion. This is supported by passage [2].")
    assert [(p.text, p.cited) for p in parts] == [("Scale was worth $14 billion.", [2])]


def test_unsupported_sentences_are_left_out(embedder: Embedder) -> None:
    result = verify_citations(
        "Scale was worth $14 billion [2]. Its founder owns 90 racehorses in Peru [2].",
        _passages(TEXTS),
        embedder.encode_documents,
    )
    assert result.text == "Scale was worth $14 billion [2]."


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


def test_stray_markers_are_verified_not_passed_through(embedder: Embedder) -> None:
    result = verify_citations(
        "Scale was worth $14 billion before the deal [2]. ,, [1][4]",
        _passages(TEXTS),
        embedder.encode_documents,
    )
    assert result.text == "Scale was worth $14 billion before the deal [2]."
    assert [c.n for c in result.citations] == [2]
    assert sorted(result.dropped) == [1, 4]


def test_no_conflict_on_what_the_answer_does_not_state(embedder: Embedder) -> None:
    passages = _passages(
        [
            "Openai's CFO said on Friday that the company will continue to work with Scale AI.",
            "The OpenAI CEO said on Friday that the company would continue to work with Scale.",
        ],
        ["a.txt", "b.txt"],
    )
    found = find_conflicts(
        "OpenAI said on Friday that it will keep working with Scale AI.",
        [1],
        passages,
        embedder.encode_documents,
    )
    assert found == []


def test_misquoted_finds_a_garbled_figure_not_an_invention() -> None:
    passages = _passages(TEXTS)
    # The words match passage 2; the figure does not.
    assert misquoted("Scale was worth $14.5 billion before the deal [2].", passages) == {2}
    # Right figure: nothing misquoted. Invented claim: the words do not match either.
    assert misquoted("Scale was worth $14 billion before the deal [2].", passages) == set()
    assert misquoted("Scale AI was founded in 1999 by Ada Lovelace [2].", passages) == set()
    assert misquoted("Scale was worth $15 billion [9].", passages) == set()
    # The words match, but "300" is no misreading of any figure in the passage: made up.
    assert misquoted("Scale was worth $300 billion before the deal [2].", passages) == set()


def test_misquoted_reads_figures_split_by_spaces() -> None:
    passages = _passages(["Scale AI increased revenue of 70 870 million in 2024."])
    assert misquoted("Scale AI's revenue in 2024 was $70.87 billion [1].", passages) == {1}
    assert misquoted("Scale AI's revenue in 2024 was $100 billion [1].", passages) == set()
