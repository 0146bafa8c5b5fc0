"""Indexing: load articles, chunk them into passages with exact offsets, embed them and keep
them in Chroma, incrementally. The lowest layer: it imports nothing from `qa` or `ui`."""

from __future__ import annotations

from index.chunker import Span, chunk_text, sentence_spans
from index.embedder import ChromaEmbeddingFunction, Embedder, default_embedder
from index.errors import BadSourceError, QAError, SourceError, StoreUnavailableError
from index.indexer import IndexPlan, IndexReport, apply_plan, index_folder, plan_index
from index.loader import (
    SkippedFile,
    SourceDocument,
    is_article_name,
    load_source,
    load_sources,
    parse_source,
    read_source_text,
)
from index.lock import StoreLock, StoreLockedError
from index.metadata import ArticleMeta, extract_html, text_metadata
from index.normalize import match_key, normalize, tokens
from index.store import (
    ChromaMode,
    PassageStore,
    SourceRecord,
    StoredHit,
    meta_key,
    open_client,
    open_collection,
)
from index.types import Passage
from index.versions import article_vector, version_groups

__all__ = [
    "ArticleMeta",
    "BadSourceError",
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
    "SourceRecord",
    "Span",
    "StoreLock",
    "StoreLockedError",
    "StoreUnavailableError",
    "StoredHit",
    "apply_plan",
    "article_vector",
    "chunk_text",
    "default_embedder",
    "extract_html",
    "index_folder",
    "is_article_name",
    "load_source",
    "load_sources",
    "match_key",
    "meta_key",
    "normalize",
    "open_client",
    "open_collection",
    "parse_source",
    "plan_index",
    "read_source_text",
    "sentence_spans",
    "text_metadata",
    "tokens",
    "version_groups",
]
