"""The hybrid retriever as a LangChain `BaseRetriever`, for LangChain users."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from qa.retrieval.hybrid import HybridRetriever
from qa.types import RetrievedPassage

__all__ = ["PassageRetriever"]


def _to_document(p: RetrievedPassage) -> Document:
    """A LangChain `Document` carrying the passage's source, offsets and scores."""
    meta: dict[str, Any] = p.model_dump(exclude={"text"})
    return Document(page_content=p.text, metadata=meta, id=p.id)


class PassageRetriever(BaseRetriever):
    """The hybrid retriever as a LangChain `BaseRetriever`.

    `invoke(query, k=N)` overrides the number of passages for one call.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: HybridRetriever
    k: int = 4

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        k = int(kwargs.get("k", self.k))
        return [_to_document(p) for p in self.hybrid.retrieve(query, k=k)]
