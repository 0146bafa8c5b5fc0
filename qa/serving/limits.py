"""Request body limits: FastAPI's own `max_body_size`, answered in the one error shape.

The app's default is `Settings.max_body_bytes` (`QA_MAX_BODY_BYTES`, 256 KB), passed as
`FastAPI(max_body_size=...)` by `create_app`. A bigger body is a 413, decided when its
`Content-Length` says so or as soon as a chunked body passes the limit; the route never
sees it.

A route or router declares its own (larger or smaller) limit with FastAPI's parameter, which
overrides the app's default for that route only::

    app.include_router(articles_router, max_body_size=settings.max_article_bytes)
    @router.post("/articles", max_body_size=settings.max_article_bytes)

Starlette answers some 413s itself as plain text; `ShapedBodyLimitMiddleware` (outermost)
turns those into the one error shape.

Before any 413 goes out, the middleware reads and discards the rest of the request body (up
to `DRAIN_LIMIT_BYTES`, for at most `DRAIN_TIMEOUT_S`). A 413 sent while the client is still
writing makes the server close the connection under it, and the client then sees a broken
pipe instead of the 413 (it happened under concurrent load). HTTP/1.1 servers commonly do
the same; see RFC 9110 §15.5.14 and RFC 9112 §9.6 on closing after an unread body.
"""

from __future__ import annotations

import json

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.errors import PayloadTooLargeError
from qa.serving.errors import TOO_LARGE_MESSAGE, error_body

__all__ = ["DRAIN_LIMIT_BYTES", "DRAIN_TIMEOUT_S", "ShapedBodyLimitMiddleware", "too_large_body"]

DRAIN_LIMIT_BYTES = 64 * 1024 * 1024
"""Bytes of an oversized body read and discarded before its 413 (beyond: the connection closes)."""
DRAIN_TIMEOUT_S = 10.0
"""How long (s) the rest of an oversized body is read before the 413 goes out regardless."""


def too_large_body() -> bytes:
    """The JSON error body of a 413."""
    return json.dumps(error_body(PayloadTooLargeError(TOO_LARGE_MESSAGE))).encode()


class ShapedBodyLimitMiddleware:
    """ASGI middleware: a plain-text 413 from the body limit becomes the JSON error shape."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reshaping = False
        body_done = False
        read_any = False
        # A client that sent `Expect: 100-continue` has not sent the body yet: no drain.
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        expects_continue = headers.get(b"expect", b"").lower() == b"100-continue"
        declared = headers.get(b"content-length", b"")
        # A body declared beyond the drain limit is not read: that connection closes anyway.
        too_big = declared.isdigit() and int(declared) > DRAIN_LIMIT_BYTES

        async def tracked_receive() -> Message:
            nonlocal body_done, read_any
            read_any = True
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def drain() -> None:
            """Read the unread rest of the body, so the client is not cut off mid-write."""
            if (expects_continue and not read_any) or too_big:
                return
            drained = 0
            with anyio.move_on_after(DRAIN_TIMEOUT_S):  # a slow sender does not hold us
                while not body_done and drained <= DRAIN_LIMIT_BYTES:
                    message = await tracked_receive()
                    drained += len(message.get("body", b""))

        async def shaped_send(message: Message) -> None:
            nonlocal reshaping
            if message["type"] == "http.response.start" and message["status"] == 413:
                await drain()
                headers = dict(message.get("headers", []))
                if headers.get(b"content-type", b"").startswith(b"text/plain"):
                    reshaping = True
                    body = too_large_body()
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 413,
                            "headers": [
                                (b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
            if reshaping:  # the plain-text body of the 413 already replaced
                return
            await send(message)

        await self.app(scope, tracked_receive, shaped_send)
