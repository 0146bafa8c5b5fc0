"""Streaming a blocking iterator from a worker thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator


def test_stream_worker_stops_when_the_client_goes_away() -> None:
    from qa.serving import iterate_in_thread

    produced: list[int] = []
    closed = threading.Event()

    def numbers() -> Iterator[int]:
        try:
            for i in range(1000):
                produced.append(i)
                time.sleep(0.005)
                yield i
        finally:
            closed.set()

    async def take_three() -> list[int]:
        got = []
        stream = iterate_in_thread(numbers)
        async for item in stream:
            got.append(item)
            if len(got) == 3:
                break
        await stream.aclose()
        return got

    assert asyncio.run(take_three()) == [0, 1, 2]
    assert closed.wait(5) and len(produced) < 1000
