"""The one error shape of the HTTP API, and the one place errors become HTTP statuses.

Every 4xx and 5xx of the app's own routes (validation errors, unknown paths and methods and
unexpected failures included) is OpenAI's error object
`{"error": {"message", "type", "param", "code"}}`: `type` is the error's class name (as
before), `code` a short machine-readable reason, `param` the request field at fault (or null).
Messages never echo large input: any echoed value is cut to `MAX_ECHO_CHARS`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa.errors import (
    BadInputError,
    BusyError,
    ConflictError,
    IndexMissingError,
    ModelUnavailableError,
    NotFoundError,
    PayloadTooLargeError,
    QAError,
    SourceError,
    StoreUnavailableError,
    UnauthorizedError,
    UnsafeNameError,
    UnsupportedError,
)

__all__ = [
    "AUTH_ERRORS",
    "BODY_ERRORS",
    "MAX_ECHO_CHARS",
    "TOO_LARGE_MESSAGE",
    "ErrorBody",
    "ErrorResponse",
    "add_error_handlers",
    "error_body",
    "error_response",
    "qa_error_handler",
    "shorten",
]

logger = logging.getLogger(__name__)

MAX_ECHO_CHARS = 200
"""The most characters of a caller's input an error message repeats."""

# Most specific first: the first class in an error's MRO found here decides.
_STATUS: dict[type[QAError], tuple[int, str]] = {
    UnsupportedError: (400, "unsupported_parameter"),
    UnsafeNameError: (400, "invalid_name"),
    PayloadTooLargeError: (413, "request_too_large"),
    BadInputError: (422, "invalid_value"),
    SourceError: (422, "invalid_source"),
    UnauthorizedError: (401, "invalid_api_key"),
    NotFoundError: (404, "not_found"),
    ConflictError: (409, "conflict"),
    BusyError: (503, "queue_full"),
    IndexMissingError: (503, "index_missing"),
    ModelUnavailableError: (503, "model_unavailable"),
    StoreUnavailableError: (503, "store_unavailable"),
}

TOO_LARGE_MESSAGE = (
    "the request body is larger than this route accepts (QA_MAX_BODY_BYTES): send less;"
    " in long conversations only the last turns are used"
)

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}


class ErrorBody(BaseModel):
    """What went wrong (OpenAI's error object)."""

    message: str = Field(description="What went wrong and what to do")
    type: str = Field(description="The error's class, e.g. `BadInputError`, `NotFoundError`")
    param: str | None = Field(default=None, description="The request field at fault, if one")
    code: str | None = Field(default=None, description="A short reason, e.g. `invalid_value`")


class ErrorResponse(BaseModel):
    """Every error this API returns: validation errors, unknown routes and failures included."""

    error: ErrorBody


def shorten(value: object, limit: int = MAX_ECHO_CHARS) -> str:
    """`value` as text, cut to `limit` characters (an ellipsis and the full length added)."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def _status_of(exc: QAError) -> tuple[int, str]:
    """The HTTP status and code of a project error (500 for one without its own)."""
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 500, "internal_error"


def _body(message: str, type_: str, param: str | None, code: str | None) -> dict[str, Any]:
    body = ErrorBody(message=shorten(message, 1000), type=type_, param=param, code=code)
    return {"error": body.model_dump()}


def error_body(exc: BaseException) -> dict[str, Any]:
    """The `{"error": {"message", "type", "param", "code"}}` body for an error; unexpected
    ones are logged and described without their details."""
    if isinstance(exc, QAError):
        return _body(str(exc), type(exc).__name__, getattr(exc, "param", None), _status_of(exc)[1])
    logger.exception("answering failed", exc_info=exc)
    return _body("internal error while answering", "InternalError", None, "internal_error")


def error_response(exc: QAError) -> JSONResponse:
    """The JSON response of a project error: its status, body and headers."""
    status = _status_of(exc)[0]
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, BusyError):
        headers["Retry-After"] = str(exc.retry_after_s)
    return JSONResponse(error_body(exc), status_code=status, headers=headers or None)


async def qa_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Turn a `QAError` raised by a route into its status and error body."""
    assert isinstance(exc, QAError)
    return error_response(exc)


def _location(loc: Sequence[int | str]) -> str | None:
    """`("body", "messages", 0, "content")` → `messages.0.content` (None for the body)."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    """A 422 naming the first invalid field and why (no input echoed)."""
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    param = _location(first.get("loc", ()))
    message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    if param:
        message = f"{param}: {message}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problems)"
    return JSONResponse(_body(message, "BadInputError", param, "invalid_value"), status_code=422)


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (unknown path 404, wrong method 405, ...) in the one shape."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 413:
        return error_response(PayloadTooLargeError(TOO_LARGE_MESSAGE))
    if exc.status_code == 400:  # FastAPI could not parse the body: bad input like bad JSON
        return error_response(BadInputError("the request body is not valid JSON (UTF-8)"))
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = f"{request.method} {shorten(request.url.path, 100)}: {detail}"
    return JSONResponse(
        _body(message, "HTTPError", None, code),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    """Anything else is a logged 500 that says nothing of its internals."""
    return JSONResponse(error_body(exc), status_code=500)


def add_error_handlers(app: FastAPI) -> None:
    """Install the handlers that give every error of `app` the one shape."""
    app.add_exception_handler(QAError, qa_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(Exception, _unexpected_handler)


def _documented(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _documented("API key missing or wrong (only when QA_API_KEY is set)"),
    422: _documented("Invalid request: the field at fault is `error.param`"),
}
"""The errors every keyed route may answer (validation errors use the one error shape)."""

BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    413: _documented("Request body larger than the route accepts (QA_MAX_BODY_BYTES)"),
    503: _documented("Too many questions waiting (see `Retry-After`), or the model is down"),
}
"""The errors of a route that takes a body and asks the pipeline."""
