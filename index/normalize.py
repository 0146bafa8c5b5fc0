"""Text normalisation for matching only. Stored and cited text is never normalised."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

import snowballstemmer

__all__ = ["STOPWORDS", "match_key", "normalize", "spaced_figures", "stem", "tokens"]

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_CURRENCY_GAP = re.compile(r"([$€£])\s+(?=\d)")
_PERCENT_GAP = re.compile(r"(?<=\d)\s+(%|percent\b)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_SPACED_FIGURE = re.compile(r"(?<![\w.,])\d{1,3}(?: \d{3})+\b")
_WORD = re.compile(r"[$€£]?\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:['-][^\W\d_]+)*", re.UNICODE)

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


def normalize(text: str) -> str:
    """Fold quotes, dashes, spacing in amounts ("$ 200" -> "$200", "49 %" -> "49%")."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _CURRENCY_GAP.sub(r"\1", text)
    text = _PERCENT_GAP.sub(lambda m: "%" if m.group(1) == "%" else " percent", text)
    return _SPACES.sub(" ", text).strip()


def tokens(text: str, *, drop_stopwords: bool = True) -> list[str]:
    """Lower-cased word and number tokens of normalised text, for lexical matching."""
    found = [t.lower() for t in _WORD.findall(normalize(text))]
    if drop_stopwords:
        return [t for t in found if t not in STOPWORDS]
    return found


def match_key(text: str) -> str:
    """A canonical form for comparing short answers: lower case, no punctuation but $ and %."""
    text = normalize(text).lower().replace(" percent", "%")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"[^\w$%.\s]", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    return _SPACES.sub(" ", text).strip()


def spaced_figures(text: str) -> list[str]:
    """Figures split by a space, as rough machine translations garble them ("70 870
    million" where another version says "$ 870 million"), in order of appearance."""
    return _SPACED_FIGURE.findall(text)


_STEMMER = snowballstemmer.stemmer("english")  # Porter2; one object, not thread-safe
_STEMMER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A lower-case word's Porter2 stem ("taking", "takes" -> "take"; "denied" -> "deni"),
    from `snowballstemmer`; thread-safe."""
    with _STEMMER_LOCK:
        return str(_STEMMER.stemWord(word))
