"""Request body limits: FastAPI's own `max_body_size`, answered in the one error shape.

The app's default is `Settings.max_body_bytes` (`QA_MAX_BODY_BYTES`, 256 KB), passed as
`FastAPI(max_body_size=...)` by `create_app`. A bigger body is a 413: at once when its
`Content-Length` says so, or as soon as a chunked body passes the limit (never read whole).

A route or router declares its own (larger or smaller) limit with FastAPI's parameter, which
overrides the app's default for that route only::

    app.include_router(articles_router, max_body_size=settings.max_article_bytes)
    @router.post("/articles", max_body_size=settings.max_article_bytes)

Starlette answers some 413s itself as plain text; `ShapedBodyLimitMiddleware` (outermost)
turns those into the one error shape.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.errors import PayloadTooLargeError
from qa.serving.errors import TOO_LARGE_MESSAGE, error_body

__all__ = ["ShapedBodyLimitMiddleware", "too_large_body"]


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

        async def shaped_send(message: Message) -> None:
            nonlocal reshaping
            if message["type"] == "http.response.start" and message["status"] == 413:
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

        await self.app(scope, receive, shaped_send)
