"""The errors indexing raises, and the base of the project's error tree.

The tree starts here, at the lowest layer, so that `index` needs nothing above it;
`qa.errors` adds the errors of answering and serving and re-exports these. Messages say what
went wrong and what to do. HTTP statuses are assigned in one place, `qa.serving.errors`.
"""

from __future__ import annotations

__all__ = ["QAError", "SourceError", "StoreUnavailableError"]


class QAError(Exception):
    """Base class of every error this project raises on purpose."""


class SourceError(QAError):
    """A source folder or file cannot be used (missing folder, no articles, ...)."""


class StoreUnavailableError(QAError):
    """The passage store cannot be reached (a Chroma server that is not running)."""
