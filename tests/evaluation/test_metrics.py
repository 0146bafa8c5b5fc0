"""Scoring: matching, spans, item scores and aggregate metrics, exact numbers."""

from __future__ import annotations

from typing import cast

import pytest

from qa.evaluation import (
    EvidenceSpan,
    ItemScore,
    aggregate,
    contains_answer,
    score_item,
)
from qa.evaluation.metrics import Metrics, evidence_spans, percentile, summarize

from eval_fixtures import (
    HIT_A1,
    HIT_B,
    MISS_A,
    SOURCES,
    item,
    pred,
    ref,
)


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
    span = EvidenceSpan("a.txt", 10, 20)
    assert span.overlaps(EvidenceSpan("a.txt", 19, 30))
    assert not span.overlaps(
        EvidenceSpan("a.txt", 20, 30)
    )  # [start, end): touching is not overlapping
    assert not span.overlaps(EvidenceSpan("b.txt", 10, 20))
    assert span.overlaps(ref("a.txt", 0, 11))


def test_evidence_spans_locate_quotes_and_skip_unknown_ones() -> None:
    it = item("q", ["x"], [("a.txt", "Beta is 49% owned."), ("a.txt", "not there"), ("z.txt", "x")])
    assert evidence_spans(it, SOURCES) == [EvidenceSpan("a.txt", 25, 43)]


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([100, 200, 300, 400, 500], 50) == 300
    assert percentile([100, 200, 300, 400, 500], 95) == pytest.approx(480)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


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
    by_kind = cast(dict[str, Metrics], summarize(scored())["by_kind"])
    assert list(by_kind) == ["factoid", "unanswerable"]
    assert by_kind["factoid"]["answer_accuracy"] == pytest.approx(0.5)
    assert by_kind["factoid"]["refusal_accuracy"] is None
    assert by_kind["unanswerable"]["refusal_accuracy"] == pytest.approx(0.5)
    assert by_kind["unanswerable"]["answer_accuracy"] is None
    assert by_kind["unanswerable"]["recall_at_k"] is None


def test_stage_latencies_cover_the_items_that_ran_each_stage() -> None:
    from qa.evaluation.metrics import stage_latencies

    stages = stage_latencies(
        [{"retrieve": 10.0, "total": 20.0}, {"retrieve": 30.0, "generate": 5.0, "total": 40.0}]
    )
    assert stages["retrieve"] == {"p50": 20.0, "p95": 29.0, "items": 2}
    assert stages["generate"] == {"p50": 5.0, "p95": 5.0, "items": 1}
