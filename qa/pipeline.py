"""The composition root of the answering stages: store, embedder, retriever, generator and
chain are each created once here and passed to what uses them. Nothing else wires stages."""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from index.embedder import Embedder, EmbeddingCache, default_embedder
from index.indexer import IndexReport, index_folder, plan_index
from index.store import PassageStore, open_client
from qa.answer.chain import AnswerChain, Retriever
from qa.errors import IndexMissingError
from qa.library import FolderWatch, Library
from qa.llm.factory import make_chat_model
from qa.retrieval import BM25Index, HybridRetriever, PassageRetriever, load_lexical
from qa.settings import Settings
from qa.types import Answer, ChatTurn, RetrievedPassage, SourceInfo, StreamEvent

__all__ = [
    "Pipeline",
    "build_chain",
    "build_library",
    "build_pipeline",
    "build_retriever",
    "build_store",
    "check_index",
    "run_index",
]


@dataclass
class _ScopedRetriever:
    """The library's retriever restricted to some files (a question's `sources`)."""

    library: Library
    names: frozenset[str]

    def retrieve(self, query: str, k: int | None = None) -> list[RetrievedPassage]:
        return self.library.retrieve(query, k, self.names)


@dataclass
class Pipeline:
    """Everything a front end needs, assembled once per process by `build_pipeline`.

    The chain retrieves through `library`, which swaps in a new retriever whenever articles
    are added, replaced or removed (`add_article`, `remove_article`, the folder watch).
    """

    settings: Settings
    store: PassageStore
    library: Library
    chain: AnswerChain

    @property
    def retriever(self) -> HybridRetriever:
        """The current retriever (a snapshot: the library replaces it on every change)."""
        return self.library.retriever

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

    def ask(
        self,
        question: str,
        history: Sequence[ChatTurn] = (),
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer:
        """Answer one question (with optional prior turns) with verified citations; with
        `sources` (file names or version groups), only from those articles.

        Raises:
            BadInputError: the question is empty or too long, or a source is unknown.
            ModelUnavailableError: the generator failed.
        """
        return self._chain(sources).ask(question, history=list(history), k=k)

    def stream(
        self,
        question: str,
        history: Sequence[ChatTurn] = (),
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[StreamEvent]:
        """`Draft` deltas as they are generated, the checked text as `Verified`, then the
        final `Answer` last (see `AnswerChain.stream`; `sources` and errors as for `ask`)."""
        chain = self._chain(sources)
        yield from chain.stream(question, history=list(history), k=k)

    def _chain(self, sources: Sequence[str] | None) -> AnswerChain:
        """The chain, or a copy of it retrieving only from `sources`."""
        if not sources:
            return self.chain
        scoped = copy.copy(self.chain)
        scoped.retriever = _ScopedRetriever(self.library, frozenset(self.library.resolve(sources)))
        return scoped

    def search(self, query: str, k: int | None = None) -> list[RetrievedPassage]:
        """The `k` passages that best match `query` (default `settings.k`), best first."""
        return self.retriever.retrieve(query, k=k)

    def warm_up(self) -> None:
        """Prepare the generator before the first question (see `AnswerChain.warm_up`)."""
        self.chain.warm_up()

    def sources(self) -> list[SourceInfo]:
        """The indexed articles, with their metadata."""
        return self.library.articles()

    def source_text(self, name: str) -> str:
        """The full text of an indexed article; any other name is a `NotFoundError`."""
        return self.library.text(name)

    @property
    def passage_count(self) -> int:
        """Passages questions retrieve from."""
        return self.library.passage_count

    def add_article(self, name: str, data: bytes, *, replace: bool = False) -> SourceInfo:
        """Add (or with `replace`, replace) an article and index it; see `Library.add`."""
        return self.library.add(name, data, replace_existing=replace)

    def remove_article(self, name: str) -> None:
        """Delete an article and its passages; see `Library.remove`."""
        self.library.remove(name)

    def watch(self) -> FolderWatch:
        """A started watch of the seeds folder (stop it with `.stop()`)."""
        return FolderWatch(self.library).start()


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
        max_bytes=settings.max_article_bytes,
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
        max_bytes=settings.max_article_bytes,
    )
    if plan.to_embed or plan.to_delete:
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
        ensure_index: build or update the index first instead of failing when it is stale
            (`qa serve` does; metadata of an index built before it was stored is added
            either way).

    Raises:
        IndexMissingError: the index is empty or stale (and `ensure_index` is off).
        StoreUnavailableError: the Chroma server of server mode does not answer.
        ModelUnavailableError: the configured generator cannot be loaded or reached.
        SourceError: the seeds folder is missing or holds no articles (`ensure_index`).
    """
    store = build_store(settings, embedder, client)
    if not ensure_index:
        check_index(settings, store)
    library = build_library(settings, store)
    report = library.sync()
    if not report.plan.up_to_date:
        print(f"index brought up to date: {report.summary()}", file=sys.stderr)
    chain = build_chain(settings, library, store.embedder, chat_model)
    return Pipeline(settings, store, library, chain)


def build_library(settings: Settings, store: PassageStore) -> Library:
    """The article library over the seeds folder and `store` (not synced yet)."""
    return Library(
        store,
        settings.seeds_dir,
        chunk_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
        max_bytes=settings.max_article_bytes,
        version_similarity=settings.version_similarity,
        retriever=build_retriever(settings, store),
        bm25_path=settings.bm25_path,
    )


def build_chain(
    settings: Settings,
    retriever: Retriever,
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
        embed=EmbeddingCache(embedder.encode_documents),
        backend=settings.backend,
        min_relevance=settings.min_relevance,
        context_keep_ratio=settings.context_keep_ratio,
        judge=settings.judge,
        choose=settings.choose,
        retry_focused=settings.retry_focused,
        quote_fallback=settings.quote_fallback,
    )
