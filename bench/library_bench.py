"""Live ingestion while serving: how long until an uploaded article is answerable, and how
long questions wait while an ingestion runs.

For each corpus (the seeds alone; the seeds plus the synthetic corpus of `bench.index_bench`,
20,000 passages by default), in one process on one loaded model, the real API is served by
uvicorn on 127.0.0.1 (extractive backend) and:

(a) upload to answerable: `POST /api/articles` of a ~5 KB article stating a fact found nowhere
    else, then `POST /api/ask` about it until the answer cites it; seconds, median of
    `--uploads` uploads (the route returns once the article is indexed);
(b) question latency while an ingestion runs vs idle: a client thread asks seed questions in
    a loop; the latencies of the questions that overlap an upload are compared with those
    asked with nothing to ingest (p50 and max, and their ratio). The same for retrieval alone
    (`Library.retrieve`, where the swap's lock is taken).

The machine may be shared: the ratios (same process, same moment) are the figures to read.
Prints a table and writes bench/results/library.json.

Usage: python -m bench.library_bench [--synthetic N] [--uploads 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/library_bench.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import httpx
import uvicorn

from bench.index_bench import QUESTIONS, make_synthetic, seed_sentences
from index.embedder import Embedder
from qa.pipeline import Pipeline, build_pipeline
from qa.serving import create_app
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "library.json"


def article(i: int, size: int = 5000) -> tuple[str, str, str]:
    """A ~`size`-byte article (seed sentences around one new fact): (text, question, fact)."""
    fact = f"{1000 + 37 * i} lighthouses"
    pool = seed_sentences(ROOT / "seeds")
    head = (
        f"Coastal Agency Counts Lighthouses {i}\nOSLO (Reuters) - The Norwegian coastal agency"
        f" said on Monday that survey number {i} counted {fact} along the northern coast.\n"
    )
    body, j = [head], 0
    while sum(len(p) for p in body) < size:
        body.append(" ".join(pool[j % len(pool) : j % len(pool) + 3]) + "\n")
        j += 3
    question = f"How many lighthouses did coastal survey number {i} count?"
    return "".join(body), question, fact


class _Server:
    """uvicorn serving `app` on 127.0.0.1 in a thread."""

    def __init__(self, app: Any, port: int = 0) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
            self.port = int(s.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def _loop(call: Callable[[], object], stop: threading.Event) -> list[tuple[float, float]]:
    """Run `call` until `stop`; the (start, end) of each call."""
    spans: list[tuple[float, float]] = []
    while not stop.is_set():
        began = time.perf_counter()
        call()
        spans.append((began, time.perf_counter()))
    return spans


def _during(
    spans: Sequence[tuple[float, float]], windows: Sequence[tuple[float, float]]
) -> list[float]:
    """Durations (s) of the calls that overlap any of `windows`."""
    return [b - a for a, b in spans if any(a < w1 and b > w0 for w0, w1 in windows)]


def _stats(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values) * 1000, 1) if values else 0.0,
        "max_ms": round(max(values) * 1000, 1) if values else 0.0,
    }


def bench_corpus(name: str, pipeline: Pipeline, uploads: int) -> dict[str, Any]:
    """Upload-to-answerable and question latencies, idle and during ingestion."""
    app = create_app(pipeline, pipeline.settings)
    with _Server(app) as server, httpx.Client(base_url=server.url, timeout=300) as http:

        def ask_seed() -> None:
            http.post("/api/ask", json={"question": QUESTIONS[0]})

        def retrieve_seed() -> None:
            pipeline.library.retrieve(QUESTIONS[2])

        for _ in range(3):
            ask_seed()  # warm
        idle_stop = threading.Event()
        idle: dict[str, list[tuple[float, float]]] = {}
        threads = [
            threading.Thread(target=lambda k=k, f=f: idle.update({k: _loop(f, idle_stop)}))
            for k, f in (("ask", ask_seed), ("retrieve", retrieve_seed))
        ]
        for t in threads:
            t.start()
        time.sleep(8)
        idle_stop.set()
        for t in threads:
            t.join()

        stop = threading.Event()
        busy: dict[str, list[tuple[float, float]]] = {}
        threads = [
            threading.Thread(target=lambda k=k, f=f: busy.update({k: _loop(f, stop)}))
            for k, f in (("ask", ask_seed), ("retrieve", retrieve_seed))
        ]
        for t in threads:
            t.start()
        windows, answerable = [], []
        for i in range(uploads):
            text, question, fact = article(i)
            began = time.perf_counter()
            r = http.post("/api/articles", json={"name": f"bench-{i}.txt", "text": text})
            r.raise_for_status()
            posted = time.perf_counter()
            while True:
                a = http.post("/api/ask", json={"question": question}).json()
                cited = {c["source"] for c in a.get("citations", [])}
                if fact in a.get("answer", "") and f"bench-{i}.txt" in cited:
                    break
            answerable.append(time.perf_counter() - began)
            windows.append((began, posted))
            time.sleep(2)  # let the question loop run between uploads
        stop.set()
        for t in threads:
            t.join()
        for i in range(uploads):
            http.delete(f"/api/articles/bench-{i}.txt")

    result: dict[str, Any] = {
        "corpus": name,
        "passages": pipeline.passage_count,
        "upload_to_answerable_s": round(statistics.median(answerable), 2),
        "upload_request_s": round(statistics.median(w1 - w0 for w0, w1 in windows), 2),
    }
    for kind in ("ask", "retrieve"):
        quiet = [b - a for a, b in idle[kind]]
        during = _during(busy[kind], windows)
        result[kind] = {"idle": _stats(quiet), "during_ingestion": _stats(during)}
        if quiet and during:
            result[kind]["p50_ratio"] = round(
                statistics.median(during) / statistics.median(quiet), 2
            )
    return result


def table(rows: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| corpus | passages | upload→answerable | ask p50 idle / during (ratio) | ask max during"
        " | retrieve p50 idle / during (ratio) | retrieve max during |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        a, q = r["ask"], r["retrieve"]
        lines.append(
            f"| {r['corpus']} | {r['passages']} | {r['upload_to_answerable_s']} s"
            f" | {a['idle']['p50_ms']} / {a['during_ingestion']['p50_ms']} ms"
            f" ({a.get('p50_ratio', '-')}) | {a['during_ingestion']['max_ms']} ms"
            f" | {q['idle']['p50_ms']} / {q['during_ingestion']['p50_ms']} ms"
            f" ({q.get('p50_ratio', '-')}) | {q['during_ingestion']['max_ms']} ms |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.library_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--synthetic", type=int, default=20000, help="passages; 0 skips it")
    parser.add_argument("--uploads", type=int, default=3, help="uploads per corpus")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    embedder = Embedder()
    rows = []
    with tempfile.TemporaryDirectory(prefix="library-bench-") as tmp:
        work = Path(tmp)
        corpora = [("seeds", 0)] + ([("seeds+synthetic", args.synthetic)] if args.synthetic else [])
        for name, size in corpora:
            seeds = work / name / "seeds"
            shutil.copytree(ROOT / "seeds", seeds)
            settings = Settings(
                backend="extractive", seeds_dir=seeds, data_dir=work / name / "data"
            )
            if size:
                made = make_synthetic(work / name / "synthetic", size, embedder, settings)
                for path in (work / name / "synthetic").iterdir():
                    shutil.move(str(path), seeds / path.name)
                print(f"[{name}] {made} synthetic passages; indexing…", file=sys.stderr)
            started = time.perf_counter()
            pipeline = build_pipeline(settings, embedder=embedder, ensure_index=True)
            print(f"[{name}] indexed in {time.perf_counter() - started:.0f}s", file=sys.stderr)
            rows.append(bench_corpus(name, pipeline, args.uploads))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"corpora": rows}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
