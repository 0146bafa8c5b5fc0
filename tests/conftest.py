"""Shared fixtures: the real embedding model loaded once, real Chroma, copies of the seeds."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from index.embedder import Embedder
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
    return Embedder()


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A private copy of the seed articles that a test may change."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, seeds_dir: Path) -> Settings:
    """Settings pointing at temporary folders (never at the project's own data/)."""
    return Settings(seeds_dir=seeds_dir, data_dir=tmp_path / "data", backend="extractive")


@pytest.fixture
def chroma_client() -> Iterator[object]:
    """A real, in-memory Chroma client, emptied after the test."""
    client = chromadb.EphemeralClient()
    yield client
    for collection in client.list_collections():
        client.delete_collection(collection.name)
