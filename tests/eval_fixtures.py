"""A toy corpus of two sources and builders of items, predictions and answers over it, for the
evaluation and `qa eval` tests."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

from qa.evaluation import Evidence, Prediction, QAItem
from qa.types import Answer, ChatTurn, Citation

A_TEXT = "Alpha paid $200 million. Beta is 49% owned. Filler text that answers nothing at all."
B_TEXT = "Beta: 49 % of it belongs to Meta."
SOURCES = {"a.txt": A_TEXT, "b.txt": B_TEXT}


def ref(source: str, start: int, end: int) -> Citation:
    """A span of one of the toy sources, cited as [1]."""
    return Citation(
        n=1, source=source, start=start, end=end, text=SOURCES[source][start:end], score=0.0
    )


HIT_A1 = ref("a.txt", 0, 25)  # holds "Alpha paid $200 million."
HIT_A2 = ref("a.txt", 25, 44)  # holds "Beta is 49% owned."
MISS_A = ref("a.txt", 45, 80)
HIT_B = ref("b.txt", 0, len(B_TEXT))


def item(
    item_id: str, answers: list[str], quotes: Sequence[tuple[str, str]] = (), kind: str = "factoid"
) -> QAItem:
    """An item whose question is `question {item_id}?`."""
    return QAItem(
        id=item_id,
        question=f"question {item_id}?",
        answers=answers,
        evidence=[Evidence(source=s, quote=q) for s, q in quotes],
        kind=kind,
    )


def pred(
    item_id: str,
    answer: str = "",
    *,
    refused: bool = False,
    citations: Sequence[Citation] = (),
    retrieved: Sequence[Citation] = (),
    latency: float = 0.0,
    tokens: int = 0,
    cached: int = 0,
    error: str | None = None,
) -> Prediction:
    """A prediction for `item(item_id, ...)`."""
    return Prediction(
        id=item_id,
        question=f"question {item_id}?",
        answer=answer,
        refused=refused,
        citations=list(citations),
        retrieved=list(retrieved),
        latency_ms=latency,
        prompt_tokens=tokens,
        cached_prompt_tokens=cached,
        error=error,
    )


class TablePipeline:
    """Answers from a table; raises for questions it does not know. No chat model."""

    model = "fake-model"

    def __init__(self, replies: dict[str, Answer]) -> None:
        self.replies = replies
        self.chain = SimpleNamespace(chat_model=None)
        self.calls: list[tuple[str, list[ChatTurn], int | None]] = []
        self.warmed_up = False

    def warm_up(self) -> None:
        self.warmed_up = True

    def ask(self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None) -> Answer:
        self.calls.append((question, list(history), k))
        if question not in self.replies:
            raise RuntimeError("no reply for this question")
        return self.replies[question]

    def source_text(self, name: str) -> str:
        return SOURCES[name]


def answer(
    question: str,
    text: str,
    refused: bool = False,
    cited: Sequence[Citation] = (),
    retrieved: Sequence[Citation] = (),
) -> Answer:
    """An answer citing `cited` as [1], [2], ... (score 0.5)."""

    def numbered(spans: Sequence[Citation]) -> list[Citation]:
        return [c.model_copy(update={"n": n, "score": 0.5}) for n, c in enumerate(spans, 1)]

    return Answer(
        question=question,
        standalone_question=question,
        answer=text,
        refused=refused,
        citations=numbered(cited),
        retrieved=numbered(retrieved),
        backend="fake",
        model="fake-model",
        timings_ms={"total": 12.5},
        prompt_tokens=40,
    )


def three_items() -> list[QAItem]:
    """A factoid, a follow-up with its history, and an unanswerable item."""
    follow = item("f1", ["49%"], [("a.txt", "Beta is 49% owned.")], kind="follow-up")
    follow.history = [
        ChatTurn(role="user", content="Who is Beta?"),
        ChatTurn(role="assistant", content="A company."),
    ]
    return [
        item("a1", ["$200 million"], [("a.txt", "Alpha paid $200 million.")]),
        follow,
        item("u1", [], kind="unanswerable"),
    ]
