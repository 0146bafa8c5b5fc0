"""Indexing: load articles, chunk them into passages with exact offsets, embed them and keep
them in Chroma, incrementally. The lowest layer: it imports nothing from `qa` or `ui`."""

from __future__ import annotations

from index.chunker import Span, chunk_text, sentence_spans
from index.embedder import ChromaEmbeddingFunction, Embedder, default_embedder
from index.errors import QAError, SourceError, StoreUnavailableError
from index.indexer import IndexPlan, IndexReport, index_folder, plan_index
from index.loader import SkippedFile, SourceDocument, load_sources, read_source_text
from index.normalize import match_key, normalize, tokens
from index.store import ChromaMode, PassageStore, StoredHit, open_client, open_collection
from index.types import Passage

__all__ = [
    "ChromaEmbeddingFunction",
    "ChromaMode",
    "Embedder",
    "IndexPlan",
    "IndexReport",
    "Passage",
    "PassageStore",
    "QAError",
    "SkippedFile",
    "SourceDocument",
    "SourceError",
    "Span",
    "StoreUnavailableError",
    "StoredHit",
    "chunk_text",
    "default_embedder",
    "index_folder",
    "load_sources",
    "match_key",
    "normalize",
    "open_client",
    "open_collection",
    "plan_index",
    "read_source_text",
    "sentence_spans",
    "tokens",
]
