"""Article metadata at load: titles, bylines and datelines of text; HTML through trafilatura;
other encodings through charset-normalizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import BadSourceError
from index.loader import load_source, load_sources, parse_source
from index.metadata import (
    asked_header_line,
    is_byline,
    is_copyright_line,
    is_credit_line,
    is_dateline,
    is_syndication_note,
    text_metadata,
)

from conftest import ROOT, SEEDS

HTML = (ROOT / "tests" / "fixtures" / "harbor.html").read_text(encoding="utf-8")


def test_a_short_first_line_is_the_title_and_a_byline_and_dateline_follow() -> None:
    text = (
        "Harbor Lights Open in Tromso\nBy Ola Nordmann and Kari Nordmann\n"
        "TROMSO (Reuters) - The city said on Monday it will open a library.\n"
    )
    meta = text_metadata(text)
    assert meta.title == "Harbor Lights Open in Tromso"
    assert meta.byline == "Ola Nordmann and Kari Nordmann"
    assert meta.dateline == "TROMSO"


def test_a_markdown_heading_is_the_title() -> None:
    meta = text_metadata("# Ferry Terminal Approved #\n\nBergen will build it.\n", "markdown")
    assert meta.title == "Ferry Terminal Approved" and meta.format == "markdown"


@pytest.mark.parametrize(
    "first",
    [
        "The city said on Monday it will open a library.",  # a sentence: ends with a full stop
        " ".join(["word"] * 16),  # too long for a headline
        "By Ola Nordmann",  # a byline is not a title
    ],
)
def test_no_title_when_the_text_opens_with_a_paragraph(first: str) -> None:
    assert text_metadata(first + "\nMore text follows here.\n").title is None


def test_the_seeds_titles_bylines_and_datelines() -> None:
    metas = {d.name: d.meta for d in load_sources(SEEDS)[0]}
    with_byline = [m for m in metas.values() if m.byline]
    assert [m.byline for m in with_byline] == ["Anne Tong, Kenrik Kai and Crystal Hu"]
    # Two seeds open with a paragraph, the third with a byline: none has a title line.
    assert all(m.title is None for m in metas.values())


def test_html_gives_main_text_title_author_date_and_url(tmp_path: Path) -> None:
    (tmp_path / "harbor.html").write_text(HTML, encoding="utf-8")
    doc = load_source(tmp_path / "harbor.html")
    assert doc.meta.format == "html"
    assert doc.meta.title == "Harbor Lights Open in Tromso" or "Harbor Lights" in (
        doc.meta.title or ""
    )
    assert doc.meta.byline == "Ola Nordmann"
    assert doc.meta.date == "2025-06-14"
    assert doc.meta.url == "https://news.example/harbor-lights"
    assert "12 million crown grant" in doc.text
    assert "Copyright" not in doc.text and "World" not in doc.text  # boilerplate dropped


def test_html_without_article_text_is_refused_by_name() -> None:
    with pytest.raises(BadSourceError, match=r"menu\.html: HTML with no article text"):
        parse_source("menu.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>")


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_text_in_another_encoding_is_decoded(tmp_path: Path, encoding: str) -> None:
    text = "Zürich’s café owners said on Tuesday that prices rose 4% — the most since 2008.\n"
    (tmp_path / "zurich.txt").write_bytes(text.encode(encoding))
    doc = load_source(tmp_path / "zurich.txt")
    assert doc.text == text


def test_binary_and_oversized_files_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(BadSourceError, match="a binary file"):
        parse_source("logo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "big.txt").write_text("word " * 500, encoding="utf-8")
    with pytest.raises(BadSourceError, match=r"big\.txt: 2500 bytes, over the 2048-byte limit"):
        load_source(tmp_path / "big.txt", max_bytes=2048)


def test_header_lines_are_told_apart_from_sentences() -> None:
    assert is_byline("By Anne Tong, Kenrik Kai and Crystal Hu")
    assert not is_byline("By the end of the year, Labelbox will grow.")
    assert is_dateline("Aalphabet’s San Francisco (Reuters), the biggest AI Scale client")
    assert is_dateline("TROMSO (Reuters) - The plant")
    assert not is_dateline("Five sources familiar with the matter told Reuters that")


@pytest.mark.parametrize(
    ("question", "header"),
    [
        ("who is the first author listed on the reuters story", is_byline),
        ("Which reporters are credited on the piece?", is_byline),
        ("Who co-wrote the report with Kenrick Cai?", is_byline),
        ("What is the dateline of the story?", is_dateline),
        ("Where was the Reuters story filed from?", is_dateline),
        ("Who wrote to Scale AI's customers?", None),
        ("Which authors sued OpenAI?", None),
        ("How many journalists were killed in Gaza?", None),
        ("Who is credited with inventing the transformer?", None),
        ("Did Meta violate copyright law?", None),
        ("Which publisher did Penguin acquire?", None),
        ("Where was the lawsuit filed?", None),
        ("Who reported the story for Reuters?", is_byline),
        ("Which writers are credited on the Reuters piece?", is_byline),
        ("Which city does the Reuters story come from?", is_dateline),
        ("Where did the article originate?", is_dateline),
        ("What city was the report datelined?", is_dateline),
        ("Who holds the copyright of the story?", is_copyright_line),
        ("Was the article edited by the site's staff?", is_syndication_note),
        ("Which outlet ran the story?", is_syndication_note),
        ("Who published the story?", is_credit_line),
        ("Which news agency reported the story?", None),
        ("Where did Google report its results from?", None),
        ("Where is the story's CEO from?", None),
        ("Who is Scale AI's CEO?", None),
        ("Where is Alexander Wang going?", None),
        ("Who is the first author listed?", is_byline),
        ("Who is the second author named?", is_byline),
        ("Who was the lead author of the study?", None),
        ("Who was the first author of the paper?", None),
        ("What year is on the copyright line?", is_copyright_line),
        ("Was the NDTV copy edited by NDTV staff?", is_syndication_note),
        ("Who made a copy of the training data?", None),
        ("Which bank extended a credit line to Scale AI?", None),
        ("Which outlet published the leaked copy of the memo?", None),
        ("Does the copyright notice requirement cover AI works?", None),
        ("What does the copyright notice say?", is_copyright_line),
        ("Is the copyright notice actually from Reuters?", is_copyright_line),
        ("Which outlet ran the auto-generated syndicated version?", is_syndication_note),
        ("Which outlet published the latest version of Llama?", None),
        ("Which company released the new version?", None),
    ],
)
def test_questions_about_header_lines_are_told_apart(question: str, header: object) -> None:
    assert asked_header_line(question) is header


def test_a_copyright_question_is_answered_by_the_copyright_line_alone() -> None:
    test = asked_header_line("Whose name is on the copyright line of the NDTV version?")
    assert test is not None
    assert test("© Thomson Writers 2025")
    assert not test("(This story has not been edited by the NDTV staff and is auto-generated.)")
    # ... and the outlet that ran it by its note, not by the agency's copyright line
    test = asked_header_line("Which outlet ran the auto-generated syndicated version?")
    assert test is not None
    assert test("(This story has not been edited by the NDTV staff and is auto-generated.)")
    assert not test("© Thomson Writers 2025")


@pytest.mark.parametrize(
    ("line", "credit"),
    [
        ("© Thomson Writers 2025", True),
        ("Copyright 2025 Reuters", True),
        (
            "(This story has not been edited by NDTV staff and is auto-generated from a"
            " syndicated feed.)",
            True,
        ),
        ("(Reporting by Anne Tong; Editing by Jamie Freed)", True),
        ("Google spent about $ 150 million last year, sources said.", False),
        (
            "Scale AI said its syndicated data feeds and its editing tools are sold to dozens"
            " of customers, including government agencies, carmakers and the biggest labs that"
            " build generative models, and that it expects to keep all of them after the deal",
            False,
        ),
    ],
)
def test_credit_lines_are_told_apart(line: str, credit: bool) -> None:
    assert is_credit_line(line) is credit
