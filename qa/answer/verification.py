"""Citation verification: every `[n]` must point at a context passage that supports the
sentence citing it, or it is repaired or dropped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.normalize import tokens
from qa.answer.markers import split_cited, with_markers
from qa.types import Citation, Embed, RetrievedPassage

__all__ = [
    "Verification",
    "figures",
    "misquoted",
    "supports",
    "verify_citations",
]

_DIGITS = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Verification:
    """An answer after its citations were checked: its text with `[n]` markers, and the
    passages it cites."""

    text: str
    citations: list[Citation]


def figures(text: str) -> set[str]:
    """The numbers of a text, commas and leading zeros removed ("$1,000" -> "1000")."""
    return {n.lstrip("0") or "0" for n in _DIGITS.findall(text.replace(",", ""))}


def _lexical_support(sentence: str, passage: str) -> float:
    """Share of the sentence's content words found in the passage."""
    words = set(tokens(sentence))
    if not words:
        return 1.0
    return len(words & set(tokens(passage))) / len(words)


def supports(
    sentence: str,
    passage: str,
    similarity: float,
    *,
    min_overlap: float = 0.5,
    min_similarity: float = 0.55,
) -> bool:
    """True when `passage` backs `sentence`: all its numbers occur in the passage, and enough
    of its words do or the two are close in embedding space."""
    if not figures(sentence) <= figures(passage):
        return False
    return _lexical_support(sentence, passage) >= min_overlap or similarity >= min_similarity


def misquoted(
    answer: str, passages: Sequence[RetrievedPassage], min_overlap: float = 0.5
) -> set[int]:
    """Numbers of the cited passages that back a sentence's words but not its numbers: the
    model read the right passage and garbled a figure ("70 870 million" as "$70.87 billion").
    Each wrong number must resemble a figure of the passage; otherwise it was made up."""
    found = set()
    for sentence in split_cited(answer):
        for n in sentence.cited:
            if not 1 <= n <= len(passages):
                continue
            text = passages[n - 1].text
            wrong = figures(sentence.text) - figures(text)
            if (
                wrong
                and all(_resembles_a_figure_in(x, text) for x in wrong)
                and _lexical_support(sentence.text, text) >= min_overlap
            ):
                found.add(n)
    return found


_FIGURE = re.compile(r"\d(?:[\d.,]|\s(?=\d))*")


def _resembles_a_figure_in(number: str, text: str) -> bool:
    """True when `number` and one of the text's figures, read as significant digits alone,
    share a run of at least two: "70.87" and "70 870 million", "1.5" and "$ 150 million",
    "14.5" and "$ 14 billion". A "100" the passage gives no sign of is an invention."""
    digits = _significant(number)
    for figure in _FIGURE.findall(text):
        other = _significant(figure)
        short, long = sorted((digits, other), key=len)
        if len(short) >= 2 and short in long:
            return True
    return False


def _significant(number: str) -> str:
    return re.sub(r"\D", "", number).strip("0")


def verify_citations(
    answer: str, passages: Sequence[RetrievedPassage], embed: Embed
) -> Verification:
    """Check each sentence's citations against the context, repairing what can be repaired.

    A citation to a number outside the context is dropped. A cited passage that does not
    support its sentence is replaced by the context passage that supports it best, or dropped.
    A sentence with facts but no citation gets the best supporting passage, if any; a
    sentence with facts that no passage supports is left out of the answer.

    Args:
        answer: the generated text with `[n]` markers (1-based passage numbers).
        passages: the numbered context passages.
        embed: the embedding function (one unit vector per text).
    """
    sentences = split_cited(answer)
    if not sentences or not passages:
        return Verification(answer.strip(), [])
    vectors = embed([s.text for s in sentences] + [p.text for p in passages])
    sims = vectors[: len(sentences)] @ vectors[len(sentences) :].T

    out_sentences: list[str] = []
    used: dict[int, float] = {}
    for i, sentence in enumerate(sentences):
        good = _supporting(sentence.text, sentence.cited, passages, [float(x) for x in sims[i]])
        if good is None:
            continue  # a claim nothing in the context supports is left out
        for n in good:
            used[n] = max(used.get(n, 0.0), float(sims[i, n - 1]))
        out_sentences.append(with_markers(sentence.text, good))
    citations = [Citation.from_passage(n, passages[n - 1], used[n]) for n in sorted(used)]
    return Verification(" ".join(out_sentences), citations)


def _supporting(
    sentence: str, cited: Sequence[int], passages: Sequence[RetrievedPassage], sims: list[float]
) -> list[int] | None:
    """The passage numbers that stay cited for one sentence: the cited ones that support it,
    else the best supporting passage. None when the sentence states something (two content
    words or more) that no passage supports; an empty list for a sentence too short to need
    a source."""
    ok = [n for n in dict.fromkeys(cited) if 1 <= n <= len(passages)]
    good = [n for n in ok if supports(sentence, passages[n - 1].text, sims[n - 1])]
    if good or len(tokens(sentence)) < 2:
        return good
    candidates = [j for j in range(len(passages)) if supports(sentence, passages[j].text, sims[j])]
    if not candidates:
        return None
    return [max(candidates, key=lambda j: sims[j]) + 1]
