"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, diversified by MMR."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.metadata import asked_header_line
from index.normalize import spaced_figures, tokens
from index.store import PassageStore
from index.types import Passage
from qa.retrieval.lexical import BM25Index, fingerprint
from qa.types import RetrievedPassage, SourceInfo

__all__ = ["HybridRetriever", "load_lexical", "mmr_select", "reciprocal_rank_fusion"]

# Passages written but not yet visible (an ingestion in progress) can crowd the dense results;
# the dense query asks for up to this many more to make up for them.
_MAX_OVERFETCH = 500
# Header lines (byline, dateline) are among an article's first lines, credit lines among
# its last.
_HEADER_LINES = 3


# Content words just before a figure say what it measures ("increased revenue of 70 870").
_FIGURE_WINDOW = 2


def _asks_about_figure(query: str, text: str) -> bool:
    """Does `query` name what a garbled figure of `text` measures: one of the last
    `_FIGURE_WINDOW` content words before it ("revenue" in "increased revenue of 70 870
    million")?"""
    wanted = set(tokens(query))
    for figure in spaced_figures(text):
        before = tokens(text[: text.find(figure)])[-_FIGURE_WINDOW:]
        if wanted & set(before):
            return True
    return False


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """Fuse ranked id lists: each id scores the sum of 1 / (k + rank) over the lists (rank
    from 1). Source: Cormack, Clarke and Buettcher, "Reciprocal Rank Fusion" (SIGIR 2009)."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (k + rank)
    return fused


def mmr_select(relevance: np.ndarray, vectors: np.ndarray, k: int, lambda_: float) -> list[int]:
    """Maximal marginal relevance: indices of `k` items trading relevance for novelty.

    Args:
        relevance: shape (n,), each item's relevance (higher is better).
        vectors: shape (n, dim), unit vectors (their dot products are cosine similarities).
        k: how many to choose (fewer when n < k).
        lambda_: 1.0 ranks by relevance alone; lower values penalise similarity to the chosen.

    Source: Carbonell and Goldstein, "The Use of MMR, Diversity-Based Reranking" (SIGIR 1998).
    """
    n = len(relevance)
    chosen: list[int] = []
    if n == 0 or k <= 0:
        return chosen
    sims = (vectors @ vectors.T).astype(np.float64)
    relevance = np.asarray(relevance, dtype=np.float64)
    # Similarity of each item to its closest chosen one, kept up to date (no Python loops).
    redundancy = np.zeros(n)
    taken = np.zeros(n, dtype=bool)
    while len(chosen) < min(k, n):
        gain = np.where(taken, -np.inf, lambda_ * relevance - (1 - lambda_) * redundancy)
        best = int(np.argmax(gain))  # the first of equal gains, as max() over a list would
        redundancy = sims[:, best] if not chosen else np.maximum(redundancy, sims[:, best])
        chosen.append(best)
        taken[best] = True
    return chosen


def load_lexical(store: PassageStore, cache: Path | None) -> BM25Index:
    """The BM25 index for the store: the saved one if it matches the store, else rebuilt."""
    ids = store.ids()
    if cache is not None and cache.exists():
        try:
            saved = BM25Index.load(cache)
            if saved.fingerprint == fingerprint(ids):
                return saved
        except (ValueError, KeyError, OSError):
            pass  # a damaged cache is rebuilt below
    index = BM25Index(store.all_passages())
    if cache is not None:
        index.save(cache)
    return index


@dataclass
class HybridRetriever:
    """Retrieves passages for a query.

    Args:
        store: the passage store (dense search and vectors).
        lexical: the BM25 index over the same passages.
        k: passages returned.
        fetch_k: candidates taken from each of dense and BM25 search before fusion.
        mmr_lambda: 1.0 is pure relevance; lower values favour passages unlike those chosen.
        rrf_k: the reciprocal-rank-fusion constant.
        duplicate_similarity: cosine similarity above which passages count as the same evidence.
        articles: what is known of each source (title, date, version group), by file name;
            copied into the retrieved passages.

    Only the passages of `lexical` are visible: the store may already hold passages of an
    ingestion not committed yet, and the dense results leave them out. A retriever is thus a
    snapshot; `qa.library.Library` swaps in a new one when an ingestion commits.
    """

    store: PassageStore
    lexical: BM25Index
    k: int = 4
    fetch_k: int = 20
    mmr_lambda: float = 0.7
    rrf_k: int = 60
    duplicate_similarity: float = 0.8
    articles: Mapping[str, SourceInfo] = field(default_factory=dict)

    def retrieve(
        self, query: str, k: int | None = None, sources: Collection[str] | None = None
    ) -> list[RetrievedPassage]:
        """The best `k` passages for `query`, best first; only from the files in `sources`
        (file names) when given. For a question about the articles' header or credit lines,
        the passages holding such a line come first (`_header_passages`), whatever their
        scores.

        Each passage carries `score` (its reciprocal-rank-fusion score, about 0.01 to 0.03),
        `dense_score` (cosine similarity of passage and query, -1 to 1) and `bm25_score`
        (0 when BM25 did not find it). An empty query or `k <= 0` gives no passages.
        """
        k = self.k if k is None else k
        if k <= 0 or not query.strip():
            return []
        qvec = self.store.embedder.encode_query(query)
        stored = self.store.count()
        hidden = min(_MAX_OVERFETCH, max(0, stored - len(self.lexical.ids)))
        visible = self.lexical.ids
        dense = [
            h
            for h in self.store.query(qvec, min(stored, self.fetch_k + hidden), sources)
            if h.passage.id in visible
        ][: self.fetch_k]
        lexical = self.lexical.search(query, self.fetch_k, sources)
        bm25 = {p.id: s for p, s in lexical}
        fused = reciprocal_rank_fusion(
            [[h.passage.id for h in dense], [p.id for p, _ in lexical]], self.rrf_k
        )
        passages: dict[str, Passage] = {h.passage.id: h.passage for h in dense}
        passages.update({p.id: p for p, _ in lexical if p.id not in passages})
        headers = self._header_passages(query, sources)
        passages.update({p.id: p for p in headers if p.id not in passages})
        for p in headers:
            fused.setdefault(p.id, 0.0)
        vectors = {h.passage.id: h.vector for h in dense}
        missing = [pid for pid in passages if pid not in vectors]
        vectors.update(self.store.vectors(missing))

        ids = sorted(fused, key=lambda pid: (-fused[pid], pid))
        ids = [pid for pid in ids if pid in vectors]
        if not ids:
            return []
        matrix = np.stack([vectors[pid] for pid in ids])
        scores = np.array([fused[pid] for pid in ids])
        header_rows = [ids.index(p.id) for p in headers if p.id in vectors]
        chosen = self._choose(header_rows, scores, matrix, matrix @ qvec, k)
        similarity = matrix @ matrix.T
        names = np.array([passages[pid].source for pid in ids])
        chosen = self._with_cleaner_version(
            query, chosen, [passages[pid].text for pid in ids], scores, similarity, names
        )
        return [
            self._retrieved(
                passages[ids[i]],
                score=float(fused[ids[i]]),
                dense_score=float(matrix[i] @ qvec),
                bm25_score=float(bm25.get(ids[i], 0.0)),
                twins={str(t) for t in names[(similarity[i] >= self.duplicate_similarity)]},
            )
            for i in chosen
        ]

    def _choose(
        self,
        header_rows: list[int],
        scores: np.ndarray,
        matrix: np.ndarray,
        relevance: np.ndarray,
        k: int,
    ) -> list[int]:
        """Rows of the `k` passages to return: the header passages first (`_headers_first`),
        then MMR over the rest by fused `scores`."""
        chosen = self._headers_first(header_rows, relevance, k)
        rest = [i for i in range(len(scores)) if i not in chosen]
        if rest and len(chosen) < k:
            picked = mmr_select(
                scores[rest] / max(scores.max(), 1e-9),
                matrix[rest],
                k - len(chosen),
                self.mmr_lambda,
            )
            chosen += [rest[i] for i in picked]
        return chosen

    def _retrieved(
        self,
        p: Passage,
        *,
        score: float,
        dense_score: float,
        bm25_score: float,
        twins: set[str],
    ) -> RetrievedPassage:
        """A chosen passage with its scores, its article's metadata and the other files
        holding a near-duplicate of it (`twins`, known versions only when versions are
        known: a related story quoting the same sentence is no version)."""
        twins = {t for t in twins if t != p.source and self._same_story(p.source, t)}
        info = self.articles.get(p.source)
        return RetrievedPassage(
            id=p.id,
            source=p.source,
            start=p.start,
            end=p.end,
            text=p.text,
            position=p.position,
            score=score,
            dense_score=dense_score,
            bm25_score=bm25_score,
            corroborated_by=sorted(twins),
            title=info.title if info else None,
            date=info.date if info else None,
            version_group=info.version_group if info else None,
        )

    def _header_passages(self, query: str, sources: Collection[str] | None) -> list[Passage]:
        """For a question about articles' header or credit lines (`asked_header_line`: "Who
        wrote the story?", "Who holds its copyright?"), the opening and closing passages
        holding such a line; none for other questions. Such a line shares no words with the
        question, so neither search ranks it. (A scan of the visible passages, for these
        questions only.)"""
        holds = asked_header_line(query)
        if holds is None:
            return []
        last: dict[str, int] = {}
        for p in self.lexical.passages:
            last[p.source] = max(last.get(p.source, 0), p.position)
        found = []
        for p in self.lexical.passages:
            if sources is not None and p.source not in sources:
                continue
            lines = p.text.splitlines()
            ends = lines[:_HEADER_LINES] if p.position == 0 else []
            if p.position == last[p.source]:
                ends = ends + lines[-_HEADER_LINES:]
            if any(holds(line) for line in ends):
                found.append(p)
        return found

    def _with_cleaner_version(
        self,
        query: str,
        chosen: list[int],
        texts: list[str],
        scores: np.ndarray,
        similarity: np.ndarray,
        names: np.ndarray,
    ) -> list[int]:
        """`chosen` (indices into `texts`, best first), where the best passage has a garbled
        figure ("70 870 million": `spaced_figures`) and a version in another file states
        fewer such figures ("$ 870 million"): that version takes the place of the last
        passage chosen when it ranks above it (fused `scores`), so the answer can give the
        clean figure. The versions are the same evidence (similarity at least
        `duplicate_similarity`), one translated worse; MMR alone keeps only one of them.
        Only the best passage, the one the question is most about, brings in its version,
        and only when the question asks about the garbled figure (`_asks_about_figure`): a
        lower one would displace a passage the question may need more."""
        if len(chosen) < 2:
            return chosen
        i = chosen[0]
        garbled = len(spaced_figures(texts[i]))
        if garbled and _asks_about_figure(query, texts[i]):
            cleaner = [
                j
                for j in range(len(texts))
                if j not in chosen
                and names[j] != names[i]
                and similarity[i, j] >= self.duplicate_similarity
                and self._same_story(str(names[i]), str(names[j]))
                and len(spaced_figures(texts[j])) < garbled
                and scores[j] > scores[chosen[-1]]
            ]
            if cleaner:
                return [*chosen[:-1], max(cleaner, key=lambda j: float(similarity[i, j]))]
        return chosen

    def _same_story(self, a: str, b: str) -> bool:
        """Are files `a` and `b` known versions of one story (or is nothing known)?"""
        info_a, info_b = self.articles.get(a), self.articles.get(b)
        if info_a is None or info_a.version_group is None:
            return True
        return info_b is not None and info_b.version_group == info_a.version_group

    @staticmethod
    def _headers_first(candidates: list[int], relevance: np.ndarray, k: int) -> list[int]:
        """The header passages that go first: the `k // 2` (at least one) most similar to
        the question, so the rest of the context still serves the story it names."""
        ranked = sorted(candidates, key=lambda i: -float(relevance[i]))
        return ranked[: max(1, k // 2)] if k > 0 else []
