"""The article library: the seeds folder, the passage store and the retriever kept in step
while the server runs.

Every way of adding an article (the API, the UI, a file dropped in the folder) ends in
`Library.sync`, the one code path: the incremental indexer plans against the folder, embeds
and writes the new passages (no lock held: they are not visible yet), builds the new BM25 index
and version groups (still no lock), then, under a short write lock, deletes the stale passages
and swaps in the new retriever. A question retrieves under the read lock from one snapshot, so
it sees the old articles or the new ones, never half of each. A kill at any point leaves the
old passages in place and the files in the folder; the next `sync` (at start) completes it.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.errors import BadSourceError
from index.indexer import IndexPlan, IndexReport, apply_plan, plan_index
from index.loader import SUFFIXES, SourceDocument, is_article_name, load_source, parse_source
from index.store import PassageStore
from index.types import Passage
from index.versions import article_vector, version_groups
from qa.errors import BadInputError, ConflictError, NotFoundError, UnsafeNameError
from qa.library._locks import ReadWriteLock
from qa.retrieval import BM25Index, HybridRetriever
from qa.types import RetrievedPassage, SourceInfo

__all__ = ["Library", "safe_article_name"]

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^\w.\-]+")


def safe_article_name(name: str) -> str:
    """A file name fit for the seeds folder: runs of characters other than letters, digits,
    `.`, `-` and `_` become `_`.

    Raises:
        UnsafeNameError: the name holds a path separator or is `.`/`..`/hidden (it would
            leave the folder or hide the file).
        BadInputError: the name is empty, too long, or not `.txt`, `.md` or `.html`.
    """
    cleaned = _UNSAFE.sub("_", _plain_name(name))
    if len(cleaned) > 200:
        raise BadInputError(f"the file name is {len(cleaned)} characters long; the limit is 200")
    if Path(cleaned).suffix.lower() not in SUFFIXES:
        raise BadInputError(
            f"{cleaned!r}: articles are .txt, .md or .html files; rename it with one of those"
        )
    return cleaned


def _plain_name(name: str) -> str:
    """`name` stripped, if it names a file directly in a folder.

    Raises:
        UnsafeNameError: a path separator, NUL or leading dot.
        BadInputError: an empty name.
    """
    raw = (name or "").strip()
    if not raw:
        raise BadInputError("the article needs a file name, such as story.txt")
    if "/" in raw or "\\" in raw or "\x00" in raw or raw.startswith("."):
        raise UnsafeNameError(
            f"{name!r} is not a plain file name (no folders, no leading dot): name the"
            " article like story.txt"
        )
    return raw


@dataclass(frozen=True)
class _Snapshot:
    """One consistent state of the library: what questions retrieve from."""

    retriever: HybridRetriever
    articles: dict[str, SourceInfo]
    vectors: dict[str, np.ndarray]


class Library:
    """The articles of one folder, indexed in one store, served by a swappable retriever.

    Args:
        store: the passage store.
        folder: the seeds folder (the source of truth).
        chunk_tokens, overlap_tokens: chunking, as for `qa index`.
        max_bytes: the largest article file, in bytes.
        version_similarity: article-vector cosine at which articles are versions of a story.
        retriever: the retriever settings each snapshot copies (k, fetch_k, ...); its store
            must be `store`.
        bm25_path: where the BM25 index is saved for the next start (None: not saved).
    """

    def __init__(
        self,
        store: PassageStore,
        folder: Path,
        *,
        chunk_tokens: int,
        overlap_tokens: int,
        max_bytes: int,
        version_similarity: float,
        retriever: HybridRetriever,
        bm25_path: Path | None = None,
    ) -> None:
        self.store = store
        self.folder = folder
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens
        self.max_bytes = max_bytes
        self.version_similarity = version_similarity
        self.bm25_path = bm25_path
        self._rw = ReadWriteLock()
        self._ingest = threading.Lock()
        self._snap = _Snapshot(retriever, {}, {})
        # Passages of each (file, sha256) already chunked: a sync chunks only what changed.
        self._chunks: dict[tuple[str, str], list[Passage]] = {}
        self.last_report: IndexReport | None = None

    # ------------------------------------------------------------ reading

    @property
    def retriever(self) -> HybridRetriever:
        """The current snapshot's retriever."""
        return self._snap.retriever

    def retrieve(
        self, query: str, k: int | None = None, sources: Collection[str] | None = None
    ) -> list[RetrievedPassage]:
        """The best passages for `query` from one snapshot (see `HybridRetriever.retrieve`);
        only from the files in `sources` when given."""
        with self._rw.read():
            return self._snap.retriever.retrieve(query, k, sources)

    def articles(self) -> list[SourceInfo]:
        """The indexed articles, by name."""
        snap = self._snap
        return [snap.articles[n] for n in sorted(snap.articles)]

    def article(self, name: str) -> SourceInfo:
        """One indexed article.

        Raises:
            NotFoundError: no indexed article has that name.
        """
        found = self._snap.articles.get(name)
        if found is None:
            raise NotFoundError(f"no indexed article named {name!r}; see GET /api/articles")
        return found

    def text(self, name: str) -> str:
        """An indexed article's text as indexed (offsets index into it).

        Raises:
            NotFoundError: no indexed article has that name, or its file is gone.
        """
        self.article(name)
        try:
            return load_source(self.folder / name, 1 << 62, folder=self.folder).text
        except BadSourceError as exc:
            raise NotFoundError(
                f"the article {name!r} can no longer be read ({exc.reason})"
            ) from None

    @property
    def passage_count(self) -> int:
        """Passages visible to questions."""
        return len(self._snap.retriever.lexical.ids)

    def resolve(self, sources: Iterable[str]) -> set[str]:
        """File names for a selection of file names and version groups (`story:...`).

        Raises:
            NotFoundError: a name is neither an indexed article nor a version group (a
                well-formed selection of something that is not there: 404, as for
                `GET /api/sources/{name}`).
        """
        articles = self._snap.articles
        names: set[str] = set()
        for item in sources:
            group = {n for n, a in articles.items() if a.version_group == item}
            if item in articles:
                names.add(item)
            elif group:
                names |= group
            else:
                raise NotFoundError(
                    f"{item[:100]!r} is neither an indexed article nor a version group;"
                    " see GET /api/articles"
                )
        return names

    # ------------------------------------------------------------ writing

    def sync(self) -> IndexReport:
        """Bring the store and the retriever in line with the folder (the one code path).

        Raises:
            SourceError: the folder does not exist.
        """
        with self._ingest:
            started = time.perf_counter()
            before = self._snap.retriever.lexical
            plan = plan_index(
                self.store,
                self.folder,
                max_tokens=self.chunk_tokens,
                overlap_tokens=self.overlap_tokens,
                max_bytes=self.max_bytes,
                allow_empty=True,
                chunk_cache=self._chunks,
            )
            for bad in plan.skipped:
                logger.warning("skipped %s: %s", bad.name, bad.reason)
            embedded = apply_plan(self.store, plan)
            lexical = self._lexical(plan)
            snap = self._next_snapshot(plan, lexical)
            with self._rw.write():
                self.store.delete(plan.to_delete)
                self._snap = snap
            if self.bm25_path is not None and lexical is not before:
                lexical.save(self.bm25_path)  # the cache `qa search` and the next start read
            report = IndexReport(plan, len(lexical.ids), embedded, time.perf_counter() - started)
            self.last_report = report
            return report

    def add(self, name: str, data: bytes, *, replace_existing: bool = False) -> SourceInfo:
        """Write an article into the folder (a temporary file renamed into place) and index it.

        Args:
            name: the file name asked for (sanitised by `safe_article_name`).
            data: the file's bytes (`.txt`/`.md` text in any encoding, or an HTML page).
            replace_existing: replace an article of that name (PUT) instead of refusing.

        Raises:
            UnsafeNameError, BadInputError: the name is not acceptable.
            BadSourceError: the content is not an article (binary, empty, too large, ...).
            ConflictError: an article of that name exists and `replace_existing` is off.
            NotFoundError: `replace_existing` and no article of that name exists.
        """
        existing = _plain_name(name)
        # A replacement names an existing file exactly (it may predate sanitising).
        keep = replace_existing and (self.folder / existing).is_file()
        name = existing if keep else safe_article_name(name)
        if len(data) > self.max_bytes:
            raise BadSourceError(name, f"{len(data)} bytes, over the {self.max_bytes}-byte limit")
        parse_source(name, data)  # refuse a bad file before it touches the folder
        target = self.folder / name
        if target.exists() and not replace_existing:
            raise ConflictError(f"an article named {name!r} exists: PUT /api/articles/{name}")
        if replace_existing and not target.exists():
            raise NotFoundError(f"no article named {name!r} to replace; POST it instead")
        tmp = self.folder / f".upload-{uuid.uuid4().hex}{target.suffix}.tmp"
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
        self.sync()
        return self.article(name)

    def remove(self, name: str) -> None:
        """Delete an article's file and its passages.

        Raises:
            UnsafeNameError: the name would leave the folder.
            NotFoundError: no article file of that name.
        """
        name = _plain_name(name)
        target = self.folder / name
        if not is_article_name(name) or not target.is_file():
            raise NotFoundError(f"no article named {name!r}; see GET /api/articles")
        target.unlink()
        self.sync()

    # ------------------------------------------------------------ building a snapshot

    def _lexical(self, plan: IndexPlan) -> BM25Index:
        """The BM25 index of the folder's passages (the current one when nothing changed)."""
        current = self._snap.retriever.lexical
        wanted = [p for name in sorted(plan.passages) for p in plan.passages[name]]
        if plan.up_to_date and current.ids == frozenset(p.id for p in wanted):
            return current
        return BM25Index(wanted)

    def _next_snapshot(self, plan: IndexPlan, lexical: BM25Index) -> _Snapshot:
        """Article records, article vectors and version groups for the plan's folder state."""
        old = self._snap
        changed = set(plan.added) | set(plan.changed)
        vectors = {n: v for n, v in old.vectors.items() if n in plan.passages and n not in changed}
        missing = [n for n in plan.passages if n not in vectors]
        ids = [p.id for n in missing for p in plan.passages[n]]
        stored = self._vectors(ids)
        for n in missing:
            rows = [stored[p.id] for p in plan.passages[n] if p.id in stored]
            if rows:
                vectors[n] = article_vector(np.stack(rows))
        groups = version_groups(vectors, self.version_similarity)
        touched = changed | set(plan.migrated)
        articles = {
            doc.name: _info(doc, plan, groups.get(doc.name), old.articles.get(doc.name), touched)
            for doc in plan.sources
        }
        retriever = replace(old.retriever, lexical=lexical, articles=articles)
        return _Snapshot(retriever, articles, vectors)

    def _vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), 1000):
            found.update(self.store.vectors(ids[i : i + 1000]))
        return found


def _info(
    doc: SourceDocument,
    plan: IndexPlan,
    group: str | None,
    old: SourceInfo | None,
    touched: set[str],
) -> SourceInfo:
    """The article record of one loaded document."""
    meta = doc.meta
    if old is not None and doc.name not in touched and old.indexed_at:
        indexed_at = old.indexed_at
    else:
        seconds = time.time() if doc.name in touched else plan.indexed_at.get(doc.name)
        indexed_at = datetime.fromtimestamp(seconds or time.time(), UTC).isoformat(
            timespec="seconds"
        )
    return SourceInfo(
        name=doc.name,
        passages=len(plan.passages[doc.name]),
        chars=len(doc.text),
        title=meta.title,
        byline=meta.byline,
        date=meta.date,
        url=meta.url,
        format=meta.format,
        version_group=group,
        indexed_at=indexed_at,
    )
