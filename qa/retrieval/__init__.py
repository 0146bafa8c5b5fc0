"""Retrieval: dense (Chroma) and BM25 search fused by reciprocal rank, diversified by MMR;
also offered as a LangChain `BaseRetriever`."""

from __future__ import annotations

from qa.retrieval.hybrid import HybridRetriever, load_lexical, mmr_select, reciprocal_rank_fusion
from qa.retrieval.langchain_retriever import PassageRetriever
from qa.retrieval.lexical import BM25Index, fingerprint

__all__ = [
    "BM25Index",
    "HybridRetriever",
    "PassageRetriever",
    "fingerprint",
    "load_lexical",
    "mmr_select",
    "reciprocal_rank_fusion",
]
