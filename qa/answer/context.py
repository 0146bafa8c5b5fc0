"""Context compaction: each passage keeps only its sentences relevant to the question.

Prompt tokens cost about 15 ms each on the target laptop. A passage is two to four sentences
and usually only one or two of them bear on the question, so the others are cut from the
prompt (never from the citation: a citation still names the whole passage's span).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.chunker import sentence_spans
from index.normalize import tokens
from qa.types import Embed, RetrievedPassage

__all__ = ["ScoredSentences", "compact_passages", "passage_sentences", "score_sentences"]


def passage_sentences(passages: Sequence[RetrievedPassage]) -> list[tuple[int, str]]:
    """Every sentence of the passages, in order, as (0-based passage index, sentence text)."""
    return [
        (i, p.text[s.start : s.end]) for i, p in enumerate(passages) for s in sentence_spans(p.text)
    ]


@dataclass(frozen=True)
class ScoredSentences:
    """The sentences of a context, each with the passage it belongs to and its relevance."""

    passage: list[int]  # 0-based index of the sentence's passage
    text: list[str]
    score: list[float]  # cosine similarity to the question + half the question-word share
    overlap: list[int]  # question content words the sentence holds
    vectors: np.ndarray  # one unit vector per sentence


def score_sentences(
    question: str, passages: Sequence[RetrievedPassage], embed: Embed
) -> ScoredSentences:
    """Split the passages into sentences and score each one's relevance to `question`."""
    units = passage_sentences(passages)
    owner = [i for i, _ in units]
    texts = [text for _, text in units]
    vectors = embed([question, *texts])
    q_words = set(tokens(question))
    overlap = [len(q_words & set(tokens(t))) for t in texts]
    score = [
        float(vectors[k + 1] @ vectors[0]) + 0.5 * (overlap[k] / len(q_words) if q_words else 0.0)
        for k in range(len(texts))
    ]
    return ScoredSentences(owner, texts, score, overlap, vectors[1:])


def compact_passages(
    question: str,
    passages: Sequence[RetrievedPassage],
    embed: Embed,
    *,
    keep_ratio: float = 0.6,
) -> list[RetrievedPassage]:
    """Copies of `passages` whose text keeps the sentences relevant to `question`.

    A sentence stays when its relevance (`score_sentences`) is at least `keep_ratio` times the
    best sentence's in the whole context; each passage keeps at least its best sentence, and
    kept sentences stay in order. A sentence an earlier passage already shows (neighbouring
    passages overlap by a sentence, and the versions repeat each other) is not shown again; a
    passage left with nothing new gets empty text. `keep_ratio=0` keeps everything.
    """
    if keep_ratio <= 0 or not passages:
        return list(passages)
    scored = score_sentences(question, passages, embed)
    if not scored.text:
        return list(passages)
    cutoff = keep_ratio * max(scored.score)
    compacted = []
    shown: set[str] = set()
    for i, p in enumerate(passages):
        mine = [k for k, owner in enumerate(scored.passage) if owner == i]
        if not mine:
            compacted.append(p)
            continue
        best = max(mine, key=lambda k: scored.score[k])
        kept = []
        for k in mine:
            flat = " ".join(scored.text[k].split())
            if (k == best or scored.score[k] >= cutoff) and flat not in shown:
                shown.add(flat)
                kept.append(flat)
        compacted.append(p.model_copy(update={"text": " ".join(kept)}))
    return compacted
