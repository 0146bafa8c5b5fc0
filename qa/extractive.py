"""The `extractive` backend: no LLM; the answer is the passages' best-supported sentences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.chunker import sentence_spans
from index.normalize import tokens
from qa.citations import Embed
from qa.models import RetrievedPassage


@dataclass(frozen=True)
class Extract:
    """An extractive answer: text with `[n]` markers."""

    text: str
    cited: list[int]


def extract_answer(
    question: str,
    passages: Sequence[RetrievedPassage],
    embed: Embed,
    *,
    max_sentences: int = 2,
    min_overlap: int = 1,
) -> Extract | None:
    """Pick the sentences of the context that best answer `question`.

    A sentence scores its cosine similarity to the question plus the share of the question's
    content words it contains. The best sentence is taken, and a second one from another
    passage if it scores nearly as well and says something new. Returns None when no sentence
    shares a content word with the question.
    """
    units: list[tuple[int, str]] = []
    for n, p in enumerate(passages, start=1):
        units.extend((n, p.text[s.start : s.end]) for s in sentence_spans(p.text))
    if not units:
        return None
    q_words = set(tokens(question))
    vectors = embed([question] + [u[1] for u in units])
    q_vec, u_vecs = vectors[0], vectors[1:]
    scores = []
    for i, (_, text) in enumerate(units):
        overlap = len(q_words & set(tokens(text)))
        share = overlap / len(q_words) if q_words else 0.0
        scores.append((float(u_vecs[i] @ q_vec) + 0.5 * share, overlap))
    order = sorted(range(len(units)), key=lambda i: -scores[i][0])
    best = order[0]
    if scores[best][1] < min_overlap:
        return None
    chosen = [best]
    for i in order[1:]:
        if len(chosen) >= max_sentences:
            break
        if scores[i][0] < 0.9 * scores[best][0] or scores[i][1] < min_overlap:
            break
        novel = all(float(u_vecs[i] @ u_vecs[j]) < 0.8 for j in chosen)
        if novel and units[i][0] not in {units[j][0] for j in chosen}:
            chosen.append(i)
    parts = [f"{' '.join(units[i][1].split())} [{units[i][0]}]" for i in chosen]
    return Extract(" ".join(parts), [units[i][0] for i in chosen])
