"""Loading the Q&A file line by line."""

from __future__ import annotations

import json
from pathlib import Path

from qa.evaluation import (
    load_qa,
)

from eval_fixtures import (
    A_TEXT,
)


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
