"""Version groups: the seeds (three versions of one story) are one group; related but
different stories (tests/fixtures/related) are groups of their own."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.chunker import chunk_text
from index.embedder import Embedder
from index.loader import load_sources
from index.versions import DEFAULT_VERSION_SIMILARITY, article_vector, version_groups

from conftest import ROOT, SEEDS

RELATED = ROOT / "tests" / "fixtures" / "related"


def article_vectors(embedder: Embedder, *folders: Path) -> dict[str, np.ndarray]:
    vectors = {}
    for folder in folders:
        for doc in load_sources(folder)[0]:
            passages = chunk_text(
                doc.name, doc.text, embedder.count_tokens, max_tokens=90, overlap_tokens=30
            )
            vectors[doc.name] = article_vector(
                embedder.encode_documents([p.text for p in passages])
            )
    return vectors


def test_versions_of_one_story_share_a_group_and_related_stories_do_not(
    embedder: Embedder,
) -> None:
    vectors = article_vectors(embedder, SEEDS, RELATED)
    groups = version_groups(vectors)
    seeds = sorted(p.name for p in SEEDS.glob("*.txt"))
    related = sorted(p.name for p in RELATED.iterdir())
    assert len(related) >= 4
    assert {groups[s] for s in seeds} == {f"story:{seeds[0]}"}
    for name in related:
        assert groups[name] == f"story:{name}", name
    # The margin the threshold sits in, as measured (see index/versions.py).
    names = sorted(vectors)
    sims = {(a, b): float(vectors[a] @ vectors[b]) for a in names for b in names if a < b}
    versions = [s for (a, b), s in sims.items() if a in seeds and b in seeds]
    others = [s for (a, b), s in sims.items() if not (a in seeds and b in seeds)]
    assert min(versions) > DEFAULT_VERSION_SIMILARITY > max(others)


def test_groups_are_chains_of_pairs() -> None:
    v = {
        "a": np.array([1.0, 0.0, 0.0]),
        "b": np.array([0.9, 0.436, 0.0]),
        "c": np.array([0.62, 0.785, 0.0]),
        "d": np.array([0.0, 0.0, 1.0]),
    }
    v = {k: x / np.linalg.norm(x) for k, x in v.items()}
    groups = version_groups(v, threshold=0.85)
    assert groups == {"a": "story:a", "b": "story:a", "c": "story:a", "d": "story:d"}
    assert version_groups({}) == {}
