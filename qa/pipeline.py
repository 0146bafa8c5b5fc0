"""The composition root of the answering stages: store, embedder, retriever, generator and
chain are each created once here and passed to what uses them. Nothing else wires stages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from index.embedder import Embedder, default_embedder
from index.indexer import IndexReport, index_folder, plan_index
from index.loader import read_source_text
from index.store import PassageStore, open_client
from qa.answer.chain import AnswerChain
from qa.errors import IndexMissingError, NotFoundError
from qa.llm.factory import make_chat_model
from qa.retrieval import BM25Index, HybridRetriever, PassageRetriever, load_lexical
from qa.settings import Settings
from qa.types import Answer, ChatTurn, SourceInfo, StreamEvent

__all__ = [
    "Pipeline",
    "build_chain",
    "build_pipeline",
    "build_retriever",
    "build_store",
    "check_index",
    "run_index",
]


@dataclass
class Pipeline:
    """Everything a front end needs, assembled once per process by `build_pipeline`."""

    settings: Settings
    store: PassageStore
    retriever: HybridRetriever
    chain: AnswerChain
    _sources: dict[str, int] = field(default_factory=dict)

    @property
    def backend(self) -> str:
        """The generator backend answering questions (`local`, `openai` or `extractive`)."""
        return self.chain.backend

    @property
    def model(self) -> str:
        """The generator's model name (`none` for the extractive backend)."""
        return self.chain.model

    @property
    def langchain_retriever(self) -> PassageRetriever:
        """The retriever as a LangChain `BaseRetriever` (`invoke(query, k=N)`)."""
        return PassageRetriever(hybrid=self.retriever, k=self.retriever.k)

    def ask(self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None) -> Answer:
        """Answer one question (with optional prior turns) with verified citations.

        Raises:
            BadInputError: the question is empty or too long.
            ModelUnavailableError: the generator failed.
        """
        return self.chain.ask(question, history=list(history), k=k)

    def stream(
        self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None
    ) -> Iterator[StreamEvent]:
        """`Draft` deltas as they are generated, the checked text as `Verified`, then the
        final `Answer` last (see `AnswerChain.stream`; errors as for `ask`)."""
        yield from self.chain.stream(question, history=list(history), k=k)

    def warm_up(self) -> None:
        """Prepare the generator before the first question (see `AnswerChain.warm_up`)."""
        self.chain.warm_up()

    def sources(self) -> list[SourceInfo]:
        """The indexed articles."""
        return [
            SourceInfo(name=name, passages=count, chars=len(self.source_text(name)))
            for name, count in sorted(self._sources.items())
        ]

    def source_text(self, name: str) -> str:
        """The full text of an indexed article; any other name is a `NotFoundError`."""
        if name not in self._sources:
            raise NotFoundError(f"no indexed source named {name!r}; see GET /api/sources")
        return read_source_text(self.settings.seeds_dir, name)

    @property
    def passage_count(self) -> int:
        """Passages in the store."""
        return sum(self._sources.values())


def build_store(
    settings: Settings, embedder: Embedder | None = None, client: Any = None
) -> PassageStore:
    """The passage store for the settings (embedder and client created here unless given)."""
    if client is None:
        client = open_client(
            settings.chroma_mode,
            path=settings.chroma_path,
            host=settings.chroma_host,
            port=settings.chroma_port,
        )
    return PassageStore(
        client,
        embedder if embedder is not None else default_embedder(),
        settings.collection,
    )


def run_index(
    settings: Settings,
    store: PassageStore,
    *,
    rebuild: bool = False,
    source: Path | None = None,
    progress: Callable[[int], object] | None = None,
) -> IndexReport:
    """Index the seeds folder (or `source`) into the store and refresh the BM25 cache."""
    report = index_folder(
        store,
        source or settings.seeds_dir,
        max_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
        rebuild=rebuild,
        progress=progress,
    )
    load_lexical(store, settings.bm25_path)
    return report


def check_index(settings: Settings, store: PassageStore) -> None:
    """Raise `IndexMissingError` if the store is empty or does not match the seeds folder."""
    if store.count() == 0:
        raise IndexMissingError("the index is empty: run `qa index` (or `make index`) first")
    plan = plan_index(
        store,
        settings.seeds_dir,
        max_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
    )
    if not plan.up_to_date:
        raise IndexMissingError(
            f"the index is stale ({len(plan.added)} added, {len(plan.changed)} changed,"
            f" {len(plan.removed)} removed files): run `qa index` first"
        )


def build_retriever(
    settings: Settings, store: PassageStore, lexical: BM25Index | None = None
) -> HybridRetriever:
    """The hybrid retriever over `store`, with the BM25 index kept beside it (or `lexical`)."""
    return HybridRetriever(
        store,
        lexical if lexical is not None else load_lexical(store, settings.bm25_path),
        k=settings.k,
        fetch_k=settings.fetch_k,
        mmr_lambda=settings.mmr_lambda,
        rrf_k=settings.rrf_k,
    )


def build_pipeline(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    client: Any = None,
    chat_model: BaseChatModel | None = None,
    ensure_index: bool = False,
) -> Pipeline:
    """Assemble the pipeline: store, retriever, generator and chain, each created once.

    Args:
        settings: the configuration.
        embedder: reuse a loaded embedding model (tests load it once per session).
        client: a Chroma client to use instead of the one the settings describe.
        chat_model: a LangChain chat model to use instead of the configured backend's.
        ensure_index: build or update the index first instead of failing when it is stale.

    Raises:
        IndexMissingError: the index is empty or stale (and `ensure_index` is off).
        StoreUnavailableError: the Chroma server of server mode does not answer.
        ModelUnavailableError: the configured generator cannot be loaded or reached.
        SourceError: the seeds folder is missing or holds no articles (`ensure_index`).
    """
    store = build_store(settings, embedder, client)
    if ensure_index:
        run_index(settings, store)
    else:
        check_index(settings, store)
    retriever = build_retriever(settings, store)
    chain = build_chain(settings, retriever, store.embedder, chat_model)
    counts = {name: len(ids) for name, ids in store.ids_by_source().items()}
    return Pipeline(settings, store, retriever, chain, counts)


def build_chain(
    settings: Settings,
    retriever: HybridRetriever,
    embedder: Embedder,
    chat_model: BaseChatModel | None = None,
) -> AnswerChain:
    """The answer chain over `retriever`, with the configured backend's chat model unless one
    is given (none for the extractive backend)."""
    if chat_model is None and settings.backend != "extractive":
        chat_model = make_chat_model(settings)
    return AnswerChain(
        retriever,
        chat_model,
        embed=embedder.encode_documents,
        backend=settings.backend,
        min_relevance=settings.min_relevance,
        context_keep_ratio=settings.context_keep_ratio,
        judge=settings.judge,
    )
