"""Loading source articles from a folder. Bad files are reported by name, never fatal."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SUFFIXES", "SkippedFile", "SourceDocument", "load_sources", "read_source_text"]

SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class SourceDocument:
    """One article: its file name (the source id) and its exact text."""

    name: str
    text: str
    sha256: str


@dataclass(frozen=True)
class SkippedFile:
    """A file that could not be loaded, and why."""

    name: str
    reason: str


def load_sources(folder: Path) -> tuple[list[SourceDocument], list[SkippedFile]]:
    """Read every .txt and .md file of `folder` (not recursive), in name order.

    Returns the loaded documents and the skipped files with their reasons; a file that is not
    UTF-8 or holds only white space is skipped, the rest still load.
    """
    docs: list[SourceDocument] = []
    skipped: list[SkippedFile] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in SUFFIXES:
            continue
        try:
            raw = path.read_bytes()
            # newline="" semantics: keep the file's characters exactly, offsets index into them.
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            skipped.append(
                SkippedFile(path.name, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
            )
            continue
        except OSError as exc:
            skipped.append(SkippedFile(path.name, f"cannot be read ({exc.strerror})"))
            continue
        if text.startswith("\ufeff"):
            text = text[1:]
        if not text.strip():
            skipped.append(SkippedFile(path.name, "empty file"))
            continue
        docs.append(SourceDocument(path.name, text, hashlib.sha256(raw).hexdigest()))
    return docs, skipped


def read_source_text(folder: Path, name: str) -> str:
    """The text of one source exactly as the loader sees it (offsets index into this)."""
    text = (folder / name).read_bytes().decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text
