"""Citation parsing and verification: every `[n]` must point at a context passage that
supports the sentence citing it, or it is repaired or dropped."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from index.chunker import sentence_spans
from index.normalize import tokens
from qa.models import Citation, RetrievedPassage

Embed = Callable[[Sequence[str]], np.ndarray]

_GROUP = r"\[\d+(?:\s*[,;]\s*\d+)*\]"
# A run of markers, however the model separates them: "[1][2]", "[1, 2]", "[1], [2] and [3]".
_MARKER = re.compile(rf"\s*{_GROUP}(?:\s*(?:[,;]|and)?\s*{_GROUP})*")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_LEADING_MARKERS = re.compile(rf"^{_MARKER.pattern}")
_META = re.compile(
    r"^(this|that|the|which)?\s*(information|answer|fact|statement)?\s*(is|was)?\s*"
    r"(supported|stated|mentioned|found|given|based|shown|confirmed|cited)\b.*\bpassages?\b",
    re.I,
)
_YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass
class CitedSentence:
    """One sentence of an answer and the passage numbers it cites."""

    text: str
    cited: list[int]


@dataclass
class Verification:
    """The outcome of checking an answer's citations."""

    text: str
    citations: list[Citation]
    dropped: list[int] = field(default_factory=list)
    repaired: int = 0


def split_cited(answer: str) -> list[CitedSentence]:
    """Split an answer into sentences with the `[n]` markers each carries (markers removed)."""
    result: list[CitedSentence] = []
    for span in sentence_spans(answer):
        piece = answer[span.start : span.end]
        # Markers written after a sentence's full stop open the next piece: give them back.
        lead = _LEADING_MARKERS.match(piece)
        if lead and result:
            result[-1].cited.extend(_marker_numbers(lead.group()))
            piece = piece[lead.end() :]
        text = _MARKER.sub("", piece).strip()
        wordless = not re.search(r"\w", text)
        if wordless or _META.match(text):
            # "This is supported by passage [1]." or a stray ", [3]" cites for the sentence
            # before it.
            if result:
                result[-1].cited.extend(_marker_numbers(piece))
            if wordless or result:
                continue
        result.append(CitedSentence(text, _marker_numbers(piece)))
    return result


def _with_markers(text: str, numbers: Sequence[int]) -> str:
    """`text` with `[n]` markers placed before its closing punctuation."""
    if not numbers:
        return text
    markers = "".join(f"[{n}]" for n in numbers)
    body = text.rstrip()
    end = len(body)
    while end > 0 and body[end - 1] in ".!?\"'”’)":
        end -= 1
    return f"{body[:end].rstrip()} {markers}{body[end:]}"


def _marker_numbers(text: str) -> list[int]:
    return [int(n) for m in _MARKER.finditer(text) for n in re.findall(r"\d+", m.group())]


def _numbers(text: str) -> set[str]:
    return {n.lstrip("0") or "0" for n in _DIGITS.findall(text.replace(",", ""))}


def lexical_support(sentence: str, passage: str) -> float:
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
    if not _numbers(sentence) <= _numbers(passage):
        return False
    return lexical_support(sentence, passage) >= min_overlap or similarity >= min_similarity


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
            wrong = _numbers(sentence.text) - _numbers(text)
            if (
                wrong
                and all(_resembles_a_figure_in(x, text) for x in wrong)
                and lexical_support(sentence.text, text) >= min_overlap
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
    """
    sentences = split_cited(answer)
    if not sentences or not passages:
        return Verification(answer.strip(), [])
    vectors = embed([s.text for s in sentences] + [p.text for p in passages])
    sims = vectors[: len(sentences)] @ vectors[len(sentences) :].T

    dropped: list[int] = []
    repaired = 0
    out_sentences: list[str] = []
    used: dict[int, float] = {}
    for i, sentence in enumerate(sentences):
        ok = [n for n in dict.fromkeys(sentence.cited) if 1 <= n <= len(passages)]
        dropped.extend(n for n in sentence.cited if not 1 <= n <= len(passages))
        good = [
            n for n in ok if supports(sentence.text, passages[n - 1].text, float(sims[i, n - 1]))
        ]
        dropped.extend(n for n in ok if n not in good)
        needs_source = len(tokens(sentence.text)) >= 2
        if not good and needs_source:
            candidates = [
                j
                for j in range(len(passages))
                if supports(sentence.text, passages[j].text, float(sims[i, j]))
            ]
            if candidates:
                good = [max(candidates, key=lambda j: float(sims[i, j])) + 1]
                repaired += 1
        if not good and needs_source:
            continue  # a claim nothing in the context supports is left out
        for n in good:
            used[n] = max(used.get(n, 0.0), float(sims[i, n - 1]))
        out_sentences.append(_with_markers(sentence.text, good))

    citations = [
        Citation(
            n=n,
            source=passages[n - 1].source,
            start=passages[n - 1].start,
            end=passages[n - 1].end,
            text=passages[n - 1].text,
            score=round(used[n], 4),
        )
        for n in sorted(used)
    ]
    return Verification(" ".join(out_sentences), citations, dropped, repaired)


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
    values = {n for n in _numbers(text) if not _YEAR.match(n)}
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
    units: list[tuple[int, str]] = []
    for n, p in enumerate(passages, start=1):
        units.extend((n, p.text[s.start : s.end]) for s in sentence_spans(p.text))
    vectors = embed([evidence] + [u[1] for u in units])
    query, unit_vecs = vectors[0], vectors[1:]
    relevance = unit_vecs @ query
    # The sentence of each cited passage that carries the answer.
    anchors = []
    for n in cited_set:
        idx = [i for i, u in enumerate(units) if u[0] == n]
        if idx:
            anchors.append(max(idx, key=lambda i: float(relevance[i])))
    # Only a disagreement on what the answer itself states matters: an answer about when
    # something happened does not conflict with sources differing on who announced it.
    stated_roles, stated_nums = _salient(evidence)
    conflicts: list[Conflict] = []
    seen: set[tuple[int, int]] = set()
    for a in anchors:
        a_roles, a_nums = _salient(units[a][1])
        a_roles, a_nums = a_roles & stated_roles, a_nums & stated_nums
        for b, (n_b, text_b) in enumerate(units):
            n_a = units[a][0]
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
