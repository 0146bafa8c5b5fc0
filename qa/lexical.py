"""BM25 over the stored passages, built once and kept beside the store."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from pathlib import Path

from index.normalize import tokens
from qa.models import Passage


def fingerprint(ids: list[str]) -> str:
    """A digest of a set of passage ids: tells whether a saved index matches the store."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


class BM25Index:
    """Okapi BM25 over normalised word tokens.

    Args:
        passages: the passages to index.
        k1: term-frequency saturation.
        b: length normalisation.
    """

    def __init__(self, passages: list[Passage], k1: float = 1.2, b: float = 0.75) -> None:
        self.passages = passages
        self.k1, self.b = k1, b
        self.fingerprint = fingerprint([p.id for p in passages])
        docs = [Counter(tokens(p.text)) for p in passages]
        self._lengths = [sum(d.values()) for d in docs]
        self._avg = (sum(self._lengths) / len(docs)) if docs else 0.0
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in doc.items():
                self._postings.setdefault(term, []).append((i, tf))
        n = len(docs)
        self._idf = {
            t: math.log(1 + (n - len(post) + 0.5) / (len(post) + 0.5))
            for t, post in self._postings.items()
        }

    def search(self, query: str, n: int) -> list[tuple[Passage, float]]:
        """The `n` best passages for `query`, with their BM25 scores (only scores above 0)."""
        scores: dict[int, float] = {}
        for term in set(tokens(query)):
            idf = self._idf.get(term)
            if idf is None:
                continue
            for i, tf in self._postings[term]:
                norm = tf + self.k1 * (1 - self.b + self.b * self._lengths[i] / (self._avg or 1))
                scores[i] = scores.get(i, 0.0) + idf * tf * (self.k1 + 1) / norm
        best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        return [(self.passages[i], s) for i, s in best]

    def save(self, path: Path) -> None:
        """Write the passages the index was built from (rebuilding from them is cheap)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "fingerprint": self.fingerprint,
            "k1": self.k1,
            "b": self.b,
            "passages": [p.model_dump() for p in self.passages],
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        """Read an index saved by `save`."""
        payload = json.loads(path.read_text(encoding="utf-8"))
        passages = [Passage(**p) for p in payload["passages"]]
        return cls(passages, k1=payload["k1"], b=payload["b"])
