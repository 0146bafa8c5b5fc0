"""Article metadata found at load time: title, byline, date and URL.

HTML goes through `trafilatura` (main text and its metadata); plain text and Markdown get a
title from a Markdown heading or a short first line, and a byline or dateline when the text
opens with one. Nothing here changes the text: offsets index into what the loader returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ArticleFormat",
    "ArticleMeta",
    "asked_header_line",
    "extract_html",
    "is_byline",
    "is_copyright_line",
    "is_credit_line",
    "is_dateline",
    "is_syndication_note",
    "text_metadata",
]

ArticleFormat = Literal["text", "markdown", "html"]

# A title line: at most this many words, and not ending like a sentence.
_TITLE_MAX_WORDS = 15
_MIN_ARTICLE_WORDS = 8
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_BYLINE = re.compile(r"^\s*By\s+(?P<by>[A-Z][^\n]{1,150})$")
# "TROMSO (Reuters) -", "San Francisco (Reuters) –", "(Reuters) -" at the start of a paragraph.
_DATELINE = re.compile(
    r"^\s*(?P<place>[A-Z][\w.'’ ,-]{0,60}?)?\s*\((?P<agency>Reuters|AP|AFP|Bloomberg)\)\s*[-–—]"
)


# A dateline anywhere in a line's first 80 characters, however the translation garbled the
# rest ("Aalphabet’s San Francisco (Reuters), the biggest ...").
_AGENCY_NEAR_START = re.compile(r"^[^\n]{0,80}?\((?:Reuters|AP|AFP|Bloomberg)\)")


def is_byline(line: str) -> bool:
    """True for a byline: a line "By Anne Tong, Kenrik Kai and Crystal Hu" (at most 12
    words after "By")."""
    by = _BYLINE.match(line.strip())
    return by is not None and len(by["by"].split()) <= 12


def is_dateline(line: str) -> bool:
    """True for a line carrying a dateline: "PLACE (Reuters) -" or a news agency in
    parentheses within its first 80 characters."""
    return bool(_DATELINE.match(line) or _AGENCY_NEAR_START.match(line.strip()))


_CREDIT = re.compile(
    r"^\W*(©|\(c\)\s|copyright\b)"
    r"|\b(not been edited|syndicat\w*|auto-?generated|reporting by|editing by)\b",
    re.I,
)


_COPYRIGHT = re.compile(r"^\W*(©|\(c\)\s|copyright\b)", re.I)


def is_copyright_line(line: str) -> bool:
    """True for a copyright line closing an article: "© Thomson Reuters 2025", "Copyright
    2025 Reuters" (at most 40 words); a credit line (`is_credit_line`) of its own kind."""
    return len(line.split()) <= 40 and bool(_COPYRIGHT.match(line))


def is_credit_line(line: str) -> bool:
    """True for a credit line closing an article: "© Thomson Reuters 2025", "(This story has
    not been edited by the NDTV staff and is auto-generated from a syndicated feed.)",
    "(Reporting by Anne Tong; Editing by Jamie Freed)" (at most 40 words)."""
    return len(line.split()) <= 40 and bool(_CREDIT.search(line))


def is_syndication_note(line: str) -> bool:
    """True for a credit line that is no copyright line: the note of the outlet that ran or
    edited the article ("(This story has not been edited by the NDTV staff and is
    auto-generated from a syndicated feed.)", "(Reporting by ...; Editing by ...)")."""
    return is_credit_line(line) and not is_copyright_line(line)


# Questions about the article's header or credit lines rather than the story it tells. The
# words that may also be about the news ("authors", "edited", "copyright", "filed") count
# only beside the article itself: "the story", "this Reuters report" (not "the story's
# CEO", nor a verb "report").
_STORY = (
    r"(the|this|that)\s+(?:[\w-]+\s+){0,2}"
    r"(story|article|report|piece|dispatch|(?:copy|version)(?!\s+of\b))\b"
    r"(?!['’]s)"
)
_ASKS_AUTHORS = re.compile(
    r"\bbyline\b|\b(first|second|last)\s+(author|writer|reporter)\s+(listed|named|credited)\b"
    r"|\b(authors?|authored|reporters?|journalists?|writers?|credited|wrote|written"
    rf"|co-?wrote)\b.{{0,30}}\b{_STORY}"
    rf"|\bwho\b.{{0,20}}\b(reported|penned)\b.{{0,20}}\b{_STORY}"
    rf"|\b{_STORY}.{{0,30}}\b(authors?|authored|written|wrote|reporters?|journalists?"
    r"|writers?|credited)\b",
    re.I,
)
_ASKS_DATELINE = re.compile(
    r"\b(dateline|datelined)\b|\bwhere\b.{0,60}\bfiled from\b"
    rf"|\b(where|which city|what city|what place)\b.{{0,40}}\b{_STORY}.{{0,30}}"
    r"\b(from|originate[sd]?|filed|written|dated)\b",
    re.I,
)
_ASKS_CREDIT = re.compile(
    # the article's notice, not a law's ("the copyright notice requirement for AI works")
    r"\bcopyright\s+(line|notice)\b(?!\s+(requirement|rule|law|policy|policie|regime|standard"
    r"|system|office|act|reform|provision|obligation|registration)s?\b)"
    r"|\b(copyright\w*|syndicat\w*|edited|published|publisher|outlet|website|newspaper)\b"
    rf".{{0,40}}\b{_STORY}"
    rf"|\b{_STORY}.{{0,40}}\b(copyright\w*|syndicat\w*|edited|published|publisher)\b",
    re.I,
)


