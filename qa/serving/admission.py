"""The admission queue in front of the pipeline: one for every door (API, `/v1`, Gradio, MCP).

One job is a whole question (rewrite, retrieve, generate, check) holding the model; one job
runs at a time. At most `max_queue` questions wait behind it (`QA_MAX_QUEUE`); one more is
refused at once with `BusyError` (a 503 with `Retry-After`). A waiting question's stream
yields `Queued(position)` whenever its place in line changes (0: next).

    ticket = admission.reserve()            # BusyError when the line is full
    for event in ticket.run(lambda: pipeline.stream(question, history)):
        ...                                  # Queued..., then the pipeline's own events
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Generator, Iterator

from qa.errors import BusyError
from qa.types import Queued, StreamEvent

__all__ = ["MAX_RETRY_AFTER_S", "Admission", "Ticket"]

MAX_RETRY_AFTER_S = 60
"""The longest `Retry-After` sent (s); the server keeps idle connections open longer."""

_POLL_S = 0.25
_HEARTBEAT_S = 5.0


class Admission:
    """A bounded line of questions waiting for the one model (thread-safe)."""

    def __init__(self, max_queue: int, first_job_s: float = 10.0) -> None:
        """Args:
        max_queue: questions that may wait while one runs (0: none wait).
        first_job_s: the job length assumed for `Retry-After` until one has been timed.
        """
        self.max_queue = max_queue
        self._cond = threading.Condition()
        self._waiting: deque[object] = deque()
        self._running = 0
        self._job_s = first_job_s

    @property
    def waiting(self) -> int:
        """Questions waiting for the model now."""
        with self._cond:
            return len(self._waiting)

    @property
    def running(self) -> int:
        """Questions holding the model now (0 or 1)."""
        with self._cond:
            return self._running

    def reserve(self) -> Ticket:
        """A place in line, taken now (a free model is no wait at all).

        Raises:
            BusyError: `max_queue` questions already wait; `retry_after_s` estimates when
                one place frees up.
        """
        with self._cond:
            busy = self._running > 0 or bool(self._waiting)
            if busy and len(self._waiting) >= self.max_queue:
                retry = min(MAX_RETRY_AFTER_S, max(1, math.ceil(self._job_s)))
                raise BusyError(
                    f"{len(self._waiting)} questions are waiting for the model: try again in"
                    f" about {retry} s",
                    retry_after_s=retry,
                )
            place = object()
            self._waiting.append(place)
            return Ticket(self, place)

    def _position(self, place: object) -> int | None:
        """The place's position in line, or None once it may run (called holding the lock)."""
        if self._running == 0 and self._waiting and self._waiting[0] is place:
            self._waiting.popleft()
            self._running += 1
            return None
        return self._waiting.index(place) + (1 if self._running else 0)

    def _drop(self, place: object) -> None:
        """Leave the line without running (a no-op once the place ran)."""
        with self._cond:
            if place in self._waiting:
                self._waiting.remove(place)
                self._cond.notify_all()

    def _finish(self, ran_s: float) -> None:
        """Free the model after a job of `ran_s` seconds."""
        with self._cond:
            self._running -= 1
            self._job_s = 0.7 * self._job_s + 0.3 * ran_s
            self._cond.notify_all()


class Ticket:
    """One question's place in the line of an `Admission`. A ticket dropped unused (a
    request that never started its job) gives its place up when it is garbage-collected."""

    def __init__(self, admission: Admission, place: object) -> None:
        self._admission = admission
        self._place = place
        self._done = False
        self._leave_line = weakref.finalize(self, admission._drop, place)

    def run(self, make: Callable[[], Iterator[StreamEvent]]) -> Generator[StreamEvent, None, None]:
        """Wait for the model (yielding `Queued(position)` as the place changes), then the
        events of `make()` while holding it. Closing the iterator leaves the line or frees
        the model. A ticket runs once."""
        if self._done:
            raise RuntimeError("this ticket was used already: reserve another")
        self._done = True
        admission, started = self._admission, None
        try:
            shown, shown_at = None, 0.0
            while True:
                with admission._cond:
                    position = admission._position(self._place)
                    if position is None:
                        started = time.perf_counter()
                        break
                    fresh = time.monotonic() - shown_at < _HEARTBEAT_S
                    if position == shown and fresh:
                        admission._cond.wait(_POLL_S)
                        continue
                # Told again now and then: a consumer that went away notices it here.
                shown, shown_at = position, time.monotonic()
                yield Queued(position)
            yield from make()
        finally:
            if started is None:
                self._leave_line()
            else:
                admission._finish(time.perf_counter() - started)

    def cancel(self) -> None:
        """Give the place up without running (a request refused before its job starts)."""
        self._done = True
        self._leave_line()
