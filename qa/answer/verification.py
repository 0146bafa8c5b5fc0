"""Support of a claim's words and numbers by a text: the figures a text states, the share of
a claim's words a passage holds, and whether a wrong figure is a misreading of a real one."""

from __future__ import annotations

import re

from index.normalize import tokens

__all__ = ["figures", "resembles_a_figure_in", "word_support"]

_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def figures(text: str) -> set[str]:
    """The numbers of a text, commas and leading zeros removed ("$1,000" -> "1000")."""
    return {n.lstrip("0") or "0" for n in _DIGITS.findall(text.replace(",", ""))}


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
