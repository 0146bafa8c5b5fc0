"""Request body limits, per route, enforced before anything reads the body.

Every request with a body may carry at most `Settings.max_body_bytes` bytes (`QA_MAX_BODY_BYTES`,
256 KB by default) unless its route declares its own limit. A bigger body is a 413 in the one
error shape, answered from the `Content-Length` header when there is one, or as soon as a
chunked body passes the limit; the body is never read whole first.

A route declares a larger (or smaller) limit in its decorator, with `openapi_extra`, so the
limit also shows in the OpenAPI schema::

    @router.post("/articles", openapi_extra=body_limit("max_article_bytes"))  # a setting
    @router.post("/tiny", openapi_extra=body_limit(1024))  # a fixed number of bytes

A string names a `Settings` field read at request time (e.g. `QA_MAX_ARTICLE_BYTES`).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.errors import PayloadTooLargeError
from qa.serving.errors import error_response

__all__ = ["BODY_LIMIT_KEY", "BodyLimitMiddleware", "body_limit"]

BODY_LIMIT_KEY = "x-max-body-bytes"
"""The `openapi_extra` key holding a route's own body limit (bytes, or a setting's name)."""

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def body_limit(limit: int | str) -> dict[str, Any]:
    """The `openapi_extra` of a route with its own body limit.

    Args:
        limit: bytes, or the name of a `Settings` field holding bytes (`"max_article_bytes"`).
    """
    return {BODY_LIMIT_KEY: limit}


class BodyLimitMiddleware:
    """ASGI middleware answering 413 to bodies over their route's limit (see module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > limit:
                await self._refuse(scope, receive, send, limit)
                return
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    def _limit(self, scope: Scope) -> int:
        """The limit of the route `scope` goes to (the default when none declares one)."""
        app = scope["app"]
        settings = app.state.settings
        for route in app.router.routes:
            declared = (getattr(route, "openapi_extra", None) or {}).get(BODY_LIMIT_KEY)
            if declared is None:
                continue
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return int(getattr(settings, declared) if isinstance(declared, str) else declared)
        return int(settings.max_body_bytes)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error = PayloadTooLargeError(
            f"the request body is larger than this route's limit of {limit:,} bytes:"
            " send less (long conversations: only the last turns are used)"
        )
        await error_response(error)(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` giving the buffered body once, then the client's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
