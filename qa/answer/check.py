"""The answer check: from the generator's raw text to a cited answer, or to a refusal.

A pure function of the raw text, the context passages and the embedding function, so it is
tested on its own; the chain only calls it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.normalize import normalize, tokens
from qa.answer.conflicts import flag_conflicts
from qa.answer.extractive import extract_answer
from qa.answer.prompts import NOT_IN_ARTICLES
from qa.answer.verification import Verification, misquoted, verify_citations
from qa.types import Citation, Embed, RetrievedPassage

__all__ = ["CheckedAnswer", "check_answer", "says_not_known"]

# Ways an answer declines: the prompt's own phrase and what models write instead.
_NOT_KNOWN = re.compile(
    r"not in (the )?articles"
    r"|(do|does|did) not (contain|provide|mention|include|say|specify)"
    r"|(don'?t|doesn'?t|do not|does not) know"
    r"|no (information|mention)"
    r"|(cannot|can'?t|unable to) (be )?(answer|determine|find|be determined)"
    r"|not (mentioned|specified|provided|stated|available)"
    r"|unknown",
    re.I,
)
# An answer this short (in content words) that declines is a refusal, not a partial answer.
_SHORT_ANSWER_WORDS = 8


def says_not_known(text: str) -> bool:
    """True when `text` declines to answer ("not in the articles", "I don't know", ...)."""
    return bool(_NOT_KNOWN.search(normalize(text)))


@dataclass(frozen=True)
class CheckedAnswer:
    """An answer that passed the check: text with `[n]` markers, its citations, and whether
    the sources disagree on what it states."""

    text: str
    citations: list[Citation]
    conflict: bool


def check_answer(
    raw: str,
    passages: Sequence[RetrievedPassage],
    embed: Embed,
    *,
    question: str,
    requote_garbled: bool = True,
) -> CheckedAnswer | None:
    """Check a generated answer against its context; None means: refuse.

    Steps: a reply that says `NOT IN ARTICLES` (or nothing) is a refusal; each sentence's
    citations are verified (`verify_citations`); when nothing is left and the model garbled a
    figure of the passage it cited, that passage's own sentence is quoted instead (only with
    `requote_garbled`, for generated answers); sources disagreeing on what the answer states
    are noted (`flag_conflicts`); a short answer that declines is a refusal.

    Args:
        raw: the generator's text with `[n]` markers.
        passages: the numbered context passages (1-based in the markers).
        embed: the embedding function.
        question: the standalone question (to pick the sentence to quote).
        requote_garbled: replace a garbled figure's sentence by the passage's own.
    """
    if not raw or NOT_IN_ARTICLES.lower() in raw.lower():
        return None
    checked = verify_citations(raw, passages, embed)
    if not checked.citations and requote_garbled:
        checked = _requote(raw, question, passages, embed) or checked
    if not checked.citations:
        return None  # nothing in the context backs the answer
    text, citations, conflict = flag_conflicts(checked.text, checked.citations, passages, embed)
    if says_not_known(text) and len(tokens(text)) < _SHORT_ANSWER_WORDS:
        return None
    return CheckedAnswer(text, citations, conflict)


def _requote(
    raw: str, question: str, passages: Sequence[RetrievedPassage], embed: Embed
) -> Verification | None:
    """The model read the right passage but garbled a figure (a small model "fixes"
    "70 870 million" into "$70.87 billion"): quote that passage's own sentence."""
    garbled = misquoted(raw, passages)
    if not garbled:
        return None
    quoted = extract_answer(question, passages, embed, only=garbled)
    return None if quoted is None else verify_citations(quoted.text, passages, embed)
