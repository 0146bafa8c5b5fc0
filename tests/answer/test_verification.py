"""Citation verification: support checks, repair, dropping, garbled figures."""

from __future__ import annotations

from index.embedder import Embedder
from qa.answer import misquoted, split_cited, supports, verify_citations
from qa.types import RetrievedPassage

from conftest import CONTEXT, passages_of


def test_numbers_must_occur_in_the_passage() -> None:
    assert supports("Google planned $200 million.", CONTEXT[0], 0.9)
    assert not supports("Google planned $300 million.", CONTEXT[0], 0.9)


def test_citation_outside_the_context_is_never_returned(embedder: Embedder) -> None:
    passages = passages_of(CONTEXT)
    result = verify_citations(
        "Google planned to pay about $200 million this year [7].",
        passages,
        embedder.encode_documents,
    )
    assert all(1 <= c.n <= 4 for c in result.citations)
    # Repaired to the passage that really holds the number.
    assert [c.n for c in result.citations] == [1]
    assert "[7]" not in result.text and result.text.endswith("[1].")


def test_unsupported_citation_is_repaired_or_dropped(embedder: Embedder) -> None:
    passages = passages_of(CONTEXT)
    result = verify_citations(
        "Scale was worth $14 billion before the deal [4].", passages, embedder.encode_documents
    )
    assert [c.n for c in result.citations] == [2]
    assert "[4]" not in result.text


def test_claim_nothing_supports_keeps_no_citation(embedder: Embedder) -> None:
    result = verify_citations(
        "Scale AI was founded in 1999 by Ada Lovelace [1].",
        passages_of(CONTEXT),
        embedder.encode_documents,
    )
    assert result.citations == []


def test_citation_offsets_come_from_the_passage(embedder: Embedder) -> None:
    p = RetrievedPassage(
        id="x",
        source="x.txt",
        start=10,
        end=10 + len(CONTEXT[1]),
        text=CONTEXT[1],
        score=0.1,
        dense_score=0.7,
    )
    result = verify_citations("Scale was worth $14 billion [1].", [p], embedder.encode_documents)
    (c,) = result.citations
    assert (c.n, c.source, c.start, c.end, c.text) == (
        1,
        "x.txt",
        10,
        10 + len(CONTEXT[1]),
        CONTEXT[1],
    )


def test_meta_sentence_cites_for_the_sentence_before(embedder: Embedder) -> None:
    parts = split_cited("Scale was worth $14 billion. This is supported by passage [2].")
    assert [(p.text, p.cited) for p in parts] == [("Scale was worth $14 billion.", [2])]


def test_unsupported_sentences_are_left_out(embedder: Embedder) -> None:
    result = verify_citations(
        "Scale was worth $14 billion [2]. Its founder owns 90 racehorses in Peru [2].",
        passages_of(CONTEXT),
        embedder.encode_documents,
    )
    assert result.text == "Scale was worth $14 billion [2]."


def test_stray_markers_are_verified_not_passed_through(embedder: Embedder) -> None:
    result = verify_citations(
        "Scale was worth $14 billion before the deal [2]. ,, [1][4]",
        passages_of(CONTEXT),
        embedder.encode_documents,
    )
    assert result.text == "Scale was worth $14 billion before the deal [2]."
    assert [c.n for c in result.citations] == [2]


def test_misquoted_finds_a_garbled_figure_not_an_invention() -> None:
    passages = passages_of(CONTEXT)
    # The words match passage 2; the figure does not.
    assert misquoted("Scale was worth $14.5 billion before the deal [2].", passages) == {2}
    # Right figure: nothing misquoted. Invented claim: the words do not match either.
    assert misquoted("Scale was worth $14 billion before the deal [2].", passages) == set()
    assert misquoted("Scale AI was founded in 1999 by Ada Lovelace [2].", passages) == set()
    assert misquoted("Scale was worth $15 billion [9].", passages) == set()
    # The words match, but "300" is no misreading of any figure in the passage: made up.
    assert misquoted("Scale was worth $300 billion before the deal [2].", passages) == set()


def test_misquoted_reads_figures_split_by_spaces() -> None:
    passages = passages_of(["Scale AI increased revenue of 70 870 million in 2024."])
    assert misquoted("Scale AI's revenue in 2024 was $70.87 billion [1].", passages) == {1}
    assert misquoted("Scale AI's revenue in 2024 was $100 billion [1].", passages) == set()
