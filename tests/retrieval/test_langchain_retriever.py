"""The hybrid retriever as a LangChain `BaseRetriever`, with LangChain's standard tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from index.loader import read_source_text
from qa.retrieval import (
    HybridRetriever,
    PassageRetriever,
)

from conftest import QUERIES, SEEDS


def test_langchain_documents_carry_offsets(hybrid: HybridRetriever) -> None:
    retriever = PassageRetriever(hybrid=hybrid, k=2)
    docs = retriever.invoke(QUERIES[1][0])
    assert len(docs) == 2
    for doc in docs:
        meta = doc.metadata
        assert doc.id and doc.id.startswith(meta["source"])
        assert read_source_text(SEEDS, meta["source"])[meta["start"] : meta["end"]] == (
            doc.page_content
        )
        assert {"score", "dense_score", "bm25_score", "corroborated_by"} <= set(meta)
    assert len(retriever.invoke(QUERIES[1][0], k=5)) == 5


@pytest.mark.anyio
class TestPassageRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's own conformance tests for retrievers, against the real seed store."""

    @pytest.fixture(autouse=True)
    def _hybrid(self, hybrid: HybridRetriever) -> Iterator[None]:
        self._retriever_hybrid = hybrid
        yield

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return PassageRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"hybrid": self._retriever_hybrid, "k": 4}

    @property
    def retriever_query_example(self) -> str:
        return "How much did Google plan to pay Scale AI?"

    @property
    def num_results_arg_name(self) -> str:
        return "k"
