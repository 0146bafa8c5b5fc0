"""Incremental, idempotent indexing of a folder of articles into the passage store.

Passage ids derive from source, offsets and content, so the store's id set for a file says
exactly whether the file changed: nothing is embedded for an unchanged file, only new passages
are embedded for a changed one, and stale passages are deleted after the new ones are written.
A run killed at any point leaves only correct passages; the next run completes the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from index.chunker import chunk_text
from index.errors import SourceError
from index.loader import SkippedFile, SourceDocument, load_sources
from index.store import PassageStore
from index.types import Passage

__all__ = ["IndexPlan", "IndexReport", "index_folder", "plan_index"]

# Passages per encode call and per Chroma write: large enough that padding and per-write
# overhead stay small next to the model, small enough that a kill loses little work.
_EMBED_BATCH = 256


@dataclass
class IndexPlan:
    """What an indexing run has to do, worked out without embedding anything."""

    to_embed: list[Passage] = field(default_factory=list)
    to_delete: set[str] = field(default_factory=set)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    sources: list[SourceDocument] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        """True when the store already matches the folder."""
        return not (self.to_embed or self.to_delete)


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
) -> IndexPlan:
    """Compare the folder with the store and list the work, embedding nothing."""
    if not folder.is_dir():
        raise SourceError(f"source folder {folder} does not exist: create it or pass --source DIR")
    docs, skipped = load_sources(folder)
    if not docs and not skipped:
        raise SourceError(f"{folder} has no .txt or .md files: add articles or pass --source DIR")
    existing = {} if rebuild else store.ids_by_source()
    plan = IndexPlan(skipped=skipped, sources=docs)
    if rebuild:
        plan.to_delete = {pid for ids in store.ids_by_source().values() for pid in ids}
    for doc in docs:
        passages = chunk_text(
            doc.name,
            doc.text,
            store.embedder.count_tokens,
            max_tokens=max_tokens,
            overlap_tokens=overlap_tokens,
        )
        wanted = {p.id for p in passages}
        have = existing.pop(doc.name, set())
        if wanted == have:
            plan.unchanged.append(doc.name)
            continue
        (plan.changed if have else plan.added).append(doc.name)
        plan.to_embed.extend(p for p in passages if p.id not in have)
        plan.to_delete |= have - wanted
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
) -> IndexReport:
    """Bring the store in line with `folder`.

    Args:
        store: the passage store to update.
        folder: the folder of .txt/.md articles.
        max_tokens: passage size limit, in embedding-model tokens.
        overlap_tokens: longest trailing sentence repeated at the start of the next passage.
        rebuild: drop everything and embed all passages again.
        progress: called with the number of passages embedded after each batch.
    """
    started = time.perf_counter()
    plan = plan_index(
        store, folder, max_tokens=max_tokens, overlap_tokens=overlap_tokens, rebuild=rebuild
    )
    if rebuild and plan.to_delete:
        store.delete(plan.to_delete)
        plan.to_delete = set()
    embedded = 0
    for i in range(0, len(plan.to_embed), _EMBED_BATCH):
        batch = plan.to_embed[i : i + _EMBED_BATCH]
        store.upsert(batch, store.embedder.encode_documents([p.text for p in batch]))
        embedded += len(batch)
        if progress is not None:
            progress(len(batch))
    # Stale passages go last, so an interrupted run never loses the old version of a file first.
    store.delete(plan.to_delete)
    return IndexReport(plan, store.count(), embedded, time.perf_counter() - started)
