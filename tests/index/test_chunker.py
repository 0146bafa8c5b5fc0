"""Sentence splitting and chunking: sizes, offsets into the original text, stable ids."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunker import chunk_text, sentence_spans
from index.embedder import Embedder
from index.loader import load_sources, read_source_text
from index.types import Passage

from conftest import SEEDS


def words(text: str) -> int:
    """A cheap token counter for property tests: one token per word."""
    return len(text.split())


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in sentence_spans(text)]


# --- sentence splitting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.S. government buys data. Scale labels it.",
            ["The U.S. government buys data.", "Scale labels it."],
        ),
        ("Mr. Wang moves to Meta. He takes staff.", ["Mr. Wang moves to Meta.", "He takes staff."]),
        (
            "It serves the U. S. government. Meta pays.",
            ["It serves the U. S. government.", "Meta pays."],
        ),
        ("George W. Bush spoke. Then he left.", ["George W. Bush spoke.", "Then he left."]),
        (
            "It is worth $14.5 billion. That is a lot.",
            ["It is worth $14.5 billion.", "That is a lot."],
        ),
        ("See e.g. the deal. Done? Yes!", ["See e.g. the deal.", "Done?", "Yes!"]),
        ('He said "it is over." Then he left.', ['He said "it is over."', "Then he left."]),
        ("A sentence. and a lower-case tail.", ["A sentence. and a lower-case tail."]),
        ("No final stop", ["No final stop"]),
    ],
)
def test_sentence_split(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_lines_are_hard_breaks() -> None:
    text = "Rivals saw the opening\nMost of the revenue comes from labs.\n\n  Indented line  \n"
    assert sentences(text) == [
        "Rivals saw the opening",
        "Most of the revenue comes from labs.",
        "Indented line",
    ]


def test_spans_have_no_surrounding_white_space() -> None:
    text = "  First one.   Second one.\t\nThird.  "
    for span in sentence_spans(text):
        piece = text[span.start : span.end]
        assert piece == piece.strip() and piece


def test_empty_text_has_no_sentences() -> None:
    assert sentence_spans("") == []
    assert sentence_spans(" \n\t\n") == []
    assert chunk_text("x.txt", " \n ", words) == []


# --- chunking the seeds with the real tokenizer ------------------------------------------


def seed_passages(embedder: Embedder, **kwargs: int) -> dict[str, list[Passage]]:
    docs, skipped = load_sources(SEEDS)
    assert docs and not skipped
    return {d.name: chunk_text(d.name, d.text, embedder.count_tokens, **kwargs) for d in docs}


@pytest.mark.parametrize("max_tokens", [40, 90, 200])
def test_every_seed_passage_round_trips_and_fits(embedder: Embedder, max_tokens: int) -> None:
    by_source = seed_passages(embedder, max_tokens=max_tokens, overlap_tokens=30)
    for name, passages in by_source.items():
        original = read_source_text(SEEDS, name)
        assert passages, name
        for position, p in enumerate(passages):
            assert original[p.start : p.end] == p.text
            assert p.source == name and p.position == position
            assert p.text == p.text.strip() and p.text
            assert embedder.count_tokens(p.text) <= max_tokens, (name, p.text)
            assert p.id == f"{name}:{p.start}-{p.end}:{p.content_hash}"


def test_seed_passages_cover_every_sentence(embedder: Embedder) -> None:
    for name, passages in seed_passages(embedder).items():
        original = read_source_text(SEEDS, name)
        covered = [False] * len(original)
        for p in passages:
            covered[p.start : p.end] = [True] * (p.end - p.start)
        missing = [i for i, ch in enumerate(original) if not ch.isspace() and not covered[i]]
        assert not missing, (name, original[missing[0] : missing[0] + 40])


def test_passages_advance_with_bounded_overlap(embedder: Embedder) -> None:
    for passages in seed_passages(embedder).values():
        for before, after in pairwise(passages):
            assert after.start > before.start and after.end > before.end
            if after.start < before.end:  # the repeated sentence: short, at the seam
                shared = before.text[after.start - before.start :]
                assert after.text.startswith(shared)
                assert embedder.count_tokens(shared) <= 30


def test_overlap_zero_means_disjoint(embedder: Embedder) -> None:
    for passages in seed_passages(embedder, max_tokens=90, overlap_tokens=0).values():
        for before, after in pairwise(passages):
            assert after.start >= before.end


def test_chunk_ids_are_stable_and_unique(embedder: Embedder) -> None:
    first = seed_passages(embedder)
    again = seed_passages(embedder)
    assert first == again
    ids = [p.id for ps in first.values() for p in ps]
    assert len(ids) == len(set(ids))


def test_long_sentence_is_cut_at_words(embedder: Embedder) -> None:
    text = " ".join(f"word{i}" for i in range(300)) + "."
    passages = chunk_text("long.txt", text, embedder.count_tokens, max_tokens=50)
    assert len(passages) > 1
    for p in passages:
        assert text[p.start : p.end] == p.text
        assert embedder.count_tokens(p.text) <= 50
        assert not text[p.start - 1 : p.start].strip()  # starts at a word boundary


# --- properties on random text ------------------------------------------------------------

_ALPHABET = st.sampled_from(
    [*"abcdefghij ABCDE  ..!?\n\n\t'\"”’)$%0123456789,-", "U.S.", "Mr.", "é", "\u00a0"]
)
random_text = st.lists(_ALPHABET, max_size=400).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=random_text, max_tokens=st.integers(1, 40), overlap=st.integers(0, 20))
def test_property_offsets_round_trip_and_cover(text: str, max_tokens: int, overlap: int) -> None:
    passages = chunk_text("r.txt", text, words, max_tokens=max_tokens, overlap_tokens=overlap)
    covered = [False] * len(text)
    for position, p in enumerate(passages):
        assert text[p.start : p.end] == p.text
        assert p.text and p.text == p.text.strip()
        assert p.position == position
        # Only a single word longer than the budget may exceed it.
        assert words(p.text) <= max_tokens or len(p.text.split()) == 1
        covered[p.start : p.end] = [True] * (p.end - p.start)
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())
    assert [p.start for p in passages] == sorted({p.start for p in passages})


@settings(max_examples=100, deadline=None)
@given(text=random_text, extra=st.text(alphabet="abc .XY", min_size=1, max_size=60))
def test_property_ids_stable(text: str, extra: str) -> None:
    first = chunk_text("r.txt", text, words, max_tokens=12, overlap_tokens=4)
    assert [p.id for p in chunk_text("r.txt", text, words, max_tokens=12, overlap_tokens=4)] == [
        p.id for p in first
    ]
    # A paragraph appended on a new line may only change the id of the last old passage.
    grown = chunk_text("r.txt", text + "\n" + extra, words, max_tokens=12, overlap_tokens=4)
    lost = {p.id for p in first} - {p.id for p in grown}
    assert len(lost) <= 1
    assert not lost or lost == {first[-1].id}


@settings(max_examples=100, deadline=None)
@given(text=random_text)
def test_property_sentences_are_stripped_and_ordered(text: str) -> None:
    spans = sentence_spans(text)
    for a, b in pairwise(spans):
        assert a.end <= b.start
    for s in spans:
        piece = text[s.start : s.end]
        assert piece and piece == piece.strip()
        assert "\n" not in piece
    non_space = re.sub(r"\s", "", text)
    assert "".join(re.sub(r"\s", "", text[s.start : s.end]) for s in spans) == non_space


def test_property_with_real_tokenizer(embedder: Embedder) -> None:
    # A few hundred characters of mixed seed text cut at random points, real token counts.
    original = read_source_text(SEEDS, "003_3f358279ffc1055d.txt")
    for cut in range(0, len(original), 397):
        text = original[cut : cut + 1500]
        for p in chunk_text("c.txt", text, embedder.count_tokens, max_tokens=60):
            assert text[p.start : p.end] == p.text
            assert embedder.count_tokens(p.text) <= 60
