"""The evaluation file: question/answer pairs in JSON Lines, loaded and checked line by line.

A bad line is reported with its line number and skipped; the other lines still run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index.errors import SourceError
from index.loader import read_source_text
from qa.types import ChatTurn

__all__ = ["Evidence", "LineError", "QAItem", "load_qa"]


class Evidence(BaseModel):
    """A short exact quote of a source file that supports an item's answer."""

    model_config = ConfigDict(extra="ignore")

    source: str = Field(min_length=1)
    quote: str = Field(min_length=1)


class QAItem(BaseModel):
    """One evaluation question.

    `answers` lists acceptable short answers; an empty list means the articles do not hold the
    answer and the system must refuse.
    """

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answers: list[str]
    evidence: list[Evidence] = Field(default_factory=list)
    history: list[ChatTurn] = Field(default_factory=list)
    kind: str | None = None

    @property
    def answerable(self) -> bool:
        """True when the articles hold an answer (the system should not refuse)."""
        return bool(self.answers)


@dataclass(frozen=True)
class LineError:
    """A problem with one line of the evaluation file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def load_qa(path: Path, seeds_dir: Path | None = None) -> tuple[list[QAItem], list[LineError]]:
    """Read an evaluation file.

    Args:
        path: a JSON Lines file, one `QAItem` object a line (blank lines are ignored).
        seeds_dir: when given, every evidence quote must occur exactly in its source file there;
            a missing file or quote is reported (the item is kept).

    Returns:
        The valid items in file order, and the problems found, each with its line number.
        Malformed lines (bad JSON, missing or wrongly typed fields) and repeated ids are
        skipped.
    """
    items: list[QAItem] = []
    errors: list[LineError] = []
    seen: set[str] = set()
    texts: dict[str, str | None] = {}
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = QAItem.model_validate(json.loads(line))
            except json.JSONDecodeError as exc:
                message = f"not valid JSON ({exc.msg} at column {exc.colno})"
                errors.append(LineError(number, message))
                continue
            except ValidationError as exc:
                errors.append(LineError(number, f"not a Q&A item ({_describe(exc)})"))
                continue
            if item.id in seen:
                errors.append(LineError(number, f"repeated id {item.id!r}; the line is skipped"))
                continue
            seen.add(item.id)
            items.append(item)
            if seeds_dir is not None:
                errors.extend(_check_quotes(item, number, seeds_dir, texts))
    return items, errors


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(x) for x in err["loc"]) or "item"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _check_quotes(
    item: QAItem, number: int, seeds_dir: Path, texts: dict[str, str | None]
) -> list[LineError]:
    errors = []
    for ev in item.evidence:
        if ev.source not in texts:
            texts[ev.source] = _read(seeds_dir, ev.source)
        text = texts[ev.source]
        if text is None:
            errors.append(LineError(number, f"{item.id}: no readable source {ev.source!r}"))
        elif ev.quote not in text:
            errors.append(
                LineError(number, f"{item.id}: quote not found in {ev.source}: {ev.quote[:60]!r}")
            )
    return errors


def _read(seeds_dir: Path, name: str) -> str | None:
    try:
        return read_source_text(seeds_dir, name)
    except (OSError, UnicodeDecodeError, SourceError):
        return None
