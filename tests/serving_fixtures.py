"""Helpers for the serving tests: a small fake pipeline, the real extractive one, a live server.

Fixtures themselves live in the test modules (thin wrappers around these helpers).
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from qa.errors import ModelUnavailableError
from qa.models import REFUSAL_MESSAGE, Answer, ChatTurn, Citation
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CHAIN_READY = importlib.util.find_spec("qa.chain") is not None
QUESTION = "What share of Scale AI is Meta taking?"
UNANSWERABLE = "What is the capital of Australia?"


@dataclass(frozen=True)
class FakeSource:
    """Same fields as `qa.pipeline.SourceInfo`."""

    name: str
    passages: int
    chars: int


@dataclass
class FakePipeline:
    """The pipeline's interface without models: answers with the first sentence of an article.

    Questions containing "capital" are refused; questions containing "explode" fail with a
    `ModelUnavailableError` (mid-stream for `stream`). Every call is recorded in `calls`.
    """

    settings: Settings
    texts: dict[str, str]
    calls: list[tuple[str, str, list[ChatTurn], int | None]] = field(default_factory=list)

    @classmethod
    def from_seeds(cls, settings: Settings, seeds: Path = SEEDS) -> FakePipeline:
        texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))}
        return cls(settings, texts)

    def ask(self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None) -> Answer:
        self.calls.append(("ask", question, list(history), k))
        return self._answer(question)

    def stream(
        self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None
    ) -> Iterator[str | Answer]:
        self.calls.append(("stream", question, list(history), k))
        if "explode" in question:
            yield "Partial "
            raise ModelUnavailableError("the local model is not installed: run `qa model`")
        answer = self._answer(question)
        words = answer.answer.split(" ")
        for i, word in enumerate(words):
            yield word if i == 0 else " " + word
        yield answer

    def _answer(self, question: str) -> Answer:
        if "explode" in question:
            raise ModelUnavailableError("the local model is not installed: run `qa model`")
        if "capital" in question:
            return Answer(
                question=question,
                standalone_question=question,
                answer=REFUSAL_MESSAGE,
                refused=True,
                backend="fake",
                model="fake",
            )
        name, text = next(iter(self.texts.items()))
        end = text.index(". ") + 1
        citation = Citation(n=1, source=name, start=0, end=end, text=text[:end], score=0.9)
        return Answer(
            question=question,
            standalone_question=question,
            answer=f"{text[:end]} [1]",
            refused=False,
            citations=[citation],
            retrieved=[citation],
            backend="fake",
            model="fake",
            timings_ms={"retrieval_ms": 1.0, "generation_ms": 2.0},
            prompt_tokens=10,
            cached_prompt_tokens=4,
            completion_tokens=5,
        )

    def sources(self) -> list[FakeSource]:
        return [FakeSource(n, 3, len(t)) for n, t in sorted(self.texts.items())]

    def source_text(self, name: str) -> str:
        from qa.errors import NotFoundError

        if name not in self.texts:
            raise NotFoundError(f"no indexed source named {name!r}")
        return self.texts[name]

    @property
    def passage_count(self) -> int:
        return 3 * len(self.texts)

    @property
    def backend(self) -> str:
        return "fake"

    @property
    def model(self) -> str:
        return "fake"


def sse_events(body: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body; multi-line data joined with \\n."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((name, "\n".join(data)))
    return events


def real_pipeline(root: Path, embedder: Any, **settings: Any) -> Any:
    """The real pipeline with the extractive backend over a private copy of the seeds."""
    from qa.pipeline import build_pipeline

    seeds = root / "seeds"
    if not seeds.exists():
        shutil.copytree(SEEDS, seeds)
    config = Settings(backend="extractive", seeds_dir=seeds, data_dir=root / "data", **settings)
    return build_pipeline(config, embedder=embedder, ensure_index=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn serving `app` on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.started:
                try:
                    if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
            if not self.thread.is_alive():
                raise RuntimeError("the server thread died during start-up")
            time.sleep(0.1)
        raise RuntimeError("the server did not start within 60 s")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
