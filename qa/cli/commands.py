"""The `qa` command line: index, search, ask, eval, serve, model, calibrate.

A composition root: each command builds what it needs from the settings. Heavy modules are
imported inside the commands, so `qa --help` starts at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qa.errors import BadInputError, QAError
from qa.settings import Settings, get_settings

if TYPE_CHECKING:
    from qa.retrieval import HybridRetriever

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index from the seeds folder")
    p.add_argument("--source", type=Path, help="folder of .txt/.md articles (default: seeds/)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and embed everything")

    p = sub.add_parser("search", help="ranked passages for a query")
    p.add_argument("query")
    p.add_argument("--k", type=int)
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = sub.add_parser("ask", help="answer a question with cited passages")
    p.add_argument("question")
    p.add_argument("--history", type=Path, help="JSON file: [{role, content}, ...]")
    p.add_argument("--backend", choices=["local", "openai", "extractive"])
    p.add_argument("--k", type=int)
    p.add_argument("--json", action="store_true", help="print the result object")

    p = sub.add_parser("eval", help="score the system on a Q&A file (JSON Lines)")
    p.add_argument("--qa", type=Path, default=Path("eval/qa.jsonl"))
    p.add_argument("--out", type=Path, help="report folder (default: DATA_DIR/eval)")
    p.add_argument("--backend", choices=["local", "openai", "extractive"])
    p.add_argument("--k", type=int)
    p.add_argument("--baseline", action="store_true", help="also run the tutorial pipeline")
    p.add_argument("--min-accuracy", type=float, help="exit 1 when answer accuracy is below")
    p.add_argument("--limit", type=int, help="only the first N items")
    p.add_argument(
        "--every",
        type=int,
        help="only every Nth item (the 1st, N+1th, ...): a fixed subset spread over the file",
    )

    p = sub.add_parser("serve", help="serve the chat UI and the HTTP API")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--backend", choices=["local", "openai", "extractive"])
    p.add_argument(
        "--build-index",
        action="store_true",
        help="kept for compatibility: serve always brings the index up to date at start",
    )

    sub.add_parser("model", help="assemble and verify the local model file")

    p = sub.add_parser("calibrate", help="choose the refusal threshold on a Q&A file")
    p.add_argument("--qa", type=Path, default=Path("eval/qa.jsonl"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `qa` console script; returns the exit code (2 on a `QAError`)."""
    args = _parser().parse_args(argv)
    overrides: dict[str, object] = {}
    for name in ("backend", "k", "host", "port"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    try:
        settings = get_settings(**overrides)
        handler = _HANDLERS[args.command]
        return handler(settings, args)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _index(settings: Settings, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from index.lock import StoreLock
    from qa.pipeline import build_store, run_index

    # A running `qa serve` holds the embedded store (Chroma's embedded client is one process).
    lock = StoreLock(settings.lock_path, "qa index")
    if settings.chroma_mode == "embedded":
        lock.acquire()
    try:
        store = build_store(settings)
        with tqdm(desc="embedding", unit="passage", disable=None) as bar:
            report = run_index(
                settings, store, rebuild=args.rebuild, source=args.source, progress=bar.update
            )
    finally:
        lock.release()
    for skipped in report.plan.skipped:
        print(f"skipped {skipped.name}: {skipped.reason}", file=sys.stderr)
    print(report.summary())
    return 0


def _checked_retriever(settings: Settings) -> HybridRetriever:
    from qa.pipeline import build_retriever, build_store, check_index

    store = build_store(settings)
    check_index(settings, store)
    return build_retriever(settings, store)


def _search(settings: Settings, args: argparse.Namespace) -> int:
    retriever = _checked_retriever(settings)
    hits = retriever.retrieve(args.query)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "source": h.source,
                        "start": h.start,
                        "end": h.end,
                        "text": h.text,
                        "score": h.score,
                    }
                    for h in hits
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for rank, h in enumerate(hits, start=1):
        also = f" (also in {', '.join(h.corroborated_by)})" if h.corroborated_by else ""
        print(
            f"{rank}. {h.source} [{h.start}:{h.end}] score={h.score:.4f} "
            f"cos={h.dense_score:.2f}{also}\n   {h.text}\n"
        )
    return 0


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from qa.pipeline import build_pipeline
    from qa.types import ChatTurn

    history: list[ChatTurn] = []
    if args.history:
        try:
            raw = json.loads(args.history.read_text(encoding="utf-8"))
            history = [ChatTurn(**turn) for turn in raw]
        except (OSError, ValueError, TypeError) as exc:
            raise BadInputError(
                f"--history {args.history}: expected a JSON list of {{role, content}} ({exc})"
            ) from exc
    pipeline = build_pipeline(settings)
    answer = pipeline.ask(args.question, history, k=args.k)
    if args.json:
        print(answer.model_dump_json(indent=2))
        return 0
    print(answer.answer)
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"[{c.n}] {c.source} [{c.start}:{c.end}]\n    {c.text}")
    return 0


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    from qa.cli.evaluate import evaluate_command

    return evaluate_command(settings, args)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from qa.server import serve

    return serve(settings, build_index=args.build_index)


def _model(settings: Settings, args: argparse.Namespace) -> int:
    from qa.llm import ensure_model

    path = ensure_model(settings)
    print(f"model ready: {path}")
    return 0


def _calibrate(settings: Settings, args: argparse.Namespace) -> int:
    from qa.evaluation import calibrate

    retriever = _checked_retriever(settings)
    c = calibrate(retriever, args.qa)
    print(
        f"threshold {c.threshold} (now {settings.min_relevance}): refuses "
        f"{c.refused_unanswerable}/{c.unanswerable} unanswerable and "
        f"{c.refused_answerable}/{c.answerable} answerable items; "
        f"lowest answerable relevance {c.lowest_answerable:.3f}. Set QA_MIN_RELEVANCE to use it."
    )
    return 0


_HANDLERS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "index": _index,
    "search": _search,
    "ask": _ask,
    "eval": _eval,
    "serve": _serve,
    "model": _model,
    "calibrate": _calibrate,
}
