"""Indexing and retrieval cost against the model's own cost, on the seeds and a synthetic corpus.

For each corpus, in one process and on one loaded model:

(a) indexing throughput (passages/s through `index_folder` into a fresh `PersistentClient`)
    vs the raw encode throughput of the model (`Embedder.encode_raw` on the same passage
    texts, in one call); aim: ratio >= 0.85;
(b) re-index time with nothing changed vs the full build time; aim: ratio <= 0.05;
(c) retrieval latency p50/p95 of `HybridRetriever.retrieve` over the queries vs the raw
    cost of embedding the query plus an exact numpy dot-product top-k over the same vectors.

The synthetic corpus recombines seed sentences into article files until it holds at least
N passages (`--synthetic N`, default 20000; `--quick` makes it 2000). Builds and raw encodes
alternate and the best of each counts (the machine may be shared); the synthetic corpus is
built once. Prints a table and writes bench/results/index.json.

Usage: python -m bench.index_bench [--quick] [--synthetic N] [--queries 50] [--repeats 5]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/index_bench.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np

from index.chunker import chunk_text, sentence_spans
from index.embedder import Embedder
from index.indexer import index_folder
from index.loader import load_sources
from index.store import PassageStore
from qa.pipeline import build_retriever
from qa.retrieval import load_lexical
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "index.json"

QUESTIONS = [
    "How much did Google plan to pay Scale AI this year?",
    "Where is Alexander Wang going?",
    "What share of Scale AI is Meta taking?",
    "What was Scale AI worth before the deal?",
    "How much revenue did Scale AI make in 2024?",
    "How much did Google spend on Scale AI last year?",
    "Which companies are pulling back from Scale AI?",
    "Why are AI labs worried about working with Scale after the Meta deal?",
    "Which rival said demand increased threefold overnight?",
    "When was Scale AI founded?",
    "What does Scale AI do for self-driving car companies?",
    "Who is the CEO of Handshake?",
    "What did OpenAI's CFO say about Scale?",
    "Did xAI respond to a request for comment?",
    "How much can one annotation cost?",
]


# --- corpora ----------------------------------------------------------------------------------


def seed_sentences(seeds: Path) -> list[str]:
    """Sentences of the seed articles that are long enough to stand alone."""
    docs, _ = load_sources(seeds)
    return [
        d.text[s.start : s.end]
        for d in docs
        for s in sentence_spans(d.text)
        if s.end - s.start > 30
    ]


def make_synthetic(folder: Path, passages: int, embedder: Embedder, settings: Settings) -> int:
    """Write articles of recombined seed sentences until they hold `passages` passages.

    Returns the exact number of passages the folder chunks into.
    """
    folder.mkdir(parents=True)
    pool = seed_sentences(ROOT / "seeds")
    rng = random.Random(20000)
    total, i = 0, 0
    while total < passages:
        picked = rng.sample(pool, rng.randint(18, 36))
        paragraphs, j = [], 0
        while j < len(picked):
            step = rng.randint(2, 5)
            paragraphs.append(" ".join(picked[j : j + step]))
            j += step
        text = "\n".join(paragraphs) + "\n"
        name = f"synthetic_{i:05d}.txt"
        (folder / name).write_text(text, encoding="utf-8")
        total += len(
            chunk_text(
                name,
                text,
                embedder.count_tokens,
                max_tokens=settings.chunk_tokens,
                overlap_tokens=settings.chunk_overlap_tokens,
            )
        )
        i += 1
    return total


def queries(seeds: Path, n: int) -> list[str]:
    """`n` queries: the hand-written questions, then openings of random seed sentences."""
    rng = random.Random(50)
    pool = seed_sentences(seeds)
    found = list(QUESTIONS[:n])
    while len(found) < n:
        words = rng.choice(pool).split()
        found.append(" ".join(words[: rng.randint(5, 10)]))
    return found


# --- measurements -----------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def bench_corpus(
    name: str,
    folder: Path,
    embedder: Embedder,
    settings: Settings,
    workdir: Path,
    *,
    repeats: int,
    n_queries: int,
) -> dict[str, Any]:
    """All figures for one folder of articles."""
    log = lambda msg: print(f"[{name}] {msg}", file=sys.stderr, flush=True)  # noqa: E731

    def build(run: int) -> tuple[float, PassageStore, int]:
        import chromadb

        path = workdir / f"{name}-chroma-{run}"
        store = PassageStore(chromadb.PersistentClient(path=str(path)), embedder, name)
        seconds, report = timed(
            lambda: index_folder(
                store,
                folder,
                max_tokens=settings.chunk_tokens,
                overlap_tokens=settings.chunk_overlap_tokens,
            )
        )
        return seconds, store, report.embedded

    # (a) full build vs raw encode of the same texts, alternating so that load from other
    # processes hits both alike; the best run of each counts (the least disturbed one).
    builds: list[float] = []
    raws: list[float] = []
    for run in range(repeats):
        seconds, store, embedded = build(run)
        builds.append(seconds)
        log(f"full build {run + 1}/{repeats}: {embedded} passages in {seconds:.2f}s")
        texts = [p.text for p in store.all_passages()]
        seconds, _ = timed(functools.partial(embedder.encode_raw, texts))
        raws.append(seconds)
        log(f"raw encode {run + 1}/{repeats}: {len(texts)} passages in {seconds:.2f}s")
    full, raw = min(builds), min(raws)
    index_pps, raw_pps = embedded / full, len(texts) / raw

    # (b) re-index with nothing changed
    reindex = []
    for _ in range(3):
        seconds, report = timed(
            lambda: index_folder(
                store,
                folder,
                max_tokens=settings.chunk_tokens,
                overlap_tokens=settings.chunk_overlap_tokens,
            )
        )
        assert report.embedded == 0, "nothing changed, yet passages were embedded"
        reindex.append(seconds)
    again = min(reindex)
    log(f"re-index: {again:.3f}s")

    # (c) retrieval vs query embedding + exact dot-product top-k over the same vectors
    bm25_seconds, lexical = timed(lambda: load_lexical(store, None))
    retriever = build_retriever(settings, store, lexical)
    got = store.collection.get(include=["embeddings"])
    matrix = np.asarray(got["embeddings"], dtype=np.float32)
    k = settings.k

    def exact(query: str) -> np.ndarray:
        q = embedder.encode_raw([query])[0]
        scores = matrix @ q
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        return top[np.argsort(-scores[top])]

    asked = queries(ROOT / "seeds", n_queries)
    retriever.retrieve(asked[0])  # warm both paths once
    exact(asked[0])
    ours, theirs = [], []
    for query in asked:  # alternate, so load on the machine hits both alike
        ours.append(timed(functools.partial(retriever.retrieve, query))[0] * 1000)
        theirs.append(timed(functools.partial(exact, query))[0] * 1000)
    log(f"retrieval p50 {percentile(ours, 50):.1f} ms vs raw {percentile(theirs, 50):.1f} ms")

    return {
        "corpus": name,
        "files": len(load_sources(folder)[0]),
        "passages": len(texts),
        "full_build_s": full,
        "full_build_runs_s": builds,
        "raw_encode_runs_s": raws,
        "index_passages_per_s": index_pps,
        "raw_encode_s": raw,
        "raw_encode_passages_per_s": raw_pps,
        "index_vs_raw_throughput": index_pps / raw_pps,
        "reindex_unchanged_s": again,
        "reindex_vs_full": again / full,
        "bm25_build_s": bm25_seconds,
        "queries": len(asked),
        "retrieve_ms_p50": percentile(ours, 50),
        "retrieve_ms_p95": percentile(ours, 95),
        "raw_query_ms_p50": percentile(theirs, 50),
        "raw_query_ms_p95": percentile(theirs, 95),
        "retrieve_vs_raw_p50": percentile(ours, 50) / percentile(theirs, 50),
        "retrieve_vs_raw_p95": percentile(ours, 95) / percentile(theirs, 95),
    }


# --- report -----------------------------------------------------------------------------------

ROWS = [
    ("files", "files", "{:.0f}"),
    ("passages", "passages", "{:.0f}"),
    ("full build (s)", "full_build_s", "{:.2f}"),
    ("index throughput (passages/s)", "index_passages_per_s", "{:.1f}"),
    ("raw encode throughput (passages/s)", "raw_encode_passages_per_s", "{:.1f}"),
    ("(a) index / raw throughput  [aim >= 0.85]", "index_vs_raw_throughput", "{:.3f}"),
    ("re-index, nothing changed (s)", "reindex_unchanged_s", "{:.3f}"),
    ("(b) re-index / full build   [aim <= 0.05]", "reindex_vs_full", "{:.4f}"),
    ("BM25 build (s)", "bm25_build_s", "{:.2f}"),
    ("retrieve p50 (ms)", "retrieve_ms_p50", "{:.1f}"),
    ("retrieve p95 (ms)", "retrieve_ms_p95", "{:.1f}"),
    ("raw embed + dot top-k p50 (ms)", "raw_query_ms_p50", "{:.1f}"),
    ("raw embed + dot top-k p95 (ms)", "raw_query_ms_p95", "{:.1f}"),
    ("(c) retrieve / raw, p50", "retrieve_vs_raw_p50", "{:.2f}"),
    ("(c) retrieve / raw, p95", "retrieve_vs_raw_p95", "{:.2f}"),
]


def table(corpora: list[dict[str, Any]]) -> str:
    """The figures side by side, one column per corpus, plus how much they grew."""
    heads = [c["corpus"] for c in corpora]
    grow = len(corpora) == 2
    width = max(len(r[0]) for r in ROWS)
    lines = [
        "  ".join(
            [" " * width, *(f"{h:>14}" for h in heads)] + ([f"{'growth':>9}"] if grow else [])
        )
    ]
    for label, key, fmt in ROWS:
        cells = [f"{fmt.format(c[key]):>14}" for c in corpora]
        if grow:
            a, b = corpora[0][key], corpora[1][key]
            cells.append(f"{(b / a if a else float('nan')):>8.2f}x")
        lines.append("  ".join([f"{label:<{width}}", *cells]))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.index_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="a 2000-passage synthetic corpus")
    parser.add_argument("--synthetic", type=int, help="passages of the synthetic corpus")
    parser.add_argument("--queries", type=int, default=50, help="retrieval queries per corpus")
    parser.add_argument("--repeats", type=int, default=5, help="full builds of the seeds")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    size = args.synthetic if args.synthetic is not None else (2000 if args.quick else 20000)

    settings = Settings()
    embedder = Embedder()
    embedder.encode_raw(["warm up the model"] * 8)
    corpora = []
    with tempfile.TemporaryDirectory(prefix="index-bench-") as tmp:
        work = Path(tmp)
        corpora.append(
            bench_corpus(
                "seeds",
                ROOT / "seeds",
                embedder,
                settings,
                work,
                repeats=args.repeats,
                n_queries=args.queries,
            )
        )
        if size > 0:
            started = time.perf_counter()
            made = make_synthetic(work / "synthetic", size, embedder, settings)
            print(
                f"[synthetic] wrote {made} passages in {time.perf_counter() - started:.1f}s",
                file=sys.stderr,
                flush=True,
            )
            corpora.append(
                bench_corpus(
                    f"synthetic-{made}",
                    work / "synthetic",
                    embedder,
                    settings,
                    work,
                    repeats=1,
                    n_queries=args.queries,
                )
            )

    import torch

    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "embed_batch_size": embedder.batch_size,
        },
        "settings": {
            "chunk_tokens": settings.chunk_tokens,
            "chunk_overlap_tokens": settings.chunk_overlap_tokens,
            "k": settings.k,
            "fetch_k": settings.fetch_k,
        },
        "corpora": corpora,
    }
    print(table(corpora))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
