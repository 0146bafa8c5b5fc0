"""BM25 over the stored passages, built once and kept beside the store."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Collection
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from index.normalize import STOPWORDS, tokens
from index.types import Passage

__all__ = ["BM25Index", "fingerprint"]


# A name in a query: a capitalised word of 4 letters or more ("Llama", "OpenAI").
_NAME = re.compile(r"\b[A-Z][A-Za-z]{3,}\b")


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
        self.ids = frozenset(p.id for p in passages)
        self._sources = np.array([p.source for p in passages], dtype=object)
        docs = [Counter(tokens(p.text)) for p in passages]
        self._lengths = [sum(d.values()) for d in docs]
        self._avg = (sum(self._lengths) / len(docs)) if docs else 0.0
        postings: dict[str, list[tuple[int, int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in doc.items():
                postings.setdefault(term, []).append((i, tf))
        n = len(docs)
        self._idf = {
            t: math.log(1 + (n - len(post) + 0.5) / (len(post) + 0.5))
            for t, post in postings.items()
        }
        # Each posting's BM25 weight depends only on the passage, so it is computed once here
        # and a query only adds arrays: no Python loop over postings at search time.
        length_norm = self.k1 * (
            1 - self.b + self.b * np.asarray(self._lengths, dtype=np.float64) / (self._avg or 1)
        )
        self._weights: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._vocabulary = [t for t in postings if t.isalpha()]
        for term, post in postings.items():
            rows = np.fromiter((i for i, _ in post), dtype=np.int64, count=len(post))
            freqs = np.fromiter((f for _, f in post), dtype=np.float64, count=len(post))
            weights = self._idf[term] * freqs * (self.k1 + 1) / (freqs + length_norm[rows])
            self._weights[term] = (rows, weights)

    def search(
        self, query: str, n: int, sources: Collection[str] | None = None
    ) -> list[tuple[Passage, float]]:
        """The `n` best passages for `query`, with their BM25 scores (only scores above 0);
        only passages of the files in `sources`, when given."""
        scores = np.zeros(len(self.passages))
        touched = np.zeros(len(self.passages), dtype=bool)
        for term in set(tokens(query)) | self.respelled(query):
            found = self._weights.get(term)
            if found is None:
                continue
            rows, weights = found
            scores[rows] += weights
            touched[rows] = True
        if sources is not None:
            touched &= np.isin(self._sources, list(sources))
        candidates = np.flatnonzero(touched)
        # Best score first; equal scores in passage order.
        best = candidates[np.lexsort((candidates, -scores[candidates]))][:n]
        return [(self.passages[i], float(scores[i])) for i in best]

    def respelled(self, query: str) -> set[str]:
        """The indexed words that respell a name the query gives but no passage does, within
        one edit (two for a name of 8 letters or more), as rough translations respell names
        ("Llama" finds "Lama", "OpenAI" finds "Openi"). A name is a capitalised word of 4
        letters or more; other words are left as asked ("wound" does not find "would")."""
        found: set[str] = set()
        for name in _NAME.findall(query):
            term = name.lower()
            if term in self._weights or term in STOPWORDS:
                continue
            found.update(
                match
                for match, _, _ in process.extract(
                    term,
                    self._vocabulary,
                    scorer=Levenshtein.distance,
                    score_cutoff=1 if len(term) < 8 else 2,
                    limit=3,
                )
            )
        return found

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
