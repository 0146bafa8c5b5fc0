"""Incremental, idempotent indexing of a folder of articles into the passage store.

Passage ids derive from source, offsets and content, so the store's id set for a file says
exactly whether the file changed: nothing is embedded for an unchanged file, only new passages
are embedded for a changed one, and stale passages are deleted after the new ones are written.
A run killed at any point leaves only correct passages; the next run completes the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from index.chunker import chunk_text
from index.errors import SourceError
from index.loader import DEFAULT_MAX_BYTES, SkippedFile, SourceDocument, load_sources
from index.metadata import ArticleMeta
from index.store import PassageStore, meta_key
from index.types import Passage

__all__ = ["IndexPlan", "IndexReport", "apply_plan", "index_folder", "plan_index"]

# Passages per encode call and per Chroma write: large enough that padding and per-write
# overhead stay small next to the model, small enough that a kill loses little work.
_EMBED_BATCH = 256


@dataclass
class IndexPlan:
    """What an indexing run has to do, worked out without embedding anything."""

    to_embed: list[Passage] = field(default_factory=list)
    to_delete: set[str] = field(default_factory=set)
    to_retag: list[Passage] = field(default_factory=list)
    passages: dict[str, list[Passage]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    sources: list[SourceDocument] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)
    indexed_at: dict[str, float] = field(default_factory=dict)

    @property
    def up_to_date(self) -> bool:
        """True when the store already matches the folder (passages and their metadata)."""
        return not (self.to_embed or self.to_delete or self.to_retag)

    @property
    def articles(self) -> dict[str, ArticleMeta]:
        """The metadata of every loaded article, by file name."""
        return {d.name: d.meta for d in self.sources}


@dataclass
class IndexReport:
    """The outcome of an indexing run."""

    plan: IndexPlan
    passages: int
    embedded: int
    seconds: float

    def summary(self) -> str:
        """One line: files added / changed / removed / unchanged, chunks, seconds."""
        p = self.plan
        line = (
            f"files: {len(p.added)} added, {len(p.changed)} changed, {len(p.removed)} removed, "
            f"{len(p.unchanged)} unchanged; chunks: {self.passages} in store, "
            f"{self.embedded} embedded; {self.seconds:.1f}s"
        )
        if p.migrated:
            line += f"; metadata updated: {len(p.migrated)} files"
        if p.skipped:
            line += "; skipped: " + ", ".join(f"{s.name} ({s.reason})" for s in p.skipped)
        return line


def plan_index(
    store: PassageStore,
    folder: Path,
    *,
    max_tokens: int,
    overlap_tokens: int,
    rebuild: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_empty: bool = False,
    chunk_cache: MutableMapping[tuple[str, str], list[Passage]] | None = None,
) -> IndexPlan:
    """Compare the folder with the store and list the work, embedding nothing.

    Passages whose article metadata is missing (an index built before it was stored) or out
    of date are listed in `to_retag`: their metadata is rewritten, nothing is embedded.

    `chunk_cache`, kept by a caller that plans often (a server), maps (file name, sha256)
    to the file's passages, so unchanged files are not chunked again; it is updated here.

    Raises:
        SourceError: the folder does not exist, or holds no article files (unless
            `allow_empty`: a running server may see its last article removed).
    """
    if not folder.is_dir():
        raise SourceError(f"source folder {folder} does not exist: create it or pass --source DIR")
    docs, skipped = load_sources(folder, max_bytes)
    if not docs and not skipped and not allow_empty:
        raise SourceError(
            f"{folder} has no .txt, .md or .html files: add articles or pass --source DIR"
        )
    records = store.sources()
    existing = {} if rebuild else {name: r.ids for name, r in records.items()}
    plan = IndexPlan(skipped=skipped, sources=docs)
    plan.indexed_at = {name: r.indexed_at for name, r in records.items() if r.indexed_at}
    if rebuild:
        plan.to_delete = {pid for r in records.values() for pid in r.ids}
    cache = {} if chunk_cache is None else chunk_cache
    for doc in docs:
        passages = cache.get((doc.name, doc.sha256))
        if passages is None:
            passages = chunk_text(
                doc.name,
                doc.text,
                store.embedder.count_tokens,
                max_tokens=max_tokens,
                overlap_tokens=overlap_tokens,
            )
            cache[(doc.name, doc.sha256)] = passages
        plan.passages[doc.name] = passages
        wanted = {p.id for p in passages}
        have = existing.pop(doc.name, set())
        record = records.get(doc.name)
        if record is not None and have and record.meta_keys != {meta_key(doc.meta)}:
            plan.migrated.append(doc.name)
            plan.to_retag.extend(p for p in passages if p.id in have)
        if wanted == have:
            plan.unchanged.append(doc.name)
            continue
        (plan.changed if have else plan.added).append(doc.name)
        plan.to_embed.extend(p for p in passages if p.id not in have)
        plan.to_delete |= have - wanted
    if chunk_cache is not None:  # forget files that are gone or changed
        current = {(d.name, d.sha256) for d in docs}
        for key in [k for k in chunk_cache if k not in current]:
            del chunk_cache[key]
    for name, ids in existing.items():
        plan.removed.append(name)
        plan.to_delete |= ids
    return plan


def index_folder(
    store: PassageStore,
    folder: Path,
    *,
    max_tokens: int,
    overlap_tokens: int,
    rebuild: bool = False,
    progress: Callable[[int], object] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> IndexReport:
    """Bring the store in line with `folder`.

    Args:
        store: the passage store to update.
        folder: the folder of .txt/.md/.html articles.
        max_tokens: passage size limit, in embedding-model tokens.
        overlap_tokens: longest trailing sentence repeated at the start of the next passage.
        rebuild: drop everything and embed all passages again.
        progress: called with the number of passages embedded after each batch.
        max_bytes: files larger than this are skipped and named.
    """
    started = time.perf_counter()
    plan = plan_index(
        store,
        folder,
        max_tokens=max_tokens,
        overlap_tokens=overlap_tokens,
        rebuild=rebuild,
        max_bytes=max_bytes,
    )
    if rebuild and plan.to_delete:
        store.delete(plan.to_delete)
        plan.to_delete = set()
    embedded = apply_plan(store, plan, progress)
    # Stale passages go last, so an interrupted run never loses the old version of a file first.
    store.delete(plan.to_delete)
    return IndexReport(plan, store.count(), embedded, time.perf_counter() - started)


def apply_plan(
    store: PassageStore, plan: IndexPlan, progress: Callable[[int], object] | None = None
) -> int:
    """Embed and write the plan's new passages and rewrite stale metadata; delete nothing.

    The caller deletes `plan.to_delete` afterwards (a server does it under its write lock),
    so a run killed here leaves the old passages in place and the next run completes it.

    Returns:
        The number of passages embedded.
    """
    articles = plan.articles
    embedded = 0
    for i in range(0, len(plan.to_embed), _EMBED_BATCH):
        batch = plan.to_embed[i : i + _EMBED_BATCH]
        store.upsert(batch, store.embedder.encode_documents([p.text for p in batch]), articles)
        embedded += len(batch)
        if progress is not None:
            progress(len(batch))
    store.retag(plan.to_retag, articles)
    return embedded
