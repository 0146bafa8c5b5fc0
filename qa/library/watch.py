"""The folder watch: while the server runs, files added to, changed in or removed from the
seeds folder are indexed through `Library.sync` (the same path as uploads)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from index.loader import is_article_name
from qa.errors import QAError
from qa.library.library import Library

__all__ = ["FolderWatch"]

logger = logging.getLogger(__name__)


def _is_article_change(change: Any, path: str) -> bool:
    return is_article_name(Path(path).name)


class FolderWatch:
    """Watches a library's folder in a background thread (`watchfiles`).

    Args:
        library: the library to keep in step with its folder.
        debounce_ms: changes within this many milliseconds are indexed together.
    """

    def __init__(self, library: Library, debounce_ms: int = 300) -> None:
        self.library = library
        self.debounce_ms = debounce_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> FolderWatch:
        """Start watching (idempotent)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="qa-folder-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching and wait for the thread (an ingestion in progress completes)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        from watchfiles import watch

        for changes in watch(
            self.library.folder,
            watch_filter=_is_article_change,
            debounce=self.debounce_ms,
            stop_event=self._stop,
            recursive=False,
            raise_interrupt=False,
        ):
            names = sorted({Path(path).name for _, path in changes})
            try:
                report = self.library.sync()
            except QAError as exc:
                logger.error("indexing after changes to %s failed: %s", ", ".join(names), exc)
                continue
            except Exception:
                logger.exception("indexing after changes to %s failed", ", ".join(names))
                continue
            logger.warning("folder changed (%s): %s", ", ".join(names), report.summary())
