"""Context compaction: each passage keeps only its sentences relevant to the question.

Prompt tokens cost about 15 ms each on the target laptop. A passage is two to four sentences
and usually only one or two of them bear on the question, so the others are cut from the
prompt (never from the citation: a citation still names the whole passage's span).
"""

from __future__ import annotations

from collections.abc import Sequence

from index.chunker import sentence_spans
from index.normalize import tokens
from qa.citations import Embed
from qa.models import RetrievedPassage


def compact_passages(
    question: str,
    passages: Sequence[RetrievedPassage],
    embed: Embed,
    *,
    keep_ratio: float = 0.6,
) -> list[RetrievedPassage]:
    """Copies of `passages` whose text keeps the sentences relevant to `question`.

    A sentence stays when its relevance (cosine similarity to the question plus the share of
    the question's words it holds) is at least `keep_ratio` times the best sentence's in the
    whole context; each passage keeps at least its best sentence, and kept sentences stay in
    order. `keep_ratio=0` keeps everything.
    """
    if keep_ratio <= 0 or not passages:
        return list(passages)
    units: list[tuple[int, int, int]] = []
    for i, p in enumerate(passages):
        units.extend((i, s.start, s.end) for s in sentence_spans(p.text))
    texts = [passages[i].text[a:b] for i, a, b in units]
    vectors = embed([question, *texts])
    q_words = set(tokens(question))
    scores = []
    for k, text in enumerate(texts):
        share = len(q_words & set(tokens(text))) / len(q_words) if q_words else 0.0
        scores.append(float(vectors[k + 1] @ vectors[0]) + 0.5 * share)
    cutoff = keep_ratio * max(scores)
    compacted = []
    for i, p in enumerate(passages):
        mine = [k for k, u in enumerate(units) if u[0] == i]
        if not mine:
            compacted.append(p)
            continue
        best = max(mine, key=lambda k: scores[k])
        kept = [k for k in mine if k == best or scores[k] >= cutoff]
        text = " ".join(texts[k] for k in kept)
        compacted.append(p.model_copy(update={"text": text}))
    return compacted
