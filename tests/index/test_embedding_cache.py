"""The embedding cache returns what the embedder returns, embedding each text once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.embedder import Embedder, EmbeddingCache


class Counting:
    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.seen: list[str] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return self.embedder.encode_documents(texts)


def test_cached_vectors_equal_fresh_ones_and_each_text_is_embedded_once(
    embedder: Embedder,
) -> None:
    counting = Counting(embedder)
    cache = EmbeddingCache(counting, max_texts=3)
    texts = ["Meta takes 49%.", "Google pays $200 million.", "Meta takes 49%."]
    first = cache(texts)
    assert first.shape == (3, embedder.dimension) and first.dtype == np.float32
    assert np.allclose(first, embedder.encode_documents(texts), atol=1e-6)
    assert counting.seen == ["Meta takes 49%.", "Google pays $200 million."]
    again = cache(["Google pays $200 million.", "Wang joins Meta."])
    assert np.allclose(again[0], first[1])
    assert counting.seen[2:] == ["Wang joins Meta."]
    # Beyond max_texts the least recently used goes: "Meta takes 49%." was used longest ago.
    cache(["xAI pulls back."])
    cache(["Meta takes 49%."])
    assert counting.seen[-1] == "Meta takes 49%."
    assert cache([]).shape == (0, embedder.dimension)
