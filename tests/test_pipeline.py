"""The composition root: the pipeline refuses a missing or stale index, or brings it up to
date when asked, and serves the indexed articles."""

from __future__ import annotations

from typing import Any

import pytest

from index.embedder import Embedder
from qa.errors import IndexMissingError, NotFoundError
from qa.pipeline import build_pipeline
from qa.settings import Settings


def test_an_empty_index_is_refused(
    settings: Settings, embedder: Embedder, chroma_client: Any
) -> None:
    with pytest.raises(IndexMissingError, match="qa index"):
        build_pipeline(settings, embedder=embedder, client=chroma_client)


def test_a_stale_index_is_refused_or_updated(
    settings: Settings, embedder: Embedder, chroma_client: Any
) -> None:
    build_pipeline(settings, embedder=embedder, client=chroma_client, ensure_index=True)
    (settings.seeds_dir / "new.txt").write_text("Acme bought Widget for $3 billion.\n")
    with pytest.raises(IndexMissingError, match="stale \\(1 added"):
        build_pipeline(settings, embedder=embedder, client=chroma_client)
    pipeline = build_pipeline(settings, embedder=embedder, client=chroma_client, ensure_index=True)
    assert "new.txt" in {s.name for s in pipeline.sources()}
    assert pipeline.passage_count == pipeline.store.count()
    assert pipeline.backend == "extractive" and pipeline.model == "none"


def test_only_indexed_sources_are_served(
    settings: Settings, embedder: Embedder, chroma_client: Any
) -> None:
    pipeline = build_pipeline(settings, embedder=embedder, client=chroma_client, ensure_index=True)
    (first,) = pipeline.sources()[:1]
    assert len(pipeline.source_text(first.name)) == first.chars
    with pytest.raises(NotFoundError):
        pipeline.source_text("../pyproject.toml")
