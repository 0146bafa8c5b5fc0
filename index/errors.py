"""The errors indexing raises, and the base of the project's error tree.

The tree starts here, at the lowest layer, so that `index` needs nothing above it;
`qa.errors` adds the errors of answering and serving and re-exports these. Messages say what
went wrong and what to do. HTTP statuses are assigned in one place, `qa.serving.errors`.
"""

from __future__ import annotations

__all__ = ["BadSourceError", "QAError", "SourceError", "StoreUnavailableError"]


class QAError(Exception):
    """Base class of every error this project raises on purpose."""


class SourceError(QAError):
    """A source folder or file cannot be used (missing folder, no articles, ...)."""


class StoreUnavailableError(QAError):
    """The passage store cannot be reached (a Chroma server that is not running)."""


class BadSourceError(SourceError):
    """One file cannot be read as an article (binary, empty, undecodable, too large, ...).

    Attributes:
        name: the file name.
        reason: why, in a few words ("empty file").
    """

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
