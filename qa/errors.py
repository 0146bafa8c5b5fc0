"""The project's few error classes. Messages say what went wrong and what to do."""

from __future__ import annotations


class QAError(Exception):
    """Base class of every error this project raises on purpose."""

    status_code = 500


class BadInputError(QAError):
    """The caller's input is not acceptable (empty question, unknown role, ...)."""

    status_code = 422


class UnauthorizedError(QAError):
    """The API key is missing or wrong."""

    status_code = 401


class NotFoundError(QAError):
    """A named thing (a source, a model) does not exist."""

    status_code = 404


class IndexMissingError(QAError):
    """The index is missing or out of date with the seeds folder."""

    status_code = 503


class ModelUnavailableError(QAError):
    """A generator cannot run: the model is not installed or the server is unreachable."""

    status_code = 503


class SourceError(QAError):
    """A source file cannot be read (not UTF-8, empty, ...)."""

    status_code = 422
