"""Loading source articles from a folder. Bad files are reported by name, never fatal.

`.txt` and `.md` files are read as text (UTF-8, else the encoding `charset-normalizer`
detects); `.html` pages are reduced to their main text by `trafilatura`. The text a
`SourceDocument` holds is what is chunked, indexed and served: offsets index into it.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import BadSourceError
from index.metadata import ArticleFormat, ArticleMeta, extract_html, text_metadata

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUFFIXES",
    "SkippedFile",
    "SourceDocument",
    "is_article_name",
    "load_source",
    "load_sources",
    "parse_source",
    "read_source_text",
]

SUFFIXES = (".txt", ".md", ".html", ".htm")
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
"""The largest article file read, in bytes (`QA_MAX_ARTICLE_BYTES`)."""

# Text in UTF-16/32 holds NUL bytes; with its byte-order mark it is still text.
_UTF16_32_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)

_FORMATS: dict[str, ArticleFormat] = {
    ".txt": "text",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
}


@dataclass(frozen=True)
class SourceDocument:
    """One article: its file name (the source id), its text, the file's sha256 and metadata."""

    name: str
    text: str
    sha256: str
    meta: ArticleMeta = field(default_factory=ArticleMeta)


@dataclass(frozen=True)
class SkippedFile:
    """A file that could not be loaded, and why."""

    name: str
    reason: str


def is_article_name(name: str) -> bool:
    """True for a file name the loader reads: a known suffix, not hidden (temp files are)."""
    return not name.startswith(".") and Path(name).suffix.lower() in SUFFIXES


def load_sources(
    folder: Path, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[SourceDocument], list[SkippedFile]]:
    """Read every article file of `folder` (not recursive), in name order.

    Returns the loaded documents and the skipped files with their reasons (binary, empty,
    undecodable, over `max_bytes`, HTML without article text, a symlink leading out of the
    folder); the rest still load.
    """
    docs: list[SourceDocument] = []
    skipped: list[SkippedFile] = []
    for path in sorted(folder.iterdir()):
        if not is_article_name(path.name) or not path.is_file():
            continue
        try:
            docs.append(load_source(path, max_bytes, folder=folder))
        except BadSourceError as exc:
            skipped.append(SkippedFile(path.name, exc.reason))
    return docs, skipped


def load_source(
    path: Path, max_bytes: int = DEFAULT_MAX_BYTES, *, folder: Path | None = None
) -> SourceDocument:
    """Read one article file.

    Raises:
        BadSourceError: the file cannot be an article (its `reason` says why).
    """
    root = (folder or path.parent).resolve()
    if path.is_symlink() and not path.resolve().is_relative_to(root):
        raise BadSourceError(path.name, "a symlink pointing outside the folder (skipped)")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BadSourceError(path.name, f"{size} bytes, over the {max_bytes}-byte limit")
        raw = path.read_bytes()
    except OSError as exc:
        raise BadSourceError(path.name, f"cannot be read ({exc.strerror})") from None
    return parse_source(path.name, raw)


def parse_source(name: str, raw: bytes) -> SourceDocument:
    """An article from a file's name and bytes (see `load_source`)."""
    if b"\x00" in raw[:8192] and not raw.startswith(_UTF16_32_BOMS):
        raise BadSourceError(name, "a binary file, not text")
    text = _decode(name, raw)
    if not text.strip():
        raise BadSourceError(name, "empty file")
    sha = hashlib.sha256(raw).hexdigest()
    fmt = _FORMATS.get(Path(name).suffix.lower(), "text")
    if fmt == "html":
        found = extract_html(text)
        if found is None:
            raise BadSourceError(name, "HTML with no article text")
        return SourceDocument(name, found[0], sha, found[1])
    return SourceDocument(name, text, sha, text_metadata(text, fmt))


def _decode(name: str, raw: bytes) -> str:
    """UTF-8 (a leading BOM dropped), else the encoding charset-normalizer finds."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        if best is None:
            raise BadSourceError(
                name, f"not UTF-8 and no other encoding fits ({exc.reason} at byte {exc.start})"
            ) from None
        text = str(best)
    return text[1:] if text.startswith("\ufeff") else text


def read_source_text(folder: Path, name: str) -> str:
    """The text of one source exactly as the loader sees it (offsets index into this).

    Raises:
        OSError: the file cannot be read (missing, ...).
        BadSourceError: the file is not a readable article.
    """
    return parse_source(name, (folder / name).read_bytes()).text