_ASKS_COPYRIGHT = re.compile(r"\bcopyright", re.I)
_ASKS_OUTLET = re.compile(
    r"\b(outlet|syndicat\w*|auto-?generated|edited|website|newspaper)\b", re.I
)


def asked_header_line(question: str) -> Callable[[str], bool] | None:
    """The test for the article header or credit line `question` asks about (`is_byline`
    for its authors: "Who wrote the story?", "Who is the first author listed?";
    `is_dateline` for where it was filed; `is_copyright_line` for its copyright holder,
    `is_credit_line` for whether it was edited or who ran it), or None for a question about
    the story itself. These lines are facts of the article too, though they share no words
    with such questions."""
    if _ASKS_AUTHORS.search(question):
        return is_byline
    if _ASKS_DATELINE.search(question):
        return is_dateline
    if _ASKS_CREDIT.search(question):
        # "Who holds the copyright?" is answered by the © line, not by "(This story has not
        # been edited by the NDTV staff ...)"
        if _ASKS_COPYRIGHT.search(question):
            return is_copyright_line
        # "Which outlet ran the syndicated version?" is answered by the outlet's note, not
        # by the © line of the agency that wrote it
        return is_syndication_note if _ASKS_OUTLET.search(question) else is_credit_line
    return None


@dataclass(frozen=True)
class ArticleMeta:
    """What is known about an article besides its text. Unknown fields are None.

    Attributes:
        format: how the file was read (`text`, `markdown` or `html`).
        title: the headline.
        byline: the authors ("Anne Tong, Kenrik Kai and Crystal Hu"), without "By".
        date: the publication date, ISO 8601 (HTML only, when the page states it).
        url: the page's canonical URL (HTML only).
        dateline: the place of a dateline ("TROMSO"), or the agency alone when no place.
    """

    format: ArticleFormat = "text"
    title: str | None = None
    byline: str | None = None
    date: str | None = None
    url: str | None = None
    dateline: str | None = None


def text_metadata(text: str, format: ArticleFormat = "text") -> ArticleMeta:
    """Title, byline and dateline of a plain-text or Markdown article.

    The title is a Markdown heading on the first non-blank line, or a first line of at most
    15 words that does not end with a full stop (an article that opens with a paragraph has
    none). A byline is a line "By ..." among the first three lines; a dateline is a
    "PLACE (Reuters) -" opening of one of the first three lines.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ArticleMeta(format=format)
    title = _title(lines[0])
    byline = dateline = None
    for line in lines[:3]:
        by = _BYLINE.match(line)
        if by and byline is None and len(by["by"].split()) <= 12:
            byline = by["by"].strip()
            continue
        found = _DATELINE.match(line)
        if found and dateline is None:
            dateline = (found["place"] or "").strip(" ,") or found["agency"]
    return ArticleMeta(format=format, title=title, byline=byline, dateline=dateline)


def _title(first: str) -> str | None:
    heading = _HEADING.match(first)
    if heading:
        return heading["title"].strip()
    words = first.split()
    if len(words) > _TITLE_MAX_WORDS or first.endswith((".", "!", "?", ":", ";", ",")):
        return None
    if _BYLINE.match(first) or _DATELINE.match(first):
        return None
    return first


def extract_html(html: str) -> tuple[str, ArticleMeta] | None:
    """The main text of an HTML page and its metadata, through `trafilatura`.

    Returns None when the page holds no article text (navigation only, an empty body: fewer
    than 8 words).
    """
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    # trafilatura falls back to whatever text a page has ("Home | About"): under a sentence's
    # worth of words is no article.
    if len(text.split()) < _MIN_ARTICLE_WORDS:
        return None
    found = text_metadata(text, "html")
    meta = ArticleMeta(
        format="html",
        title=_clean(getattr(doc, "title", None)) or found.title,
        byline=_clean(getattr(doc, "author", None)) or found.byline,
        date=_clean(getattr(doc, "date", None)),
        url=_clean(getattr(doc, "url", None)),
        dateline=found.dateline,
    )
    return text + "\n", meta


def _clean(value: object) -> str | None:
    return " ".join(str(value).split()) or None if value else None
