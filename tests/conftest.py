"""Shared fixtures and helpers: the real embedding model loaded once, real Chroma, copies of
the seeds, the seeds indexed once, the app around the real extractive pipeline, a fake
pipeline for tests about our own logic, and a live uvicorn on 127.0.0.1.

Test modules import the plain helpers with `from conftest import ...`.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import SecretStr

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from index.embedder import Embedder
from index.indexer import index_folder
from index.store import PassageStore
from qa.errors import ModelUnavailableError, NotFoundError
from qa.retrieval import HybridRetriever, load_lexical
from qa.serving import create_app
from qa.serving.deps import get_app_settings, get_pipeline
from qa.settings import Settings
from qa.types import (
    REFUSAL_MESSAGE,
    Answer,
    ChatTurn,
    Citation,
    Draft,
    RetrievedPassage,
    SourceInfo,
    StreamEvent,
    Verified,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_NAMES = {p.name for p in SEEDS.iterdir() if p.suffix in (".txt", ".md")}
SOURCE = sorted(SEED_NAMES)[0]
QUESTION = "What share of Scale AI is Meta taking?"
UNANSWERABLE = "What is the capital of Australia?"
# A question any chat model knows, for the generator tests.
CHAT_QUESTION: list[BaseMessage] = [
    SystemMessage("Answer in one short sentence."),
    HumanMessage("What is the capital of France?"),
]

# Factual questions and a piece of text the best passage must hold.
QUERIES = [
    ("How much did Google plan to pay Scale AI this year?", "$200 million"),
    ("Where is Alexander Wang going?", "Alexander Wang"),
    ("What was Scale worth before the deal?", "$14 billion"),
    ("How much revenue did Scale AI make in 2024?", "870 million"),
    ("Which rival said demand increased threefold overnight?", "threefold"),
    ("When was Scale AI founded?", "Established in 2016"),
]


# Context passages for tests of the answer checks: a figure, a value, a role, a quote.
CONTEXT = [
    "Google had planned to pay Scale AI about $ 200 million this year for labelled data.",
    "Scale was worth $ 14 billion before the deal with Meta.",
    "Openai's CFO said on Friday that the company will continue to work with Scale AI.",
    "Handshake saw demand triple overnight, said its CEO Garrett Lord.",
]


def passages_of(
    texts: Sequence[str], sources: Sequence[str] | None = None
) -> list[RetrievedPassage]:
    """Retrieved passages holding `texts` whole, one source file each (`s0.txt`, ...)."""
    sources = sources or [f"s{i}.txt" for i in range(len(texts))]
    return [
        RetrievedPassage(
            id=f"{s}:{i}", source=s, start=0, end=len(t), text=t, score=0.1, dense_score=0.6
        )
        for i, (t, s) in enumerate(zip(texts, sources, strict=True))
    ]


# ---------------------------------------------------------------- models, stores, settings


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


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> PassageStore:
    """The seeds indexed once per session, in their own persistent Chroma folder."""
    client = chromadb.PersistentClient(path=str(tmp_path_factory.mktemp("chroma")))
    store = PassageStore(client, embedder)
    index_folder(store, SEEDS, max_tokens=90, overlap_tokens=30)
    return store


@pytest.fixture(scope="session")
def hybrid(seed_store: PassageStore) -> HybridRetriever:
    """The hybrid retriever over the indexed seeds (BM25 built in memory)."""
    return HybridRetriever(seed_store, load_lexical(seed_store, None))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- pipelines


@dataclass
class FakePipeline:
    """The pipeline's interface without models: answers with the first sentence of an article.

    Questions containing "capital" are refused; questions containing "explode" fail with a
    `ModelUnavailableError` (mid-stream for `stream`). Every call is recorded in `calls`
    (and its `sources` in `sources_asked`).
    """

    settings: Settings
    texts: dict[str, str]
    calls: list[tuple[str, str, list[ChatTurn], int | None]] = field(default_factory=list)
    sources_asked: list[Sequence[str] | None] = field(default_factory=list)

    @classmethod
    def from_seeds(cls, settings: Settings, seeds: Path = SEEDS) -> FakePipeline:
        texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))}
        return cls(settings, texts)

    def ask(
        self,
        question: str,
        history: Sequence[ChatTurn] = (),
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer:
        self.calls.append(("ask", question, list(history), k))
        self.sources_asked.append(sources)
        return self._answer(question)

    def stream(
        self,
        question: str,
        history: Sequence[ChatTurn] = (),
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[StreamEvent]:
        self.calls.append(("stream", question, list(history), k))
        self.sources_asked.append(sources)
        yield from self.events(question)

    def events(self, question: str) -> Iterator[StreamEvent]:
        """What `stream` yields for `question` once the call is recorded (subclasses script
        their own events here)."""
        if "explode" in question:
            yield Draft("Partial ")
            raise ModelUnavailableError("the local model is not installed: run `qa model`")
        answer = self._answer(question)
        words = answer.answer.split(" ")
        for i, word in enumerate(words):
            yield Draft(word if i == 0 else " " + word)
        for i, word in enumerate(words):
            yield Verified(word if i == 0 else " " + word)
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
        citation = Citation(
            n=1, source=name, start=0, end=end, passage_start=0, passage_end=end,
            text=text[:end], score=0.9,
        )  # fmt: skip
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

    def search(self, query: str, k: int | None = None) -> list[RetrievedPassage]:
        self.calls.append(("search", query, [], k))
        name, text = next(iter(self.texts.items()))
        return passages_of([text[:200]], [name])[: k or 4]

    def sources(self) -> list[SourceInfo]:
        return [SourceInfo(name=n, passages=3, chars=len(t)) for n, t in sorted(self.texts.items())]

    def source_text(self, name: str) -> str:
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


def real_pipeline(root: Path, embedder: Any, **settings: Any) -> Any:
    """The real pipeline with the extractive backend over a private copy of the seeds."""
    from qa.pipeline import build_pipeline

    seeds = root / "seeds"
    if not seeds.exists():
        shutil.copytree(SEEDS, seeds)
    config = Settings(backend="extractive", seeds_dir=seeds, data_dir=root / "data", **settings)
    return build_pipeline(config, embedder=embedder, ensure_index=True)


# ---------------------------------------------------------------- the app in-process


@pytest.fixture(scope="session")
def real(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Any:
    """The real pipeline (extractive backend), built once per session."""
    return real_pipeline(tmp_path_factory.mktemp("real"), embedder)


@pytest.fixture(scope="session")
def app(real: Any) -> FastAPI:
    """The app as `qa serve` builds it: around the real pipeline."""
    return create_app(real, real.settings)


@pytest.fixture
def fake(tmp_path: Path) -> FakePipeline:
    """The fake pipeline over the seeds' texts."""
    return FakePipeline.from_seeds(Settings(backend="extractive", data_dir=tmp_path / "data"))


@pytest.fixture
def client(app: FastAPI, fake: FakePipeline) -> Iterator[TestClient]:
    """The app with the fake pipeline swapped in through `dependency_overrides`."""
    app.dependency_overrides[get_pipeline] = lambda: fake
    with TestClient(app) as c:
        yield c
    app.dependency_overrides.clear()


@pytest.fixture
def real_client(app: FastAPI) -> Iterator[TestClient]:
    """The app around the real extractive pipeline."""
    with TestClient(app) as c:
        yield c


def keyed(app: FastAPI, key: str | None) -> None:
    """Serve `app` as if `QA_API_KEY` were `key` (None: no key)."""
    app.dependency_overrides[get_app_settings] = lambda: Settings(
        backend="extractive", api_key=SecretStr(key) if key else None
    )


def chat(content: str, **extra: Any) -> dict[str, Any]:
    """An OpenAI chat-completion request body with one user message."""
    return {"model": "newsqa", "messages": [{"role": "user", "content": content}], **extra}


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


# ---------------------------------------------------------------- a live server


class LiveServer:
    """A real uvicorn serving `app` on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.app = app
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
