"""Streaming from a worker thread: a blocking iterator (the pipeline's `stream`) consumed by
async routes without blocking the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from typing import Any

__all__ = ["SSE_CONTENT", "collect_answer", "iterate_in_thread"]

SSE_CONTENT = {
    "text/event-stream": {
        "schema": {
            "type": "object",
            "description": "One server-sent event",
            "properties": {
                "event": {"type": "string"},
                "data": {"type": "string"},
                "id": {"type": "string"},
                "retry": {"type": "integer"},
            },
        }
    }
}
"""The OpenAPI content of a server-sent-events response."""

_DONE = object()
_WATCH_S = 0.5


async def iterate_in_thread(make: Callable[[], Iterator[Any]]) -> AsyncGenerator[Any, None]:
    """Run a blocking iterator in its own thread, handing items over through a queue.

    The iterator lives and is closed in one thread (a generator holding a lock is safe), and
    it is told to stop when the consumer goes away (a client disconnecting).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[Any, BaseException | None]] = asyncio.Queue()
    stop = threading.Event()

    def put(item: Any, error: BaseException | None = None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening
            loop.call_soon_threadsafe(queue.put_nowait, (item, error))

    def work() -> None:
        try:
            iterator = make()
            try:
                for item in iterator:
                    if stop.is_set():
                        break
                    put(item)
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:
            put(_DONE, exc)
        else:
            put(_DONE)

    threading.Thread(target=work, name="qa-stream", daemon=True).start()
    try:
        while True:
            item, error = await queue.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()


async def collect_answer(
    make: Callable[[], Iterator[Any]], is_disconnected: Callable[[], Awaitable[bool]]
) -> Any | None:
    """The last item of a blocking stream (its `Answer`), or None when the client left first.

    The stream runs in its own thread (`iterate_in_thread`); while it runs, the client's
    connection is watched, and a client that went away stops the work at the next event.
    """
    last: list[Any] = []

    async def consume() -> None:
        async for item in iterate_in_thread(make):
            last[:] = [item]

    task = asyncio.ensure_future(consume())
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=_WATCH_S)
            if not task.done() and await is_disconnected():
                return None
        task.result()
        return last[0] if last else None
    finally:
        if not task.done():  # the client left, or this request was cancelled: stop the work
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
