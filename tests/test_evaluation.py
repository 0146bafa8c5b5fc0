"""The evaluation harness: metrics on hand-made predictions, the loader, the runner, reports."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from qa.evaluation import (
    Evidence,
    ItemScore,
    PassageRef,
    Prediction,
    QAItem,
    Span,
    aggregate,
    contains_answer,
    evaluate_command,
    load_qa,
    run_evaluation,
    score_item,
)
from qa.evaluation.baseline import build_baseline, build_stuff_prompt, says_dont_know
from qa.evaluation.metrics import evidence_spans, percentile, summarize
from qa.evaluation.report import format_table
from qa.models import Answer, ChatTurn, Citation
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

A_TEXT = "Alpha paid $200 million. Beta is 49% owned. Filler text that answers nothing at all."
B_TEXT = "Beta: 49 % of it belongs to Meta."
SOURCES = {"a.txt": A_TEXT, "b.txt": B_TEXT}


def ref(source: str, start: int, end: int) -> PassageRef:
    return PassageRef(source=source, start=start, end=end, text=SOURCES[source][start:end])


HIT_A1 = ref("a.txt", 0, 25)  # holds "Alpha paid $200 million."
HIT_A2 = ref("a.txt", 25, 44)  # holds "Beta is 49% owned."
MISS_A = ref("a.txt", 45, 80)
HIT_B = ref("b.txt", 0, len(B_TEXT))


def item(
    item_id: str, answers: list[str], quotes: Sequence[tuple[str, str]] = (), kind: str = "factoid"
) -> QAItem:
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
    citations: Sequence[PassageRef] = (),
    retrieved: Sequence[PassageRef] = (),
    latency: float = 0.0,
    tokens: int = 0,
    cached: int = 0,
    error: str | None = None,
) -> Prediction:
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


# ---------------------------------------------------------------- answer matching and spans


@pytest.mark.parametrize(
    ("answer", "acceptable", "expected"),
    [
        ("Google will pay about $ 200 million [1].", ["$200 million"], True),
        ("Meta takes 49 % of the shares.", ["49%"], True),
        ("Meta takes 49 percent.", ["49%"], True),
        ("ALEXANDER WANG, its chief.", ["Alexander Wang"], True),
        ("It was worth $1.14 billion.", ["14 billion"], False),
        ("In 20160 maybe.", ["2016"], False),
        ("Unless stated otherwise.", ["less"], False),
        ("Revenue was 70 870 million.", ["870 million"], True),
        ("self -run car companies", ["self-run car"], True),
        ("The articles do not say.", [], False),
    ],
)
def test_contains_answer_normalises_and_respects_word_boundaries(
    answer: str, acceptable: list[str], expected: bool
) -> None:
    assert contains_answer(answer, acceptable) is expected


def test_spans_overlap_only_on_shared_characters_of_the_same_source() -> None:
    span = Span("a.txt", 10, 20)
    assert span.overlaps(Span("a.txt", 19, 30))
    assert not span.overlaps(Span("a.txt", 20, 30))  # [start, end): touching is not overlapping
    assert not span.overlaps(Span("b.txt", 10, 20))
    assert span.overlaps(ref("a.txt", 0, 11))


def test_evidence_spans_locate_quotes_and_skip_unknown_ones() -> None:
    it = item("q", ["x"], [("a.txt", "Beta is 49% owned."), ("a.txt", "not there"), ("z.txt", "x")])
    assert evidence_spans(it, SOURCES) == [Span("a.txt", 25, 43)]


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([100, 200, 300, 400, 500], 50) == 300
    assert percentile([100, 200, 300, 400, 500], 95) == pytest.approx(480)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


# ---------------------------------------------------------------- metrics on hand-made data


def scored() -> list[ItemScore]:
    items = [
        item("q1", ["$200 million"], [("a.txt", "Alpha paid $200 million.")]),
        item("q2", ["49%"], [("a.txt", "Beta is 49% owned."), ("b.txt", "49 % of it")]),
        item("q3", [], kind="unanswerable"),
        item("q4", ["49%"], [("a.txt", "Beta is 49% owned.")]),
        item("q5", ["$200 million"], [("a.txt", "Alpha paid $200 million.")]),
        item("q6", [], kind="unanswerable"),
    ]
    preds = [
        # right answer; evidence at rank 2; one of two citations supported
        pred(
            "q1",
            "Alpha paid $ 200 million [1].",
            citations=[HIT_A1, MISS_A],
            retrieved=[MISS_A, HIT_A1],
            latency=100,
            tokens=50,
            cached=40,
        ),
        # right answer; one of two quotes retrieved, at rank 1; its only citation unsupported
        pred(
            "q2",
            "It is 49 %.",
            citations=[MISS_A],
            retrieved=[HIT_B, MISS_A],
            latency=200,
            tokens=70,
        ),
        # unanswerable, refused: right
        pred("q3", "", refused=True, retrieved=[MISS_A], latency=300, tokens=0),
        # answerable but refused: a false refusal, nothing retrieved
        pred("q4", "", refused=True, latency=400, tokens=10),
        # the pipeline raised
        pred("q5", error="RuntimeError: boom", latency=5),
        # unanswerable but answered: wrong
        pred("q6", "Made up.", citations=[MISS_A], retrieved=[MISS_A], latency=500, tokens=20),
    ]
    return [score_item(i, p, evidence_spans(i, SOURCES)) for i, p in zip(items, preds, strict=True)]


def test_item_scores() -> None:
    q1, q2, q3, q4, q5, q6 = scored()
    assert (q1.correct, q1.hit, q1.reciprocal_rank, q1.evidence_recall) == (True, True, 0.5, 1.0)
    assert (q1.cited_support, q1.citations, q1.supported_citations) == (True, 2, 1)
    assert (q2.correct, q2.reciprocal_rank, q2.evidence_recall, q2.cited_support) == (
        True,
        1.0,
        0.5,
        False,
    )
    assert (q3.refusal_correct, q3.correct, q3.hit) == (True, None, None)
    assert (q4.correct, q4.refused, q4.hit, q4.reciprocal_rank, q4.cited_support) == (
        False,
        True,
        False,
        0.0,
        None,
    )
    assert (q5.error, q5.correct, q5.refused, q5.latency_ms) == (True, False, False, None)
    assert (q6.refusal_correct, q6.cited_support) == (False, None)


def test_aggregate_metrics_exact_numbers() -> None:
    m = aggregate(scored())
    assert m == {
        "items": 6,
        "answerable": 4,
        "unanswerable": 2,
        "errors": 1,
        "item_accuracy": pytest.approx(3 / 6),
        "answer_accuracy": pytest.approx(2 / 4),
        "refusal_accuracy": pytest.approx(1 / 2),
        "false_refusal_rate": pytest.approx(1 / 4),
        "recall_at_k": pytest.approx(2 / 4),
        "evidence_recall": pytest.approx((1 + 0.5 + 0 + 0) / 4),
        "mrr": pytest.approx((0.5 + 1 + 0 + 0) / 4),
        "citation_support": pytest.approx(1 / 2),
        "citation_precision": pytest.approx(1 / 3),
        "latency_p50_ms": pytest.approx(300),
        "latency_p95_ms": pytest.approx(480),
        "mean_prompt_tokens": pytest.approx(30),
        "mean_new_prompt_tokens": pytest.approx(22),  # q1 had 40 of its 50 from the cache
    }


def test_metrics_by_kind() -> None:
    by_kind = summarize(scored())["by_kind"]
    assert list(by_kind) == ["factoid", "unanswerable"]
    assert by_kind["factoid"]["answer_accuracy"] == pytest.approx(0.5)
    assert by_kind["factoid"]["refusal_accuracy"] is None
    assert by_kind["unanswerable"]["refusal_accuracy"] == pytest.approx(0.5)
    assert by_kind["unanswerable"]["answer_accuracy"] is None
    assert by_kind["unanswerable"]["recall_at_k"] is None


# ---------------------------------------------------------------- loading the Q&A file


def test_load_qa_reports_bad_lines_by_number_and_keeps_the_rest(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text(A_TEXT, encoding="utf-8")
    good = {
        "id": "g1",
        "question": "Who?",
        "answers": ["Alpha"],
        "kind": "factoid",
        "evidence": [{"source": "a.txt", "quote": "Alpha paid"}],
        "extra": "ignored",
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"id": "x", "question": "No answers field"}),
        "",
        json.dumps({**good, "id": "g2", "history": [{"role": "robot", "content": "hi"}]}),
        json.dumps({**good, "id": "g3", "evidence": [{"source": "a.txt", "quote": "absent"}]}),
        json.dumps({**good, "id": "g4", "evidence": [{"source": "nope.txt", "quote": "x"}]}),
        json.dumps(good),
        json.dumps({"id": "g5", "question": "Q?", "answers": []}),
    ]
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    items, errors = load_qa(path, seeds)

    assert [i.id for i in items] == ["g1", "g3", "g4", "g5"]
    assert [e.line for e in errors] == [2, 3, 5, 6, 7, 8]
    messages = [str(e) for e in errors]
    assert messages[0].startswith("line 2: not valid JSON")
    assert "answers" in messages[1]
    assert "history" in messages[2]
    assert "quote not found in a.txt" in messages[3]
    assert "nope.txt" in messages[4]
    assert "repeated id 'g1'" in messages[5]
    assert items[3].history == [] and items[3].kind is None and not items[3].answerable


# ---------------------------------------------------------------- the runner and reports


class FakePipeline:
    """Answers from a table; raises for questions it does not know."""

    def __init__(self, replies: dict[str, Answer]) -> None:
        self.replies = replies
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


def cite(n: int, r: PassageRef) -> Citation:
    return Citation(n=n, source=r.source, start=r.start, end=r.end, text=r.text, score=0.5)


def answer(
    question: str,
    text: str,
    refused: bool = False,
    cited: Sequence[PassageRef] = (),
    retrieved: Sequence[PassageRef] = (),
) -> Answer:
    return Answer(
        question=question,
        standalone_question=question,
        answer=text,
        refused=refused,
        citations=[cite(n, r) for n, r in enumerate(cited, 1)],
        retrieved=[cite(n, r) for n, r in enumerate(retrieved, 1)],
        backend="fake",
        model="fake-model",
        timings_ms={"total": 12.5},
        prompt_tokens=40,
    )


def three_items() -> list[QAItem]:
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


def test_run_evaluation_writes_predictions_and_reports(tmp_path: Path) -> None:
    items = three_items()
    fake = FakePipeline(
        {
            "question a1?": answer(
                "question a1?",
                "About $200 million [1].",
                cited=[HIT_A1],
                retrieved=[HIT_A1, MISS_A],
            ),
            "question u1?": answer(
                "question u1?", "The articles do not hold it.", refused=True, retrieved=[MISS_A]
            ),
        }
    )  # "question f1?" raises: recorded as an error, the run goes on

    report = run_evaluation(fake, items, tmp_path / "out", k=3)

    assert [c[2] for c in fake.calls] == [3, 3, 3]
    assert fake.calls[1][1] == items[1].history
    out = tmp_path / "out"
    lines = [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]
    assert [x["id"] for x in lines] == ["a1", "f1", "u1"]
    assert lines[0]["citations"] == [
        {"source": "a.txt", "start": 0, "end": 25, "text": A_TEXT[:25]}
    ]
    assert lines[0]["latency_ms"] == 12.5 and lines[0]["prompt_tokens"] == 40
    assert lines[0]["kind"] == "factoid" and "error" not in lines[0]
    assert lines[1]["error"] == "RuntimeError: no reply for this question"
    assert lines[2]["refused"] is True

    overall = report["ours"]["overall"]
    assert overall["answer_accuracy"] == 0.5 and overall["refusal_accuracy"] == 1.0
    assert overall["errors"] == 1 and overall["mrr"] == 0.5
    assert json.loads((out / "report.json").read_text())["ours"]["overall"] == overall
    assert report["settings"]["k"] == 3
    assert (out / "report.png").read_bytes().startswith(PNG_MAGIC)
    md = (out / "report.md").read_text()
    assert "| Answer accuracy | 50.0% |" in md and "`f1` (error)" in md
    assert "Baseline" not in md


def test_report_shows_the_baseline_beside_ours(tmp_path: Path) -> None:
    items = three_items()[:1]
    ours = FakePipeline(
        {
            "question a1?": answer(
                "question a1?", "$200 million [1].", cited=[HIT_A1], retrieved=[HIT_A1]
            )
        }
    )
    theirs = FakePipeline(
        {"question a1?": answer("question a1?", "I don't know.", refused=True, retrieved=[MISS_A])}
    )

    report = run_evaluation(ours, items, tmp_path, baseline=theirs)

    assert report["baseline"]["overall"]["false_refusal_rate"] == 1.0
    assert (tmp_path / "baseline_predictions.jsonl").exists()
    assert "| Answer accuracy | 100.0% | 0.0% |" in (tmp_path / "report.md").read_text()
    table = format_table(report).splitlines()
    assert table[0].split() == ["Metric", "Ours", "Baseline"]
    assert (tmp_path / "report.png").read_bytes().startswith(PNG_MAGIC)


def eval_args(qa: Path, out: Path, **extra: Any) -> argparse.Namespace:
    values = {
        "qa": qa,
        "out": out,
        "backend": None,
        "k": None,
        "baseline": False,
        "min_accuracy": None,
        "limit": None,
        **extra,
    }
    return argparse.Namespace(**values)


def test_evaluate_command_gates_on_min_accuracy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(i.model_dump_json() for i in three_items()) + "\n{bad\n")
    fake = FakePipeline(
        {
            "question a1?": answer(
                "question a1?", "$200 million.", cited=[HIT_A1], retrieved=[HIT_A1]
            )
        }
    )
    monkeypatch.setattr("qa.pipeline.build_pipeline", lambda settings: fake)
    settings = Settings(seeds_dir=tmp_path, data_dir=tmp_path / "data", backend="extractive")

    assert evaluate_command(settings, eval_args(qa, tmp_path / "o1", min_accuracy=0.5)) == 0
    assert fake.warmed_up
    assert evaluate_command(settings, eval_args(qa, tmp_path / "o2", min_accuracy=0.9)) == 1
    assert evaluate_command(settings, eval_args(qa, tmp_path / "o3", limit=1, baseline=True)) == 0
    captured = capsys.readouterr()
    assert "Answer accuracy" in captured.out
    assert f"{qa}:4: not valid JSON" in captured.err
    assert "below --min-accuracy 0.9" in captured.err
    assert "baseline skipped" in captured.err
    assert len((tmp_path / "o3" / "predictions.jsonl").read_text().splitlines()) == 1


# ---------------------------------------------------------------- the tutorial baseline


def test_stuff_prompt_exact_text() -> None:
    assert build_stuff_prompt("Who?", ["one", "two"]) == (
        "Use the following pieces of context to answer the question at the end. If you don't"
        " know the answer, just say that you don't know, don't try to make up an answer.\n\n"
        "one\n\ntwo\n\nQuestion: Who?\nHelpful Answer:"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I don’t know.", True),
        ("I do not know the answer.", True),
        ("", True),
        ("The context does not mention it.", True),
        ("Meta takes 49%.", False),
    ],
)
def test_says_dont_know(text: str, expected: bool) -> None:
    assert says_dont_know(text) is expected


def test_baseline_splits_the_seeds_and_cites_its_top_four(
    seeds_dir: Path, embedder: Any, chroma_client: Any
) -> None:
    chat = FakeListChatModel(responses=["Google planned about $200 million.", "I don't know."])
    baseline = build_baseline(seeds_dir, embedder, chat, client=chroma_client, model_name="fake")
    chunks = baseline.collection.count()
    assert chunks > 3

    got = baseline.ask("How much did Google plan to pay Scale AI this year?")
    assert not got.refused and len(got.citations) == 4 and got.retrieved == got.citations
    for c in got.citations:
        assert (seeds_dir / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.text
    assert any("200 million" in c.text for c in got.citations)
    assert baseline.ask("Who founded Scale AI?").refused

    again = build_baseline(seeds_dir, embedder, chat, client=chroma_client)
    assert again.collection.count() == chunks  # rebuilt, not appended


# ---------------------------------------------------------------- the real pipeline


def _real_pipeline(settings: Settings, embedder: Any, chroma_client: Any) -> Any:
    pytest.importorskip("qa.chain")
    pytest.importorskip("qa.generators")
    from qa.pipeline import build_pipeline

    return build_pipeline(settings, embedder=embedder, client=chroma_client, ensure_index=True)


def test_extractive_pipeline_end_to_end_one_item_per_kind(
    settings: Settings, embedder: Any, chroma_client: Any, tmp_path: Path
) -> None:
    items, errors = load_qa(ROOT / "eval" / "qa.jsonl", settings.seeds_dir)
    assert errors == []
    firsts = list({i.kind: i for i in reversed(items)}.values())
    pipeline = _real_pipeline(settings, embedder, chroma_client)

    report = run_evaluation(pipeline, firsts, tmp_path / "eval")

    overall = report["ours"]["overall"]
    assert overall["items"] == len(firsts) == 7 and overall["errors"] == 0
    assert report["settings"]["backend"] == "extractive"
    assert overall["recall_at_k"] is not None and overall["recall_at_k"] >= 0.5
    assert (tmp_path / "eval" / "report.png").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.slow
def test_extractive_pipeline_on_the_whole_file(
    settings: Settings, embedder: Any, chroma_client: Any, tmp_path: Path
) -> None:
    items, _ = load_qa(ROOT / "eval" / "qa.jsonl", settings.seeds_dir)
    pipeline = _real_pipeline(settings, embedder, chroma_client)

    overall = run_evaluation(pipeline, items, tmp_path / "eval")["ours"]["overall"]

    assert overall["errors"] == 0
    assert overall["recall_at_k"] >= 0.8
    assert overall["answer_accuracy"] >= 0.6


def test_stage_latencies_cover_the_items_that_ran_each_stage() -> None:
    from qa.evaluation.metrics import stage_latencies

    stages = stage_latencies(
        [{"retrieve": 10.0, "total": 20.0}, {"retrieve": 30.0, "generate": 5.0, "total": 40.0}]
    )
    assert stages["retrieve"] == {"p50": 20.0, "p95": 29.0, "items": 2}
    assert stages["generate"] == {"p50": 5.0, "p95": 5.0, "items": 1}
