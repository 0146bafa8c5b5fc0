"""The refusal-threshold calibration."""

from __future__ import annotations

from qa.evaluation import choose_threshold


def test_threshold_sits_in_the_gap_below_every_answerable_item() -> None:
    c = choose_threshold([(0.05, False), (0.1, False), (0.5, False), (0.3, True), (0.7, True)])
    assert c.threshold == 0.2
    assert (c.refused_unanswerable, c.unanswerable) == (2, 3)
    assert (c.refused_answerable, c.answerable) == (0, 2)


def test_no_unanswerable_below_gives_half_the_lowest() -> None:
    assert choose_threshold([(0.4, True), (0.6, False)]).threshold == 0.2
