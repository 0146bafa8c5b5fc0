"""Follow-up questions: detection and rewriting."""

from __future__ import annotations

from qa.answer import heuristic_rewrite, is_follow_up
from qa.types import ChatTurn


def test_follow_up_detection_and_heuristic_rewrite() -> None:
    history = [ChatTurn(role="user", content="How much did Google plan to pay Scale AI?")]
    assert is_follow_up("And how much did it spend last year?", history)
    assert not is_follow_up("And how much did it spend last year?", [])
    assert not is_follow_up("What stake did Meta take in Scale AI?", history)
    rewritten = heuristic_rewrite("And last year?", history)
    assert "Google" in rewritten and "Scale AI" in rewritten
