"""Sentence-aware chunking into small passages whose offsets point into the original text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from index.types import Passage

__all__ = ["Span", "TokenCounter", "chunk_text", "sentence_spans"]

TokenCounter = Callable[[str], int]

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "inc",
        "corp",
        "co",
        "ltd",
        "jr",
        "sr",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "no",
        "fig",
        "approx",
    ]
)
# A sentence ends at . ! or ? (plus closing quotes/brackets) followed by white space.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Span:
    """A [start, end) range of the original text."""

    start: int
    end: int


def sentence_spans(text: str) -> list[Span]:
    """Split `text` into sentence spans (no surrounding white space), lines being hard breaks."""
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        base = line.start()
        segment = line.group()
        cursor = 0
        for match in _BOUNDARY.finditer(segment):
            end = match.end()
            word = re.search(r"(\S+)$", segment[cursor : match.start() + 1])
            tail = segment[end:].lstrip()
            if word and _abbreviation(word.group(1).rstrip(".")):
                continue
            if tail and tail[0].islower():
                continue
            _append_stripped(spans, text, base + cursor, base + end)
            cursor = end
        _append_stripped(spans, text, base + cursor, base + len(segment))
    return spans


def _abbreviation(word: str) -> bool:
    """A word its full stop does not end a sentence after: a known abbreviation, or an
    initial ("U. S. government", "George W. Bush")."""
    return word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _append_stripped(spans: list[Span], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    spans.append(Span(start + lead, start + lead + len(stripped)))


def _split_long(text: str, span: Span, count: TokenCounter, budget: int) -> list[Span]:
    """Cut a sentence longer than `budget` tokens at word boundaries."""
    words = [m.span() for m in re.finditer(r"\S+", text[span.start : span.end])]
    pieces: list[Span] = []
    first = 0
    for i in range(1, len(words) + 1):
        last_end = words[i - 1][1]
        piece = text[span.start + words[first][0] : span.start + last_end]
        too_big = count(piece) > budget and i - 1 > first
        if too_big:
            end = span.start + words[i - 2][1]
            pieces.append(Span(span.start + words[first][0], end))
            first = i - 1
    pieces.append(Span(span.start + words[first][0], span.start + words[-1][1]))
    return pieces


def chunk_text(
    source: str,
    text: str,
    count_tokens: TokenCounter,
    *,
    max_tokens: int = 90,
    overlap_tokens: int = 30,
) -> list[Passage]:
    """Group sentences into passages of at most `max_tokens` tokens.

    A passage is usually two to four sentences. The next passage repeats the previous passage's
    last sentence when that sentence is at most `overlap_tokens` long, so a fact that straddles
    two passages is whole in one of them.
    """
    sentences: list[Span] = []
    sizes: list[int] = []  # counted once per sentence: tokenising is most of a re-index's cost
    for span in sentence_spans(text):
        size = count_tokens(text[span.start : span.end])
        if size > max_tokens:
            pieces = _split_long(text, span, count_tokens, max_tokens)
            sentences.extend(pieces)
            sizes.extend(count_tokens(text[s.start : s.end]) for s in pieces)
        else:
            sentences.append(span)
            sizes.append(size)

    groups: list[tuple[int, int]] = []
    i = 0
    while i < len(sentences):
        j, total = i + 1, sizes[i]
        while j < len(sentences) and total + sizes[j] <= max_tokens:
            total += sizes[j]
            j += 1
        groups.append((i, j))
        if j >= len(sentences):
            break
        overlap = j - 1 if (j - 1 > i and sizes[j - 1] <= overlap_tokens) else j
        i = overlap

    passages = []
    for position, (a, b) in enumerate(groups):
        start, end = sentences[a].start, sentences[b - 1].end
        body = text[start:end]
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
        passages.append(
            Passage(
                id=f"{source}:{start}-{end}:{digest}",
                source=source,
                start=start,
                end=end,
                text=body,
                position=position,
                content_hash=digest,
            )
        )
    return passages
