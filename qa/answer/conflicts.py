"""Conflicts between sources: statements in different articles that align with an answer but
name a different role or number, flagged and cited on both sides."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.normalize import tokens
from qa.answer.context import passage_sentences
from qa.answer.markers import split_cited
from qa.answer.verification import figures, is_multiple
from qa.types import Citation, Embed, RetrievedPassage

__all__ = ["Conflict", "find_conflicts", "flag_conflicts"]

_YEAR = re.compile(r"^(19|20)\d\d$")
# An answer that itself says the sources disagree.
_DISAGREEMENT = re.compile(r"disagree|conflict|differ|inconsistent|while another|whereas", re.I)

# Words naming a role or title: sources that disagree on who said something differ here.
_ROLES = frozenset(
    [
        "ceo",
        "cfo",
        "coo",
        "cto",
        "cmo",
        "chairman",
        "chairwoman",
        "president",
        "founder",
        "cofounder",
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "director",
        "chief",
        "executive",
    ]
)


@dataclass(frozen=True)
class Conflict:
    """Two aligned statements from different sources that differ on a role or a number."""

    first: int
    second: int
    first_terms: tuple[str, ...]
    second_terms: tuple[str, ...]


def _salient(text: str) -> tuple[frozenset[str], frozenset[str]]:
    words = set(tokens(text, drop_stopwords=False))
    values = {n for n in figures(text) if not _YEAR.match(n) and not is_multiple(n)}
    return frozenset(words & _ROLES), frozenset(values)


def find_conflicts(
    evidence: str,
    cited: Sequence[int],
    passages: Sequence[RetrievedPassage],
    embed: Embed,
    *,
    alignment: float = 0.6,
    number_alignment: float = 0.8,
) -> list[Conflict]:
    """Statements in other sources that align with `evidence` but name a different role or
    number (for example one article's "CFO said" against another's "CEO said"). Only roles
    and numbers that `evidence` itself states count.

    Args:
        evidence: the answer text (markers removed) whose claims are checked.
        cited: 1-based numbers of the passages the answer cites.
        passages: the context passages.
        embed: the embedding function (unit vectors).
        alignment: cosine similarity above which two sentences are taken as the same statement.
        number_alignment: the stricter similarity needed before differing numbers count (two
            sentences about different amounts are often alike).
    """
    cited_set = [n for n in cited if 1 <= n <= len(passages)]
    if not cited_set:
        return []
    units = [(i + 1, text) for i, text in passage_sentences(passages)]
    vectors = embed([evidence] + [u[1] for u in units])
    unit_vecs = vectors[1:]
    anchors = _anchors(units, cited_set, unit_vecs @ vectors[0])
    # Only a disagreement on what the answer itself states matters: an answer about when
    # something happened does not conflict with sources differing on who announced it.
    stated_roles, stated_nums = _salient(evidence)
    conflicts: list[Conflict] = []
    seen: set[tuple[int, int]] = set()
    for a in anchors:
        a_roles, a_nums = _salient(units[a][1])
        a_roles, a_nums = a_roles & stated_roles, a_nums & stated_nums
        n_a = units[a][0]
        for b, (n_b, text_b) in enumerate(units):
            if passages[n_b - 1].source == passages[n_a - 1].source:
                continue
            similarity = float(unit_vecs[a] @ unit_vecs[b])
            if similarity < alignment:
                continue
            b_roles, b_nums = _salient(text_b)
            differs_role = bool(a_roles and b_roles and not (a_roles & b_roles))
            differs_num = bool(
                a_nums and b_nums and not (a_nums & b_nums) and similarity >= number_alignment
            )
            if (differs_role or differs_num) and (n_a, n_b) not in seen:
                seen.add((n_a, n_b))
                terms_a = a_roles if differs_role else a_nums
                terms_b = b_roles if differs_role else b_nums
                conflicts.append(Conflict(n_a, n_b, tuple(sorted(terms_a)), tuple(sorted(terms_b))))
    return conflicts


def _anchors(units: list[tuple[int, str]], cited: list[int], relevance: np.ndarray) -> list[int]:
    """For each cited passage, the index of its sentence that carries the answer (the one
    closest to it)."""
    anchors = []
    for n in cited:
        idx = [i for i, u in enumerate(units) if u[0] == n]
        if idx:
            anchors.append(max(idx, key=lambda i: float(relevance[i])))
    return anchors


def flag_conflicts(
    text: str, citations: list[Citation], passages: Sequence[RetrievedPassage], embed: Embed
) -> tuple[str, list[Citation], bool]:
    """Whether a checked answer shows sources disagreeing, and the answer with a note naming
    the disagreement when the answer did not say so itself.

    Returns:
        The text, its citations (both sides of a noted conflict cited) and the conflict flag.
    """
    if _DISAGREEMENT.search(text) and len({c.source for c in citations}) > 1:
        return text, citations, True
    plain = " ".join(s.text for s in split_cited(text))
    found = find_conflicts(plain, [c.n for c in citations], passages, embed)
    if not found:
        return text, citations, False
    noted, cited = _add_conflict_note(text, citations, found, passages)
    return noted, cited, True


def _add_conflict_note(
    text: str,
    citations: list[Citation],
    conflicts: Sequence[Conflict],
    passages: Sequence[RetrievedPassage],
) -> tuple[str, list[Citation]]:
    """Append a sentence naming the first disagreement, citing both sides."""
    c = conflicts[0]
    a, b = passages[c.first - 1], passages[c.second - 1]
    note = (
        f" The sources disagree here: {a.source} says {_terms(c.first_terms)} [{c.first}],"
        f" while {b.source} says {_terms(c.second_terms)} [{c.second}]."
    )
    have = {x.n for x in citations}
    extra = [Citation.from_passage(n, p) for n, p in ((c.first, a), (c.second, b)) if n not in have]
    return text + note, sorted(citations + extra, key=lambda x: x.n)


def _terms(terms: Sequence[str]) -> str:
    return " and ".join(t.upper() if len(t) <= 3 and t.isalpha() else t for t in terms)
