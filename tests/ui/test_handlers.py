"""The chat handlers with the fake pipeline: the history comes from the messages sent, answers
kept from other calls never leak in, and an empty box or a full queue only shows a notice."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from qa.serving import FeedbackStore
from qa.serving.admission import Admission
from qa.types import Queued
from ui import ChatHandlers

from conftest import QUESTION, FakePipeline


@pytest.fixture
def handlers(fake: FakePipeline, tmp_path: Path) -> ChatHandlers:
    return ChatHandlers(fake, FeedbackStore(tmp_path / "feedback.jsonl"), Admission(2))


def last(handlers: ChatHandlers, message: str, messages: list[Any], answers: Any) -> Any:
    return list(handlers.ask(message, messages, answers))[-1]


def test_history_is_the_messages_sent(handlers: ChatHandlers, fake: FakePipeline) -> None:
    _, messages, answers, *_ = last(handlers, QUESTION, [], {})
    assert len(messages) == 2 and list(answers) == ["1"]
    as_sent = [
        {"role": m["role"], "content": [{"type": "text", "text": m["content"]}]} for m in messages
    ]
    _, follow, kept, *_ = last(handlers, "And then?", as_sent, answers)
    history = fake.calls[-1][2]
    assert [t.role for t in history] == ["user", "assistant"]
    assert history[0].content == QUESTION and "**Sources**" not in history[1].content
    assert set(kept) == {"1", "3"} and len(follow) == 4


def test_an_empty_history_gets_no_earlier_turns(handlers: ChatHandlers, fake: FakePipeline) -> None:
    _, _, answers, *_ = last(handlers, QUESTION, [], {})
    # The session still holds the earlier answer; the caller sends no messages.
    _, messages, kept, *_ = last(handlers, "And then?", [], answers)
    assert fake.calls[-1][2] == [] and len(messages) == 2 and list(kept) == ["1"]
    # A history that differs from the kept answers does not pick them up either.
    other = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    _, _, kept, *_ = last(handlers, "And then?", other, answers)
    assert "1" not in kept and [t.content for t in fake.calls[-1][2]] == ["Hi", "Hello"]


def test_empty_box_only_warns(handlers: ChatHandlers, fake: FakePipeline) -> None:
    with pytest.warns(UserWarning, match="Type a question"):
        outputs = list(handlers.ask("  ", [], {}))
    assert len(outputs) == 1 and all(o.__class__.__name__ == "dict" for o in outputs[0])
    assert fake.calls == []


def test_the_ui_waits_in_the_shared_queue(fake: FakePipeline, tmp_path: Path) -> None:
    admission = Admission(max_queue=0)
    handlers = ChatHandlers(fake, FeedbackStore(tmp_path / "f.jsonl"), admission)
    release, holder_ready = threading.Event(), threading.Event()

    def hold() -> Any:
        holder_ready.set()
        release.wait(10)
        yield Queued(0)

    ticket = admission.reserve()
    holder = threading.Thread(target=lambda: list(ticket.run(hold)))
    holder.start()
    assert holder_ready.wait(10)
    with pytest.warns(UserWarning, match="waiting for the model"):
        list(handlers.ask(QUESTION, [], {}))
    release.set()
    holder.join(10)
    assert fake.calls == []
