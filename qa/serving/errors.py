"""The one error shape of the HTTP API, and the one place errors become HTTP statuses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from qa.errors import (
    BadInputError,
    ConflictError,
    IndexMissingError,
    ModelUnavailableError,
    NotFoundError,
    QAError,
    SourceError,
    StoreUnavailableError,
    UnauthorizedError,
    UnsafeNameError,
)

__all__ = [
    "AUTH_ERRORS",
    "ErrorBody",
    "ErrorResponse",
    "error_body",
    "qa_error_handler",
]

logger = logging.getLogger(__name__)

_STATUS: dict[type[QAError], int] = {
    BadInputError: 422,
    SourceError: 422,
    UnauthorizedError: 401,
    NotFoundError: 404,
    IndexMissingError: 503,
    ModelUnavailableError: 503,
    StoreUnavailableError: 503,
    UnsafeNameError: 400,
    ConflictError: 409,
}


class ErrorBody(BaseModel):
    """What went wrong."""

    message: str
    type: str


class ErrorResponse(BaseModel):
    """Every error this API returns on purpose (validation errors use FastAPI's 422 shape)."""

    error: ErrorBody


def _status_of(exc: QAError) -> int:
    """The HTTP status of a project error (500 for one without its own)."""
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 500


def error_body(exc: BaseException) -> dict[str, dict[str, str]]:
    """The `{"error": {"message", "type"}}` body for an error; unexpected ones are logged."""
    if isinstance(exc, QAError):
        return {"error": {"message": str(exc), "type": type(exc).__name__}}
    logger.exception("answering failed", exc_info=exc)
    return {"error": {"message": "internal error while answering", "type": "InternalError"}}


async def qa_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Turn a `QAError` raised by a route into its status and error body."""
    assert isinstance(exc, QAError)
    status = _status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(exc), status_code=status, headers=headers)


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "API key missing or wrong"},
}
