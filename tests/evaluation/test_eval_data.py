"""The evaluation files themselves: parseable, unique ids, exact quotes, enough items of each kind.

`eval/qa.jsonl` is the tuning set; `eval/heldout.jsonl` is the held-out split (written before
tuning, never tuned on). Both obey the same format rules; ids are unique across the two.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from index.normalize import match_key
from qa.evaluation import QAItem, contains_answer, load_qa

from conftest import ROOT, SEEDS

QA_FILE = ROOT / "eval" / "qa.jsonl"
HELDOUT_FILE = ROOT / "eval" / "heldout.jsonl"
FILES = [QA_FILE, HELDOUT_FILE]
KINDS = {
    "factoid",
    "list",
    "multi-passage",
    "follow-up",
    "conflict",
    "unanswerable",
    "injection",
    # the fault kinds of issue 11
    "entity",
    "terse",
    "garbled",
    "when",
    "amount",
    "alias",
    "header",
    "negation",
    "special-tokens",
    # held-out only: question kinds the tuning set does not use
    "manner",
    "role",
    "why",
    "purpose",
    "summary",
}
MINIMUM = {"follow-up": 6, "conflict": 1, "unanswerable": 12, "injection": 4, "multi-passage": 3}
ISSUE_11_KINDS = {
    "entity": 6,
    "terse": 5,
    "garbled": 3,
    "when": 5,
    "amount": 4,
    "list": 8,
    "alias": 5,
    "header": 3,
    "negation": 4,
    "special-tokens": 4,
}
CONTROL_TOKENS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>")


def _load(path: Path) -> list[QAItem]:
    loaded, errors = load_qa(path, SEEDS)
    assert [str(e) for e in errors] == []
    return loaded


@pytest.fixture(scope="module")
def items() -> list[QAItem]:
    return _load(QA_FILE)


@pytest.fixture(scope="module")
def heldout() -> list[QAItem]:
    return _load(HELDOUT_FILE)


@pytest.fixture(scope="module", params=FILES, ids=lambda p: p.name)
def any_file(request: pytest.FixtureRequest) -> tuple[Path, list[QAItem]]:
    path: Path = request.param
    return path, _load(path)


def test_every_line_is_a_json_object_with_the_required_fields(
    any_file: tuple[Path, list[QAItem]],
) -> None:
    path, _ = any_file
    lines = path.read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "no blank lines"
    for number, line in enumerate(lines, start=1):
        raw = json.loads(line)
        missing = {"id", "question", "answers", "evidence", "kind"} - raw.keys()
        assert not missing, f"{path.name} line {number} lacks {missing}"
        assert raw["kind"] in KINDS, f"{path.name} line {number}: unknown kind {raw['kind']!r}"


def test_ids_are_unique_within_each_file(any_file: tuple[Path, list[QAItem]]) -> None:
    path, loaded = any_file
    ids = [i.id for i in loaded]
    assert len(ids) == len(set(ids)) == len(path.read_text(encoding="utf-8").splitlines())


def test_ids_and_questions_are_unique_across_the_two_files(
    items: list[QAItem], heldout: list[QAItem]
) -> None:
    assert not {i.id for i in items} & {i.id for i in heldout}
    tuning_questions = {match_key(i.question) for i in items}
    copied = [i.id for i in heldout if match_key(i.question) in tuning_questions]
    assert copied == [], "held-out questions are written in new words"


def test_every_quote_is_an_exact_short_substring_of_its_source(
    any_file: tuple[Path, list[QAItem]],
) -> None:
    _, loaded = any_file
    texts = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.iterdir()}
    for item in loaded:
        for ev in item.evidence:
            assert ev.source in texts, f"{item.id}: unknown source {ev.source}"
            assert ev.quote in texts[ev.source], f"{item.id}: {ev.quote!r} not in {ev.source}"
            assert len(ev.quote) <= 200, f"{item.id}: quote too long; keep one clause or sentence"


def test_counts_per_kind_meet_the_minimums(items: list[QAItem]) -> None:
    counts = Counter(i.kind for i in items)
    assert len(items) >= 88 + 40
    for kind, minimum in {**MINIMUM, **ISSUE_11_KINDS}.items():
        assert counts[kind] >= minimum, f"{kind}: {counts[kind]} < {minimum}"
    assert sum(1 for i in items if i.history) >= 6


def test_the_heldout_split_is_big_enough_and_mixed(heldout: list[QAItem]) -> None:
    assert len(heldout) >= 30
    share = sum(not i.answerable for i in heldout) / len(heldout)
    assert 0.2 <= share <= 0.35, f"unanswerable share {share:.2f}"
    assert sum(1 for i in heldout if i.history) >= 3
    assert len({i.kind for i in heldout}) >= 8


def test_each_article_is_used_as_evidence(items: list[QAItem]) -> None:
    used = Counter(ev.source for i in items for ev in {e.source: e for e in i.evidence}.values())
    assert set(used) == {p.name for p in SEEDS.iterdir()}
    assert min(used.values()) >= 15


def test_unanswerable_items_have_no_answers_and_no_evidence(
    any_file: tuple[Path, list[QAItem]],
) -> None:
    _, loaded = any_file
    for item in loaded:
        if item.kind == "unanswerable":
            assert item.answers == [] and item.evidence == [], item.id
        if not item.answers:
            assert item.evidence == [], f"{item.id}: a refusal item cites nothing"
        else:
            assert item.evidence, f"{item.id}: an answerable item needs evidence"


def test_follow_ups_carry_history(any_file: tuple[Path, list[QAItem]]) -> None:
    _, loaded = any_file
    for item in loaded:
        if item.kind == "follow-up":
            assert item.history and item.history[0].role == "user", item.id


def test_the_cfo_ceo_disagreement_accepts_either(items: list[QAItem]) -> None:
    conflicts = [i for i in items if i.kind == "conflict"]
    assert any({"CFO", "CEO"} <= set(i.answers) for i in conflicts)


def test_some_injections_are_answerable_and_some_must_refuse(items: list[QAItem]) -> None:
    injections = [i for i in items if i.kind == "injection"]
    assert any(i.answers for i in injections) and any(not i.answers for i in injections)


def test_control_token_items_carry_a_token_and_a_real_question(
    any_file: tuple[Path, list[QAItem]],
) -> None:
    _, loaded = any_file
    for item in loaded:
        if item.kind == "special-tokens":
            text = item.question + "".join(t.content for t in item.history)
            assert "<|" in text and "|>" in text, item.id
            assert item.answerable, f"{item.id}: the real question beside the tokens is answerable"
    tokens = [i for i in loaded if i.kind == "special-tokens"]
    assert tokens and any(any(t in i.question for t in CONTROL_TOKENS) for i in tokens)


def test_garbled_figures_are_answered_with_the_clean_version(items: list[QAItem]) -> None:
    # "70 870 million" (a garbled translation) must not count as "$870 million".
    for item in items:
        if item.kind == "garbled" and any("870" in a for a in item.answers):
            assert not contains_answer("Scale AI increased revenue of 70 870 million", item.answers)
            assert contains_answer("Revenue was $ 870 million in 2024.", item.answers)


def test_an_evidence_quote_holds_an_acceptable_answer(
    any_file: tuple[Path, list[QAItem]],
) -> None:
    # Multi-passage answers may be computed from several quotes (e.g. a difference of amounts).
    _, loaded = any_file
    for item in loaded:
        if item.answers and item.kind != "multi-passage":
            assert any(contains_answer(ev.quote, item.answers) for ev in item.evidence), item.id
