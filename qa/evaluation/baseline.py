"""The baseline: the retrieval-QA pipeline people copy from LangChain tutorials.

1000-character chunks with 200 overlap, plain similarity search for the top 4, one "stuff"
prompt, no follow-up rewriting, no relevance gate, no citation check. It runs on the same chat
model as ours, so the comparison measures the pipeline, not the model.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from index.embedder import Embedder
from index.loader import load_sources
from index.store import open_collection
from qa.answer.check import says_not_known
from qa.llm.usage import TokenUsage
from qa.types import Answer, ChatTurn, Citation

__all__ = [
    "CHUNK_OVERLAP",
    "CHUNK_SIZE",
    "COLLECTION",
    "STUFF_PROMPT",
    "TOP_K",
    "TutorialBaseline",
    "build_baseline",
    "build_stuff_prompt",
    "says_dont_know",
]

COLLECTION = "baseline"
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4

STUFF_PROMPT = (
    "Use the following pieces of context to answer the question at the end. If you don't know"
    " the answer, just say that you don't know, don't try to make up an answer.\n\n"
    "{context}\n\n"
    "Question: {question}\n"
    "Helpful Answer:"
)
"""LangChain's classic `RetrievalQA` "stuff" prompt, word for word."""


def build_stuff_prompt(question: str, chunks: Sequence[str]) -> str:
    """The tutorial prompt: the chunks joined by blank lines, then the question."""
    return STUFF_PROMPT.format(context="\n\n".join(chunks), question=question)


def says_dont_know(answer: str) -> bool:
    """True when a free-text answer declines ("I don't know", "not mentioned", ...)."""
    return not answer.strip() or says_not_known(answer)


class TutorialBaseline:
    """The tutorial pipeline over one Chroma collection.

    Args:
        collection: a Chroma collection holding the chunks (see `build_baseline`).
        chat_model: a LangChain chat model (`invoke(messages)` returning a message).
        model_name: how the report names the chat model.
    """

    def __init__(self, collection: Any, chat_model: Any, model_name: str = "") -> None:
        self.collection = collection
        self.chat_model = chat_model
        self.model_name = model_name or type(chat_model).__name__

    def describe(self) -> dict[str, Any]:
        """The baseline's settings, for the report."""
        return {
            "pipeline": "LangChain tutorial (stuff prompt)",
            "model": self.model_name,
            "k": TOP_K,
            "chunk_chars": CHUNK_SIZE,
            "chunk_overlap_chars": CHUNK_OVERLAP,
        }

    def retrieve(self, question: str) -> list[Citation]:
        """The top-4 chunks by cosine similarity, numbered from 1."""
        got = self.collection.query(
            query_texts=[question], n_results=TOP_K, include=["documents", "metadatas", "distances"]
        )
        return [
            Citation.from_passage(n, _chunk(doc, meta), 1.0 - float(dist))
            for n, (doc, meta, dist) in enumerate(
                zip(
                    (got["documents"] or [[]])[0],
                    (got["metadatas"] or [[]])[0],
                    (got["distances"] or [[]])[0],
                    strict=True,
                ),
                start=1,
            )
        ]

    def ask(self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None) -> Answer:
        """Answer like the tutorial: no history, always the top 4 chunks, all of them cited.

        `history` and `k` are accepted for interface parity and ignored.
        """
        started = time.perf_counter()
        chunks = self.retrieve(question)
        reply = self.chat_model.invoke(
            [HumanMessage(build_stuff_prompt(question, [c.text for c in chunks]))]
        )
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        usage = TokenUsage.of(reply)
        refused = says_dont_know(text)
        return Answer(
            question=question,
            standalone_question=question,
            answer=text.strip(),
            refused=refused,
            citations=[] if refused else chunks,
            retrieved=chunks,
            backend="baseline",
            model=self.model_name,
            timings_ms={"total": round((time.perf_counter() - started) * 1000.0, 1)},
            prompt_tokens=usage.prompt,
            cached_prompt_tokens=usage.cached,
            completion_tokens=usage.completion,
        )


def build_baseline(
    seeds_dir: Path,
    embedder: Embedder,
    chat_model: Any,
    *,
    client: Any = None,
    model_name: str = "",
) -> TutorialBaseline:
    """Split the seed files, index them in a fresh "baseline" collection, return the baseline.

    Args:
        seeds_dir: the articles (the same files our pipeline indexes).
        embedder: our embedding model, given to Chroma explicitly (never Chroma's default).
        chat_model: the chat model our pipeline uses.
        client: a Chroma client; default: a new in-memory one, so nothing is written to disk.
        model_name: how the report names the chat model.
    """
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    if client is None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    docs, _ = load_sources(seeds_dir)
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
    )
    chunks = splitter.create_documents(
        [d.text for d in docs], metadatas=[{"source": d.name} for d in docs]
    )
    collection = open_collection(client, COLLECTION, embedder, fresh=True)
    if chunks:
        collection.add(
            ids=[f"baseline-{i}" for i in range(len(chunks))],
            documents=[c.page_content for c in chunks],
            metadatas=[
                {
                    "source": c.metadata["source"],
                    "start": c.metadata["start_index"],
                    "end": c.metadata["start_index"] + len(c.page_content),
                }
                for c in chunks
            ],
        )
    return TutorialBaseline(collection, chat_model, model_name)


@dataclass(frozen=True)
class _Chunk:
    """A stored tutorial chunk: its source and the splitter's offsets."""

    source: str
    start: int
    end: int
    text: str


def _chunk(text: str, meta: Any) -> _Chunk:
    return _Chunk(str(meta["source"]), int(meta["start"]), int(meta["end"]), text)
