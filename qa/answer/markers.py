"""Citation markers: `[n]` runs in an answer, however the model writes them, read into
sentences with the passage numbers each cites, and written back."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.chunker import sentence_spans

__all__ = ["CitedSentence", "renumber", "split_cited", "with_markers"]

_GROUP = r"\[\d+(?:\s*[,;]\s*\d+)*\]"
# A run of markers, however the model separates them: "[1][2]", "[1, 2]", "[1], [2] and [3]".
_MARKER = re.compile(rf"\s*{_GROUP}(?:\s*(?:[,;]|and)?\s*{_GROUP})*")
_LEADING_MARKERS = re.compile(rf"^{_MARKER.pattern}")
_META = re.compile(
    r"^(this|that|the|which)?\s*(information|answer|fact|statement)?\s*(is|was)?\s*"
    r"(supported|stated|mentioned|found|given|based|shown|confirmed|cited)\b.*\bpassages?\b",
    re.I,
)


@dataclass
class CitedSentence:
    """One sentence of an answer and the passage numbers it cites."""

    text: str
    cited: list[int]


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


def with_markers(text: str, numbers: Sequence[int]) -> str:
    """`text` with `[n]` markers placed before its closing punctuation; a cited text with
    none (a byline, a heading) gets a full stop, so that it stays a sentence of its own."""
    if not numbers:
        return text
    markers = "".join(f"[{n}]" for n in numbers)
    body = text.rstrip()
    end = len(body)
    while end > 0 and body[end - 1] in ".!?\"'”’)":
        end -= 1
    close = body[end:] if re.search(r"[.!?]", body[end:]) else body[end:] + "."
    return f"{body[:end].rstrip()} {markers}{close}"


def _marker_numbers(text: str) -> list[int]:
    return [int(n) for m in _MARKER.finditer(text) for n in re.findall(r"\d+", m.group())]


def renumber(text: str) -> tuple[str, dict[int, int]]:
    """`text` with its `[n]` markers numbered from 1 in order of first use, and the map from
    each old number to its new one (in the new order)."""
    order: dict[int, int] = {}

    def new_number(match: re.Match[str]) -> str:
        old = int(match.group(1))
        order.setdefault(old, len(order) + 1)
        return f"[{order[old]}]"

    return re.sub(r"\[(\d+)\]", new_number, text), order
