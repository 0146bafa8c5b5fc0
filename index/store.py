"""The Chroma store: one collection of passages, cosine space, explicit embedding function."""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from index.embedder import ChromaEmbeddingFunction, Embedder
from index.errors import StoreUnavailableError
from index.metadata import ArticleMeta
from index.types import Passage

__all__ = [
    "ChromaMode",
    "PassageStore",
    "SourceRecord",
    "StoredHit",
    "meta_key",
    "open_client",
    "open_collection",
]

ChromaMode = Literal["embedded", "server"]

_BATCH = 256


def open_client(
    mode: ChromaMode = "embedded",
    *,
    path: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> Any:
    """A Chroma client, telemetry off.

    Embedded mode opens a `PersistentClient` on `path` (thread-safe, not process-safe: one
    process owns it). Server mode talks to `chroma run` on `host:port` through `HttpClient`;
    that server must stay on loopback.

    Raises:
        StoreUnavailableError: server mode and nothing answers at `host:port`.
        ValueError: embedded mode without a `path`.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if mode == "server":
        try:
            return chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
        except Exception as exc:  # chromadb raises plain exceptions for connection errors
            raise StoreUnavailableError(
                f"cannot reach the Chroma server at {host}:{port} ({exc}); start it with"
                f" `chroma run --path DIR --port {port}` or set QA_CHROMA_MODE=embedded"
            ) from exc
    if path is None:
        raise ValueError("an embedded Chroma store needs a folder (path=...)")
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def open_collection(client: Any, name: str, embedder: Embedder, *, fresh: bool = False) -> Any:
    """The Chroma collection `name`: cosine space and our embedding function, never Chroma's
    default (which would download a model).

    Args:
        client: a Chroma client.
        name: the collection name.
        embedder: the embedding model, recorded in the collection's metadata.
        fresh: drop an existing collection of that name first.
    """
    if fresh and any(c.name == name for c in client.list_collections()):
        client.delete_collection(name)
    return client.get_or_create_collection(
        name=name,
        embedding_function=ChromaEmbeddingFunction(embedder),
        configuration={"hnsw": {"space": "cosine"}},
        metadata={"embedding_model": embedder.name},
    )


@dataclass(frozen=True)
class StoredHit:
    """A passage found by a dense query, with its cosine similarity and vector."""

    passage: Passage
    similarity: float
    vector: np.ndarray


@dataclass
class SourceRecord:
    """What the store holds of one source file.

    Attributes:
        ids: its passage ids.
        meta_keys: the article-metadata keys its passages carry (`meta_key`; "" when a passage
            was written before metadata was stored).
        indexed_at: when its newest passage was written (Unix seconds; 0 if unknown).
        meta: the article metadata stored with it (empty if none).
    """

    ids: set[str] = field(default_factory=set)
    meta_keys: set[str] = field(default_factory=set)
    indexed_at: float = 0.0
    meta: dict[str, str] = field(default_factory=dict)


def meta_key(meta: ArticleMeta) -> str:
    """A short digest of an article's metadata: tells whether stored metadata is current."""
    import hashlib

    return hashlib.sha256(json.dumps(asdict(meta), sort_keys=True).encode()).hexdigest()[:16]


_META_FIELDS = ("format", "title", "byline", "date", "url", "dateline")


class PassageStore:
    """Passages and their vectors in one Chroma collection.

    Args:
        client: a Chroma client (`open_client`, or `chromadb.EphemeralClient()` in tests).
        embedder: the embedding model; also given to Chroma so it never uses its default.
        name: the collection name.
    """

    def __init__(self, client: Any, embedder: Embedder, name: str = "articles") -> None:
        self.client = client
        self.embedder = embedder
        self.name = name
        self.collection = open_collection(client, name, embedder)

    def count(self) -> int:
        """Number of stored passages."""
        return int(self.collection.count())

    def ids(self) -> list[str]:
        """Every stored passage id."""
        return list(self.collection.get(include=[])["ids"])

    def ids_by_source(self) -> dict[str, set[str]]:
        """Every stored passage id, grouped by source file name."""
        result: dict[str, set[str]] = {}
        got = self.collection.get(include=["metadatas"])
        for pid, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
            result.setdefault(str(meta["source"]), set()).add(pid)
        return result

    def sources(self) -> dict[str, SourceRecord]:
        """What the store holds, by source file name (ids, metadata keys, time written)."""
        result: dict[str, SourceRecord] = {}
        got = self.collection.get(include=["metadatas"])
        for pid, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
            record = result.setdefault(str(meta["source"]), SourceRecord())
            record.ids.add(pid)
            record.meta_keys.add(str(meta.get("article_meta", "")))
            record.indexed_at = max(record.indexed_at, float(meta.get("indexed_at", 0.0)))
            if not record.meta:
                record.meta = {f: str(meta[f]) for f in _META_FIELDS if f in meta}
        return result

    def upsert(
        self,
        passages: Sequence[Passage],
        vectors: np.ndarray,
        articles: Mapping[str, ArticleMeta] | None = None,
    ) -> None:
        """Write passages with their precomputed vectors (idempotent: ids are content-derived),
        each with its article's metadata from `articles` (by source name) when given."""
        now = time.time()
        for i in range(0, len(passages), _BATCH):
            part = passages[i : i + _BATCH]
            self.collection.upsert(
                ids=[p.id for p in part],
                documents=[p.text for p in part],
                embeddings=[v for v in vectors[i : i + _BATCH]],
                metadatas=[_metadata(p, (articles or {}).get(p.source), now) for p in part],
            )

    def retag(self, passages: Sequence[Passage], articles: Mapping[str, ArticleMeta]) -> None:
        """Rewrite the metadata of stored passages (their article's metadata changed, or they
        were written before it was stored); nothing is embedded again."""
        now = time.time()
        for i in range(0, len(passages), _BATCH):
            part = passages[i : i + _BATCH]
            self.collection.update(
                ids=[p.id for p in part],
                metadatas=[_metadata(p, articles.get(p.source), now, clear=True) for p in part],
            )

    def delete(self, ids: Iterable[str]) -> None:
        """Remove passages by id."""
        ids = list(ids)
        for i in range(0, len(ids), _BATCH):
            self.collection.delete(ids=ids[i : i + _BATCH])

    def all_passages(self) -> list[Passage]:
        """Every stored passage (for the lexical index), in source and position order."""
        got = self.collection.get(include=["documents", "metadatas"])
        passages = [
            _passage(pid, doc, meta)
            for pid, doc, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
            )
        ]
        return sorted(passages, key=lambda p: (p.source, p.position, p.start))

    def query(
        self, vector: np.ndarray, n: int, sources: Collection[str] | None = None
    ) -> list[StoredHit]:
        """The `n` nearest passages to `vector` by cosine similarity (only passages of the
        files in `sources`, when given)."""
        if n <= 0 or (sources is not None and not sources):
            return []
        where = None if sources is None else {"source": {"$in": sorted(sources)}}
        got = self.collection.query(
            query_embeddings=[vector],
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances", "embeddings"],
        )
        hits = []
        for pid, doc, meta, dist, emb in zip(
            got["ids"][0],
            (got["documents"] or [[]])[0],
            (got["metadatas"] or [[]])[0],
            (got["distances"] or [[]])[0],
            (got["embeddings"] if got["embeddings"] is not None else [[]])[0],
            strict=True,
        ):
            hits.append(
                StoredHit(_passage(pid, doc, meta), 1.0 - float(dist), np.asarray(emb, np.float32))
            )
        return hits

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of the given passages."""
        if not ids:
            return {}
        got = self.collection.get(ids=list(ids), include=["embeddings"])
        embs = got["embeddings"] if got["embeddings"] is not None else []
        return {
            pid: np.asarray(e, dtype=np.float32) for pid, e in zip(got["ids"], embs, strict=True)
        }


def _metadata(
    p: Passage, meta: ArticleMeta | None, now: float, *, clear: bool = False
) -> dict[str, str | int | float | None]:
    """A passage's Chroma metadata; with `clear`, unknown article fields are None (an update
    then removes what an older version stored)."""
    record: dict[str, str | int | float | None] = {
        "source": p.source,
        "start": p.start,
        "end": p.end,
        "position": p.position,
        "content_hash": p.content_hash,
        "indexed_at": now,
    }
    if meta is not None:
        record["article_meta"] = meta_key(meta)
        # Chroma metadata holds no nulls: unknown fields are left out.
        for f in _META_FIELDS:
            value = getattr(meta, f)
            if value is not None or clear:
                record[f] = value
    return record


def _passage(pid: str, doc: str | None, meta: Any) -> Passage:
    return Passage(
        id=pid,
        source=str(meta["source"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=doc or "",
        position=int(meta["position"]),
        content_hash=str(meta["content_hash"]),
    )
