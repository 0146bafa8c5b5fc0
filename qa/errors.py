"""The project's few error classes. Messages say what went wrong and what to do.

The base class and the indexing errors live in `index.errors` (the lowest layer) and are
re-exported here. HTTP statuses are assigned in one place, `qa.serving.errors`.
"""

from __future__ import annotations

from index.errors import QAError, SourceError, StoreUnavailableError

__all__ = [
    "BadInputError",
    "BusyError",
    "ConflictError",
    "IndexMissingError",
    "ModelUnavailableError",
    "NotFoundError",
    "PayloadTooLargeError",
    "QAError",
    "SourceError",
    "StoreUnavailableError",
    "UnauthorizedError",
    "UnsafeNameError",
    "UnsupportedError",
]


class BadInputError(QAError):
    """The caller's input is not acceptable (empty question, unknown role, bad setting, ...)."""


class UnsupportedError(BadInputError):
    """A well-formed request asks for something this server does not do (`n` > 1, ...).

    `param` names the request field at fault (None: the request as a whole).
    """

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class PayloadTooLargeError(BadInputError):
    """A request body is larger than its route accepts."""


class BusyError(QAError):
    """Too many questions wait for the model; `retry_after_s` says when to try again."""

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class UnauthorizedError(QAError):
    """The API key is missing or wrong."""


class NotFoundError(QAError):
    """A named thing (a source, a model) does not exist."""


class IndexMissingError(QAError):
    """The index is missing or out of date with the seeds folder."""


class ModelUnavailableError(QAError):
    """A generator cannot run: the model is not installed or the server is unreachable."""


class UnsafeNameError(BadInputError):
    """A file name that would leave its folder (`../x.txt`, `a/b.txt`)."""


class ConflictError(QAError):
    """The request conflicts with what exists (an article of that name is already there)."""
