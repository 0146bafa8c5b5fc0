"""Incremental indexing with the real model and real Chroma, in process and through `qa index`."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
import pytest

from index.chunker import chunk_text, sentence_spans
from index.embedder import Embedder
from index.indexer import IndexReport, index_folder, plan_index
from index.loader import load_sources, read_source_text
from index.store import PassageStore
from qa.errors import SourceError
from qa.settings import Settings

SUMMARY = re.compile(
    r"^files: (\d+) added, (\d+) changed, (\d+) removed, (\d+) unchanged; "
    r"chunks: (\d+) in store, (\d+) embedded; [\d.]+s(; skipped: .*)?$"
)


class SpyEmbedder(Embedder):
    """The real embedder (its loaded model shared), recording every passage text given to
    `encode_documents`."""

    def __init__(self, inner: Embedder) -> None:
        vars(self).update(vars(inner))
        self.inner = inner
        self.embedded: list[str] = []

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return super().encode_documents(texts)


@pytest.fixture
def spy(embedder: Embedder) -> SpyEmbedder:
    return SpyEmbedder(embedder)


@pytest.fixture
def store(chroma_client: Any, spy: SpyEmbedder) -> PassageStore:
    return PassageStore(chroma_client, spy)


def run(store: PassageStore, folder: Path, settings: Settings, **kwargs: Any) -> IndexReport:
    return index_folder(
        store,
        folder,
        max_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
        **kwargs,
    )


def wanted(embedder: Embedder, folder: Path, settings: Settings) -> dict[str, dict[str, str]]:
    """What a clean index of `folder` holds: source -> {passage id: text}."""
    docs, _ = load_sources(folder)
    return {
        d.name: {
            p.id: p.text
            for p in chunk_text(
                d.name,
                d.text,
                embedder.count_tokens,
                max_tokens=settings.chunk_tokens,
                overlap_tokens=settings.chunk_overlap_tokens,
            )
        }
        for d in docs
    }


def flat(by_source: dict[str, dict[str, str]]) -> set[str]:
    return {pid for ids in by_source.values() for pid in ids}


def stored(store: PassageStore) -> dict[str, set[str]]:
    return store.ids_by_source()


# --- in process ---------------------------------------------------------------------------


def test_first_index_then_nothing_to_do(
    store: PassageStore, spy: SpyEmbedder, seeds_dir: Path, settings: Settings
) -> None:
    expected = wanted(spy.inner, seeds_dir, settings)
    report = run(store, seeds_dir, settings)
    assert sorted(report.plan.added) == sorted(expected)
    assert report.embedded == len(spy.embedded) == len(flat(expected)) == store.count()
    assert {s: set(ids) for s, ids in expected.items()} == stored(store)
    assert SUMMARY.match(report.summary())

    spy.embedded.clear()
    again = run(store, seeds_dir, settings)
    assert spy.embedded == []
    assert again.embedded == 0 and again.plan.up_to_date
    assert sorted(again.plan.unchanged) == sorted(expected)
    assert not (again.plan.added or again.plan.changed or again.plan.removed)
    assert store.count() == len(flat(expected))
    assert "3 unchanged" in again.summary() and "0 embedded" in again.summary()


def test_plan_embeds_nothing(
    store: PassageStore, spy: SpyEmbedder, seeds_dir: Path, settings: Settings
) -> None:
    plan = plan_index(
        store,
        seeds_dir,
        max_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
    )
    assert len(plan.to_embed) == len(flat(wanted(spy.inner, seeds_dir, settings)))
    assert spy.embedded == [] and store.count() == 0


def test_changed_file_embeds_only_its_new_passages(
    store: PassageStore, spy: SpyEmbedder, seeds_dir: Path, settings: Settings
) -> None:
    run(store, seeds_dir, settings)
    before = stored(store)
    name = "003_3f358279ffc1055d.txt"
    path = seeds_dir / name
    text = path.read_text(encoding="utf-8")
    assert "$ 29 billion" in text
    path.write_text(text.replace("$ 29 billion", "$ 30 billion"), encoding="utf-8")

    spy.embedded.clear()
    report = run(store, seeds_dir, settings)
    after = wanted(spy.inner, seeds_dir, settings)
    new_ids = set(after[name]) - before[name]
    assert new_ids  # the edit changed at least one passage...
    assert len(new_ids) < len(after[name])  # ...but not all of them
    assert sorted(spy.embedded) == sorted(after[name][pid] for pid in new_ids)
    assert all("$ 30 billion" in t for t in spy.embedded)
    assert report.plan.changed == [name] and len(report.plan.unchanged) == 2
    assert report.plan.to_delete == before[name] - set(after[name])
    assert stored(store) == {s: set(ids) for s, ids in after.items()}
    assert not any("$ 29 billion" in p.text for p in store.all_passages() if p.source == name)


def test_removed_and_added_files(
    store: PassageStore, spy: SpyEmbedder, seeds_dir: Path, settings: Settings
) -> None:
    run(store, seeds_dir, settings)
    gone = "000_bec98e61e1198193.txt"
    article = (seeds_dir / gone).read_text(encoding="utf-8")
    (seeds_dir / gone).unlink()

    spy.embedded.clear()
    report = run(store, seeds_dir, settings)
    assert spy.embedded == []
    assert report.plan.removed == [gone]
    assert gone not in stored(store)
    assert stored(store) == {
        s: set(ids) for s, ids in wanted(spy.inner, seeds_dir, settings).items()
    }

    # The same article under a new name: added, embedded once, under its new name only.
    (seeds_dir / "new.md").write_text(article, encoding="utf-8")
    report = run(store, seeds_dir, settings)
    expected = wanted(spy.inner, seeds_dir, settings)
    assert report.plan.added == ["new.md"]
    assert sorted(spy.embedded) == sorted(expected["new.md"].values())
    assert stored(store) == {s: set(ids) for s, ids in expected.items()}


def test_bad_files_are_skipped_and_named(
    store: PassageStore, spy: SpyEmbedder, seeds_dir: Path, settings: Settings, tmp_path: Path
) -> None:
    (seeds_dir / "latin1.txt").write_bytes(
        "Le café de la gare a rouvert ses portes à Genève après des travaux.".encode("latin-1")
    )
    (seeds_dir / "empty.txt").write_bytes(b"")
    (seeds_dir / "blank.md").write_text(" \n\t\n", encoding="utf-8")
    (seeds_dir / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (seeds_dir / "huge.txt").write_text("word " * 1500, encoding="utf-8")
    (seeds_dir / "menu.html").write_text("<html><body><nav></nav></body></html>")
    outside = tmp_path / "outside.txt"
    outside.write_text("A secret kept outside the seeds folder.\n", encoding="utf-8")
    (seeds_dir / "link.txt").symlink_to(outside)
    (seeds_dir / "notes.pdf").write_bytes(b"%PDF-1.4")  # not an article type: ignored silently

    report = run(store, seeds_dir, settings, max_bytes=6000)
    skipped = {s.name: s.reason for s in report.plan.skipped}
    assert set(skipped) == {
        "empty.txt",
        "blank.md",
        "binary.txt",
        "huge.txt",
        "menu.html",
        "link.txt",
    }
    assert skipped["empty.txt"] == "empty file" and "binary" in skipped["binary.txt"]
    assert "6000-byte limit" in skipped["huge.txt"] and "no article text" in skipped["menu.html"]
    assert "outside the folder" in skipped["link.txt"]
    summary = report.summary()
    assert SUMMARY.match(summary)
    for name in skipped:
        assert name in summary
    assert "notes.pdf" not in summary
    # Not UTF-8 is decoded (charset-normalizer), not refused; offsets index the decoded text.
    assert "latin1.txt" in report.plan.added
    assert read_source_text(seeds_dir, "latin1.txt").startswith("Le café de la gare")
    seeds = {p.name for p in seeds_dir.glob("0*.txt")}
    assert set(stored(store)) == seeds | {"latin1.txt"}


def test_no_articles_is_an_error(store: PassageStore, tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(SourceError, match=r"no \.txt, \.md or \.html files"):
        run(store, tmp_path, settings)
    with pytest.raises(SourceError, match="does not exist"):
        run(store, tmp_path / "missing", settings)


def test_rebuild_embeds_everything_again(
    store: PassageStore, spy: SpyEmbedder, seeds_dir: Path, settings: Settings
) -> None:
    run(store, seeds_dir, settings)
    ids = stored(store)
    spy.embedded.clear()
    report = run(store, seeds_dir, settings, rebuild=True)
    total = sum(len(v) for v in ids.values())
    assert len(spy.embedded) == report.embedded == total
    assert stored(store) == ids and store.count() == total


def test_stored_vectors_are_the_models(
    store: PassageStore, spy: SpyEmbedder, seeds_dir: Path, settings: Settings
) -> None:
    run(store, seeds_dir, settings)
    passages = store.all_passages()
    vectors = store.vectors([p.id for p in passages])
    fresh = spy.inner.encode_documents([p.text for p in passages])
    for p, v in zip(passages, fresh, strict=True):
        np.testing.assert_allclose(vectors[p.id], v, atol=1e-5)
        assert read_source_text(seeds_dir, p.source)[p.start : p.end] == p.text


def test_persistent_store_survives_reopening(
    tmp_path: Path, spy: SpyEmbedder, seeds_dir: Path, settings: Settings
) -> None:
    path = tmp_path / "chroma"
    first = PassageStore(chromadb.PersistentClient(path=str(path)), spy)
    run(first, seeds_dir, settings)
    ids = stored(first)
    del first

    spy.embedded.clear()
    reopened = PassageStore(chromadb.PersistentClient(path=str(path)), spy)
    report = run(reopened, seeds_dir, settings)
    assert spy.embedded == [] and report.plan.up_to_date
    assert stored(reopened) == ids


# --- the command line, as a real process ----------------------------------------------------


def write_synthetic_articles(seeds: Path, n: int, sentences_each: int = 40) -> None:
    """`n` articles recombining seed sentences (deterministic), one paragraph per 3-5 sentences."""
    pool = []
    for doc in load_sources(seeds)[0]:
        pool += [
            doc.text[s.start : s.end] for s in sentence_spans(doc.text) if s.end - s.start > 30
        ]
    for i in range(n):
        rng = random.Random(i)
        picked = rng.sample(pool, sentences_each)
        paragraphs, j = [], 0
        while j < len(picked):
            step = rng.randint(3, 5)
            paragraphs.append(" ".join(picked[j : j + step]))
            j += step
        (seeds / f"synthetic_{i:03d}.txt").write_text(
            "\n".join(paragraphs) + "\n", encoding="utf-8"
        )


def stored_rows(db: Path) -> int:
    """Passages Chroma has committed, read from its SQLite file without opening a client."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            return int(con.execute("SELECT count(*) FROM embeddings").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def qa(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_cli_killed_mid_embedding_then_rerun(
    tmp_path: Path, seeds_dir: Path, embedder: Embedder, settings: Settings
) -> None:
    write_synthetic_articles(seeds_dir, 20)
    (seeds_dir / "bad.txt").write_bytes(b"Scale AI \x00\x01\x02 binary")
    (seeds_dir / "empty.md").write_bytes(b"")
    expected = flat(wanted(embedder, seeds_dir, settings))
    assert len(expected) > 300  # more than one embedding batch, so the kill lands part-way

    data = tmp_path / "data"
    env = {
        **os.environ,
        "QA_SEEDS_DIR": str(seeds_dir),
        "QA_DATA_DIR": str(data),
        "ANONYMIZED_TELEMETRY": "False",
        "HF_HUB_OFFLINE": "1",
    }
    db = data / "chroma" / "chroma.sqlite3"
    victim = subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "index"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180
        while stored_rows(db) == 0:
            assert victim.poll() is None, "qa index ended before the first batch was seen"
            assert time.monotonic() < deadline, "qa index wrote nothing in 180 s"
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
    finally:
        victim.kill()
        victim.wait()
    partial = stored_rows(db)
    assert 0 < partial < len(expected)

    rerun = qa("index", env=env, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    lines = rerun.stdout.strip().splitlines()
    assert len(lines) == 1, rerun.stdout
    match = SUMMARY.match(lines[0])
    assert match, lines[0]
    assert int(match.group(5)) == len(expected)
    assert int(match.group(6)) == len(expected) - partial  # resumed, not restarted
    assert "bad.txt (a binary file" in lines[0] and "empty.md (empty file)" in lines[0]
    assert "skipped bad.txt" in rerun.stderr

    search = qa(
        "search", "How much did Google plan to pay Scale AI?", "--json", env=env, cwd=tmp_path
    )
    assert search.returncode == 0, search.stderr
    hits = json.loads(search.stdout)
    assert isinstance(hits, list) and len(hits) == settings.k
    for hit in hits:
        assert set(hit) == {"source", "start", "end", "text", "score"}
        original = read_source_text(seeds_dir, hit["source"])
        assert original[hit["start"] : hit["end"]] == hit["text"]
        assert hit["score"] > 0
    assert any("200 million" in hit["text"] for hit in hits)

    # Only now open the store in this process (Chroma's embedded mode is one process at a time).
    client = chromadb.PersistentClient(path=str(data / "chroma"))
    store = PassageStore(client, embedder)
    ids = store.collection.get(include=[])["ids"]
    assert len(ids) == len(set(ids)) == store.count()
    assert set(ids) == expected
    assert plan_index(
        store,
        seeds_dir,
        max_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
    ).up_to_date
    sample = random.Random(0).sample(store.all_passages(), 16)
    vectors = store.vectors([p.id for p in sample])
    fresh = embedder.encode_documents([p.text for p in sample])
    for p, v in zip(sample, fresh, strict=True):
        np.testing.assert_allclose(vectors[p.id], v, atol=1e-5)


@pytest.mark.slow
def test_serve_killed_mid_ingestion_then_the_next_start_completes_it(
    tmp_path: Path, seeds_dir: Path, embedder: Embedder, settings: Settings
) -> None:
    """`qa serve` indexes files dropped into the watched folder; killed (SIGKILL) in the middle,
    it loses nothing: the lock dies with it, and the next run embeds only what was missing."""
    from conftest import free_port

    data = tmp_path / "data"
    env = {
        **os.environ,
        "QA_SEEDS_DIR": str(seeds_dir),
        "QA_DATA_DIR": str(data),
        "ANONYMIZED_TELEMETRY": "False",
        "HF_HUB_OFFLINE": "1",
    }
    port = free_port()
    db = data / "chroma" / "chroma.sqlite3"
    victim = subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "serve", "--backend", "extractive", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            assert victim.poll() is None, "qa serve ended"
            assert time.monotonic() < deadline, "qa serve did not come up in 240 s"
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status:
                    break
            except OSError:
                time.sleep(0.5)
        seeded = stored_rows(db)
        write_synthetic_articles(seeds_dir, 20)  # the watch picks them up: > 300 passages
        expected = flat(wanted(embedder, seeds_dir, settings))
        while stored_rows(db) == seeded:
            assert victim.poll() is None, "qa serve ended before the first batch was seen"
            assert time.monotonic() < deadline, "the watch indexed nothing"
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
    finally:
        victim.kill()
        victim.wait()
    partial = stored_rows(db)
    assert seeded < partial < len(expected)

    rerun = qa("index", env=env, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr  # the dead server's lock is gone with it
    match = SUMMARY.match(rerun.stdout.strip().splitlines()[-1])
    assert match, rerun.stdout
    assert int(match.group(5)) == len(expected)
    assert int(match.group(6)) == len(expected) - partial  # resumed, not restarted
    client = chromadb.PersistentClient(path=str(data / "chroma"))
    ids = PassageStore(client, embedder).collection.get(include=[])["ids"]
    assert len(ids) == len(set(ids)) and set(ids) == expected
