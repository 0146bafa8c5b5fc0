"""A bounded load test of `qa serve`: concurrent clients asking /api/ask over loopback.

Starts `qa serve` on 127.0.0.1 (a free port, a random API key) as a subprocess, runs
`--clients` concurrent clients that each send questions one after another until `--seconds`
have passed or `--max-requests` were sent, then stops the server. The server's admission queue
(`--max-queue`, QA_MAX_QUEUE) answers 503 with Retry-After when full; a rejected client waits
that long before its next question. Prints requests served, 503s, errors (must be 0),
p50/p95/max latency of the served requests, how long a rejected client waited for its 503, and
served requests per second; exits 1 on any error.

Usage: python -m bench.load --backend extractive --clients 20 --seconds 60 [--build-index]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
FALLBACK_QUESTIONS = [
    "What share of Scale AI is Meta taking?",
    "How much did Google plan to pay Scale AI this year?",
    "Who is Scale AI's CEO?",
    "What is the capital of Australia?",
]


@dataclass
class Tally:
    """What the clients saw."""

    sent: int = 0
    latencies_s: list[float] = field(default_factory=list)
    rejected_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: int = 0


def questions(path: Path) -> list[str]:
    """The evaluation questions (all kinds), or a few built-in ones."""
    if not path.exists():
        return FALLBACK_QUESTIONS
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [item["question"] for item in items if item.get("kind") != "follow-up"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    backend: str, port: int, key: str, build_index: bool, log: Path, max_queue: int
) -> subprocess.Popen[bytes]:
    """`qa serve` as a subprocess, its output going to `log`."""
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "QA_API_KEY": key,
        "QA_MAX_QUEUE": str(max_queue),
    }
    command = [
        sys.executable,
        "-m",
        "qa.cli",
        "serve",
        "--backend",
        backend,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    if build_index:
        command.append("--build-index")
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until_up(proc: subprocess.Popen[bytes], url: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    return False


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def run_clients(
    url: str,
    key: str,
    clients: int,
    seconds: float,
    max_requests: int,
    asks: list[str],
    timeout_s: float = 900.0,
) -> tuple[Tally, float]:
    """`clients` concurrent loops of /api/ask until the time or the request budget is spent.
    A client waits up to `timeout_s` for its answer: with one local model, requests queue, and
    20 of them at 10-15 s each are minutes of queue on 2 cores."""
    tally = Tally()
    budget = itertools.count()
    pool = itertools.cycle(asks)
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    started = time.perf_counter()
    deadline = started + seconds

    async def client(http: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline and next(budget) < max_requests:
            question = next(pool)
            tally.sent += 1
            t = time.perf_counter()
            try:
                r = await http.post("/api/ask", json={"question": question}, headers=headers)
            except httpx.HTTPError as exc:
                tally.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            waited = time.perf_counter() - t
            if r.status_code == 503 and "retry-after" in r.headers:
                tally.rejected_s.append(waited)
                pause = float(r.headers["retry-after"])
                await asyncio.sleep(max(0.0, min(pause, deadline - time.perf_counter())))
                continue
            if r.status_code != 200:
                tally.errors.append(f"HTTP {r.status_code}: {r.text[:200]}")
                continue
            tally.latencies_s.append(waited)
            if r.json()["refused"]:
                tally.refused += 1

    async with httpx.AsyncClient(base_url=url, timeout=timeout_s, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return tally, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--backend", default="extractive", choices=["local", "openai", "extractive"]
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=10_000)
    parser.add_argument("--build-index", action="store_true", help="let `qa serve` index first")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "qa.jsonl")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--max-queue", type=int, default=8, help="the server's QA_MAX_QUEUE (questions waiting)"
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds a client waits for one answer"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 0 < args.seconds <= 3600:
        parser.error("--clients must be 1..200 and --seconds 0..3600")

    port, key = free_port(), secrets.token_urlsafe(16)
    url = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkstemp(prefix="qa-serve-", suffix=".log")[1])
    proc = start_server(args.backend, port, key, args.build_index, log, args.max_queue)
    try:
        if not wait_until_up(proc, url, timeout_s=600):
            print(
                f"the server did not start (exit code {proc.poll()}); its output:\n"
                + log.read_text(errors="replace"),
                file=sys.stderr,
            )
            return 2
        print(
            f"server up on {url} ({args.backend}); {args.clients} clients for "
            f"{args.seconds:.0f} s ...",
            file=sys.stderr,
        )
        tally, elapsed = asyncio.run(
            run_clients(
                url,
                key,
                args.clients,
                args.seconds,
                args.max_requests,
                questions(args.questions),
                args.timeout,
            )
        )
    finally:
        stop_server(proc)

    lat, rejected = tally.latencies_s, tally.rejected_s
    figures = {
        "backend": args.backend,
        "clients": args.clients,
        "max_queue": args.max_queue,
        "seconds": round(elapsed, 1),
        "requests": tally.sent,
        "served": len(lat),
        "rejected_503": len(rejected),
        "errors": len(tally.errors),
        "refused": tally.refused,
        "rejected_wait_p50_ms": round(percentile(rejected, 0.50) * 1000),
        "rejected_wait_max_ms": round(max(rejected, default=0.0) * 1000),
        "p50_ms": round(percentile(lat, 0.50) * 1000),
        "p95_ms": round(percentile(lat, 0.95) * 1000),
        "max_ms": round(max(lat, default=0.0) * 1000),
        "mean_ms": round(statistics.fmean(lat) * 1000) if lat else 0,
        "requests_per_s": round(len(lat) / elapsed, 2) if elapsed else 0.0,
    }
    for name, value in figures.items():
        print(f"{name:>15}: {value}")
    for error in tally.errors[:5]:
        print(f"error: {error}", file=sys.stderr)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if tally.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
