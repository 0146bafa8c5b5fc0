"""Hybrid retrieval over the seeds: right passages, honest offsets, no duplicate crowding."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.embedder import Embedder
from index.indexer import index_folder
from index.loader import read_source_text
from index.normalize import normalize
from index.store import PassageStore
from qa.retrieval import (
    BM25Index,
    HybridRetriever,
    load_lexical,
    mmr_select,
    reciprocal_rank_fusion,
)

from conftest import QUERIES, SEED_NAMES, SEEDS


@pytest.mark.parametrize(("query", "fact"), QUERIES)
def test_finds_the_passage_holding_the_fact(hybrid: HybridRetriever, query: str, fact: str) -> None:
    results = hybrid.retrieve(query)
    assert len(results) == hybrid.k
    assert fact in normalize(results[0].text), [r.text for r in results]


def test_results_carry_offsets_and_scores(hybrid: HybridRetriever) -> None:
    for query, _ in QUERIES:
        results = hybrid.retrieve(query, k=6)
        assert len({r.id for r in results}) == len(results) == 6
        for r in results:
            assert read_source_text(SEEDS, r.source)[r.start : r.end] == r.text
            assert r.id.startswith(f"{r.source}:{r.start}-{r.end}:")
            assert r.score > 0 and -1.0 <= r.dense_score <= 1.0 and r.bm25_score >= 0
            assert r.source not in r.corroborated_by


def test_dense_score_is_the_cosine_similarity(hybrid: HybridRetriever, embedder: Embedder) -> None:
    query = QUERIES[0][0]
    results = hybrid.retrieve(query)
    vectors = embedder.encode_documents([r.text for r in results])
    expected = vectors @ embedder.encode_query(query)
    np.testing.assert_allclose([r.dense_score for r in results], expected, atol=1e-4)


def test_degenerate_queries(hybrid: HybridRetriever) -> None:
    assert hybrid.retrieve("") == []
    assert hybrid.retrieve("   ") == []
    assert hybrid.retrieve("Google", k=0) == []
    assert len(hybrid.retrieve("zzzz qqqq", k=2)) == 2  # dense search always has neighbours


def test_near_duplicates_across_sources_do_not_crowd_out(hybrid: HybridRetriever) -> None:
    # The planned $200 million payment is told by all three articles.
    results = hybrid.retrieve("How much did Google plan to pay Scale AI this year?")
    sources = {r.source for r in results}
    assert len(sources) >= 2 or set(results[0].corroborated_by) == SEED_NAMES - {results[0].source}
    told = [r for r in results if "200 million" in normalize(r.text)]
    witnesses = {r.source for r in told} | {s for r in told for s in r.corroborated_by}
    assert witnesses == SEED_NAMES


def test_exact_copies_are_reported_not_repeated(
    tmp_path: Path, embedder: Embedder, chroma_client: Any
) -> None:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    original = "000_bec98e61e1198193.txt"
    for copy in ("copy_a.txt", "copy_b.txt"):
        shutil.copy(folder / original, folder / copy)
    store = PassageStore(chroma_client, embedder)
    index_folder(store, folder, max_tokens=90, overlap_tokens=30)
    retriever = HybridRetriever(store, load_lexical(store, None))

    results = retriever.retrieve("Which government branches does Scale AI serve?", k=4)
    texts = [r.text for r in results]
    assert len(set(texts)) == len(texts), "the same passage came back twice"
    twins = {original, "copy_a.txt", "copy_b.txt"}
    top = results[0]
    assert "U.S. government" in top.text
    assert top.source in twins and set(top.corroborated_by) >= twins - {top.source}


@pytest.mark.parametrize(
    "question",
    ["who is the first author listed on the reuters story", "Where was the story filed from?"],
)
def test_a_header_question_gets_the_opening_holding_the_header(
    hybrid: HybridRetriever, question: str
) -> None:
    # Neither search ranks "By Anne Tong, ..." for these words; the header lines are facts.
    results = hybrid.retrieve(question)
    assert len(results) == hybrid.k
    assert results[0].position == 0 and results[0].text.startswith("By Anne Tong")
    others = hybrid.retrieve("Who is Scale AI's CEO?")
    assert all(not r.text.startswith("By Anne Tong") for r in others)


def test_a_copyright_question_gets_the_closing_passage_holding_the_credit_line(
    hybrid: HybridRetriever,
) -> None:
    results = hybrid.retrieve("Who holds the copyright of the story?")
    assert "\u00a9 Thomson Writers 2025" in results[0].text
    last = max(p.position for p in hybrid.lexical.passages if p.source == results[0].source)
    assert results[0].position == last


def test_a_garbled_figure_brings_in_the_version_stating_it_cleanly(
    hybrid: HybridRetriever,
) -> None:
    # 003 says "70 870 million" and ranks first; 004 says "$ 870 million" and MMR would drop
    # it as a near-duplicate. The clean version takes the last place.
    results = hybrid.retrieve("What was Scale AI's revenue in 2024?")
    assert len(results) == hybrid.k
    texts = [normalize(r.text) for r in results]
    assert "70 870 million" in texts[0]
    assert any("$870 million" in t and "70 870" not in t for t in texts[1:])
    clean = HybridRetriever(hybrid.store, hybrid.lexical, duplicate_similarity=1.01)
    assert not any(
        "$870 million" in normalize(r.text)
        for r in clean.retrieve("What was Scale AI's revenue in 2024?")
    ), "without near-duplicates there is nothing to swap in"


def test_reciprocal_rank_fusion() -> None:
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=60)
    assert fused == pytest.approx({"a": 1 / 61, "b": 1 / 62 + 1 / 61, "c": 1 / 62})
    assert max(fused, key=fused.__getitem__) == "b"
    assert reciprocal_rank_fusion([]) == {}


def test_mmr_trades_relevance_for_novelty() -> None:
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    relevance = np.array([1.0, 0.99, 0.5])
    assert mmr_select(relevance, vectors, 3, lambda_=1.0) == [0, 1, 2]
    assert mmr_select(relevance, vectors, 2, lambda_=0.5) == [0, 2]
    assert mmr_select(relevance, vectors, 10, lambda_=0.6) == [0, 2, 1]
    assert mmr_select(np.zeros(0), np.zeros((0, 2)), 3, lambda_=0.7) == []


def test_bm25_cache_reused_when_it_matches(
    seed_store: PassageStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "bm25.json"
    built = load_lexical(seed_store, cache)
    assert cache.exists()
    stamp = cache.stat().st_mtime_ns

    def no_rebuild() -> None:
        raise AssertionError("the cache matched the store: nothing should be rebuilt")

    monkeypatch.setattr(seed_store, "all_passages", no_rebuild)
    monkeypatch.setattr(BM25Index, "save", lambda self, path: no_rebuild())
    reused = load_lexical(seed_store, cache)
    assert reused.fingerprint == built.fingerprint
    assert cache.stat().st_mtime_ns == stamp
    assert [p.id for p, _ in reused.search("Alexander Wang", 3)] == [
        p.id for p, _ in built.search("Alexander Wang", 3)
    ]


def test_bm25_cache_rebuilt_when_store_changed(
    tmp_path: Path, embedder: Embedder, chroma_client: Any
) -> None:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    store = PassageStore(chroma_client, embedder)
    index_folder(store, folder, max_tokens=90, overlap_tokens=30)
    cache = tmp_path / "bm25.json"
    before = load_lexical(store, cache)
    assert before.search("zanzibar", 1) == []

    (folder / "extra.txt").write_text("Zanzibar hosts a new data centre.\n", encoding="utf-8")
    index_folder(store, folder, max_tokens=90, overlap_tokens=30)
    after = load_lexical(store, cache)
    assert after.fingerprint != before.fingerprint
    assert after.search("zanzibar", 1)[0][0].source == "extra.txt"
    assert BM25Index.load(cache).fingerprint == after.fingerprint

    cache.write_text("{not json", encoding="utf-8")  # a damaged cache is rebuilt, not fatal
    assert load_lexical(store, cache).fingerprint == after.fingerprint
    assert BM25Index.load(cache).fingerprint == after.fingerprint
