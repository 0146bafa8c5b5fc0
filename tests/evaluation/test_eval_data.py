"""The evaluation file itself: parseable, unique ids, exact quotes, enough items of each kind."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from qa.evaluation import QAItem, contains_answer, load_qa

from conftest import ROOT, SEEDS

QA_FILE = ROOT / "eval" / "qa.jsonl"
KINDS = {"factoid", "list", "multi-passage", "follow-up", "conflict", "unanswerable", "injection"}
MINIMUM = {"follow-up": 6, "conflict": 1, "unanswerable": 12, "injection": 4, "multi-passage": 3}


@pytest.fixture(scope="module")
def items() -> list[QAItem]:
    loaded, errors = load_qa(QA_FILE, SEEDS)
    assert [str(e) for e in errors] == []
    return loaded


def test_every_line_is_a_json_object_with_the_required_fields() -> None:
    lines = QA_FILE.read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "no blank lines"
    for number, line in enumerate(lines, start=1):
        raw = json.loads(line)
        missing = {"id", "question", "answers", "evidence", "kind"} - raw.keys()
        assert not missing, f"line {number} lacks {missing}"
        assert raw["kind"] in KINDS, f"line {number}: unknown kind {raw['kind']!r}"


def test_ids_are_unique(items: list[QAItem]) -> None:
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids)) == len(QA_FILE.read_text(encoding="utf-8").splitlines())


def test_every_quote_is_an_exact_short_substring_of_its_source(items: list[QAItem]) -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.iterdir()}
    for item in items:
        for ev in item.evidence:
            assert ev.source in texts, f"{item.id}: unknown source {ev.source}"
            assert ev.quote in texts[ev.source], f"{item.id}: {ev.quote!r} not in {ev.source}"
            assert len(ev.quote) <= 200, f"{item.id}: quote too long; keep one clause or sentence"


def test_counts_per_kind_meet_the_minimums(items: list[QAItem]) -> None:
    counts = Counter(i.kind for i in items)
    assert len(items) >= 55
    for kind, minimum in MINIMUM.items():
        assert counts[kind] >= minimum, f"{kind}: {counts[kind]} < {minimum}"
    assert sum(1 for i in items if i.history) >= 6


def test_each_article_is_used_as_evidence(items: list[QAItem]) -> None:
    used = Counter(ev.source for i in items for ev in {e.source: e for e in i.evidence}.values())
    assert set(used) == {p.name for p in SEEDS.iterdir()}
    assert min(used.values()) >= 15


def test_unanswerable_items_have_no_answers_and_no_evidence(items: list[QAItem]) -> None:
    for item in items:
        if item.kind == "unanswerable":
            assert item.answers == [] and item.evidence == [], item.id
        if not item.answers:
            assert item.evidence == [], f"{item.id}: a refusal item cites nothing"
        else:
            assert item.evidence, f"{item.id}: an answerable item needs evidence"


def test_follow_ups_carry_history(items: list[QAItem]) -> None:
    for item in items:
        if item.kind == "follow-up":
            assert item.history and item.history[0].role == "user", item.id


def test_the_cfo_ceo_disagreement_accepts_either(items: list[QAItem]) -> None:
    conflicts = [i for i in items if i.kind == "conflict"]
    assert any({"CFO", "CEO"} <= set(i.answers) for i in conflicts)


def test_some_injections_are_answerable_and_some_must_refuse(items: list[QAItem]) -> None:
    injections = [i for i in items if i.kind == "injection"]
    assert any(i.answers for i in injections) and any(not i.answers for i in injections)


def test_an_evidence_quote_holds_an_acceptable_answer(items: list[QAItem]) -> None:
    # Multi-passage answers may be computed from several quotes (e.g. a difference of amounts).
    for item in items:
        if item.answers and item.kind != "multi-passage":
            assert any(contains_answer(ev.quote, item.answers) for ev in item.evidence), item.id
