"""A lock file that says which process owns the embedded Chroma store.

Chroma's embedded client is thread-safe but not process-safe: while `qa serve` holds the store,
a `qa index` in another process must not write to it. The lock is an `flock` on a file under
the data folder, so it is released when its process ends, even when killed.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from index.errors import QAError

__all__ = ["StoreLock", "StoreLockedError"]


class StoreLockedError(QAError):
    """Another process holds the embedded store."""


class StoreLock:
    """An exclusive, non-blocking lock on `path` (created if missing).

    Args:
        path: the lock file, e.g. `data/store.lock`.
        holder: who takes it, written into the file for the message others see.
    """

    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        self._fd: int | None = None

    def acquire(self) -> StoreLock:
        """Take the lock.

        Raises:
            StoreLockedError: another process holds it (its message names that process).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise StoreLockedError(
                f"the index in {self.path.parent} is in use by {owner}: a running `qa serve`"
                " indexes the seeds folder itself (drop files in it, or use /api/articles);"
                " stop the server to run `qa index`"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{self.holder} (pid {os.getpid()})".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Let the lock go (idempotent)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
