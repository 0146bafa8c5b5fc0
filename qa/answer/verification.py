"""Support of a claim's words and numbers by a text: the figures a text states, the share of
a claim's words a passage holds, and whether a wrong figure is a misreading of a real one."""

from __future__ import annotations

import re

from index.normalize import tokens

__all__ = ["counts", "figures", "is_multiple", "resembles_a_figure_in", "word_support"]

_DIGITS = re.compile(r"\d+(?:\.\d+)?")


# Words that state a multiple: a figure as much as "3" is ("demand tripled", "threefold").
_MULTIPLES = {
    "double": "x2",
    "doubled": "x2",
    "doubles": "x2",
    "doubling": "x2",
    "twofold": "x2",
    "two-fold": "x2",
    "twice": "x2",
    "triple": "x3",
    "tripled": "x3",
    "triples": "x3",
    "tripling": "x3",
    "threefold": "x3",
    "three-fold": "x3",
    "quadrupled": "x4",
    "fourfold": "x4",
    "four-fold": "x4",
    "halved": "x0.5",
}
_TIMES = re.compile(r"(?<![\d.,])\b(two|three|four|five|ten|\d+(?:\.\d+)?) times\b", re.I)
_TIMES_WORDS = {"two": "x2", "three": "x3", "four": "x4", "five": "x5", "ten": "x10"}


def figures(text: str) -> set[str]:
    """The numbers of a text, commas and leading zeros removed ("$1,000" -> "1000"), and the
    multiples it states, marked "x" ("tripled", "threefold", "3 times" -> "x3")."""
    found = {n.lstrip("0") or "0" for n in _DIGITS.findall(text.replace(",", ""))}
    found |= {_MULTIPLES[w] for w in re.findall(r"[\w-]+", text.lower()) if w in _MULTIPLES}
    for m in _TIMES.finditer(text):
        n = m.group(1).lower()
        found.add(_TIMES_WORDS.get(n, f"x{n}"))
        if len(re.findall(rf"(?<![\d.]){re.escape(n)}(?![\d.])", text)) == 1:
            found.discard(n.lstrip("0"))  # "3 times" states a multiple, not a count
    return found


# Counts in words ("five sources said"); "one" is left out, being also a pronoun.
_COUNT_DIGITS = {
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
}
_COUNT = re.compile(rf"\b({'|'.join(_COUNT_DIGITS)})\b(?![- ]?(?:times|fold)\b)", re.I)


def counts(text: str) -> set[str]:
    """The counts a text states in words, as digits ("Five sources" -> "5"); a multiple
    ("three times", "two-fold") is one of `figures`, not a count."""
    return {_COUNT_DIGITS[w.lower()] for w in _COUNT.findall(text)}


def is_multiple(figure: str) -> bool:
    """True for a multiple among `figures` ("x3" for "threefold"), not a number."""
    return figure.startswith("x")


def word_support(sentence: str, passage: str) -> float:
    """Share of the sentence's content words found in the passage."""
    words = set(tokens(sentence))
    if not words:
        return 1.0
    return len(words & set(tokens(passage))) / len(words)


_FIGURE = re.compile(r"\d(?:[\d.,]|\s(?=\d))*")


def resembles_a_figure_in(number: str, text: str) -> bool:
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
