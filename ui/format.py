"""Pure formatting for the chat UI: answers, timings, source labels and the highlighted
article, as Markdown or HTML. No Gradio here."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from qa.serving.corroboration import claim_agreement, version_agreement
from qa.types import MAX_TURN_CHARS, Answer, ChatTurn, Citation, SourceInfo

__all__ = [
    "CHECKING",
    "CSS",
    "DEFAULT_EXAMPLES",
    "REFUSAL_LABEL",
    "SCROLL_TO_MARK",
    "VIEWER_HINT",
    "article_rows",
    "conversation_turns",
    "format_answer",
    "format_timings",
    "highlight_html",
    "plain_messages",
    "queued_message",
    "scope_choices",
    "source_choices",
]

DEFAULT_EXAMPLES = (
    "What share of Scale AI is Meta taking?",
    "How much did Google plan to pay Scale AI this year?",
    "Who is Scale AI's CEO?",
    "What is the capital of Australia?",
)

REFUSAL_LABEL = "Not in the articles"

CSS = """
.qa-refusal { display: inline-block; padding: 1px 8px; margin-bottom: 4px; border-radius: 10px;
  background: #fde8e8; color: #9b1c1c; font-weight: 600; font-size: 0.85em; }
.qa-conflict { display: inline-block; padding: 1px 8px; margin-bottom: 4px; border-radius: 10px;
  background: #fdf6b2; color: #723b13; font-weight: 600; font-size: 0.85em; }
#qa-viewer .qa-article { max-height: 460px; overflow-y: auto; white-space: pre-wrap;
  line-height: 1.55; font-size: 0.95em; padding: 10px 12px; border-radius: 8px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); }
#qa-viewer .qa-article mark { background: #fff3a3; color: inherit; padding: 1px 0;
  border-radius: 3px; box-shadow: 0 0 0 2px #ffe066; }
#qa-viewer .qa-source-title { font-weight: 600; margin: 0 0 6px 0; }
#qa-viewer .qa-hint { color: var(--body-text-color-subdued); }
.qa-versions { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 0.8em;
  background: #def7ec; color: #03543f; }
.qa-versions.qa-disagree { background: #fdf6b2; color: #723b13; }
"""
"""Styles the server passes to `gr.mount_gradio_app(css=...)` (Gradio 6 takes CSS at mount)."""

# Runs in the browser: keep the highlighted span in view whenever the article changes.
SCROLL_TO_MARK = """
const scroll = () => {
  const box = element.querySelector('.qa-article');
  const mark = box && box.querySelector('mark');
  if (mark) {
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - 48;
  }
};
watch('value', scroll);
scroll();
"""

CHECKING = "*Checking the answer against the articles…*"
"""Shown while an answer is generated and checked (unchecked text is never shown)."""


def queued_message(position: int) -> str:
    """What the chat shows while the question waits for the model (`position` ahead of it)."""
    ahead = "next" if position == 0 else f"{position} question{'s' if position > 1 else ''} ahead"
    return f"*Waiting for the model ({ahead})…*"


VIEWER_HINT = (
    '<p class="qa-hint">Ask a question, then choose one of its sources to read the article '
    "with the cited passage highlighted.</p>"
)


def highlight_html(name: str, text: str, start: int, end: int, n: int | None = None) -> str:
    """The article as escaped HTML, the span `text[start:end]` wrapped in `<mark>`; `name` is
    the label shown above it (a title with the file name, or the file name)."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    title = f"[{n}] {name}" if n is not None else name
    return (
        f'<p class="qa-source-title">{html.escape(title)}'
        f" <small>(characters {start}–{end})</small></p>"
        '<div class="qa-article">'
        f"{html.escape(text[:start])}"
        f'<mark id="qa-cited">{html.escape(text[start:end])}</mark>'
        f"{html.escape(text[end:])}</div>"
    )


def format_answer(answer: Answer) -> str:
    """The chat message for a final answer: a label if refused, the text, the sources."""
    parts = []
    if answer.refused:
        parts.append(f'<span class="qa-refusal">{REFUSAL_LABEL}</span>\n\n')
    elif answer.conflict:
        parts.append('<span class="qa-conflict">The sources disagree</span>\n\n')
    parts.append(_with_agreement(answer))
    if answer.citations:
        parts.append("\n\n**Sources**")
        for c in answer.citations:
            title = f"{c.title}{f' ({c.date})' if c.date else ''} · " if c.title else ""
            note = version_agreement(c, answer.citations, answer.conflict)
            agreement = f" · *{note}*" if note else ""
            parts.append(f"\n\n**[{c.n}]** {title}`{c.source}`{agreement} · {_snippet(c.text)}")
    return "".join(parts)


_MARKER_RUN = re.compile(r"(?:\s*\[\d+\])+")


def _with_agreement(answer: Answer) -> str:
    """The answer text with a "3 versions agree" / "versions disagree" note after each run of
    citation markers whose versions are known."""

    def note(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(0))]
        found = claim_agreement(numbers, answer.citations, answer.conflict)
        if found is None:
            return match.group(0)
        kind = " qa-disagree" if found == "versions disagree" else ""
        return f'{match.group(0)} <span class="qa-versions{kind}">{found}</span>'

    return answer.answer if answer.refused else _MARKER_RUN.sub(note, answer.answer)


def format_timings(answer: Answer) -> str:
    """A small Markdown table of where the time went, and what answered."""
    rows = [
        f"| {name.removesuffix('_ms')} | {ms:.0f} ms |" for name, ms in answer.timings_ms.items()
    ]
    details = [
        f"**Backend:** {answer.backend} ({answer.model})",
        f"**Standalone question:** {answer.standalone_question}",
        f"**Passages given to the generator:** {len(answer.retrieved)}",
    ]
    if answer.prompt_tokens or answer.completion_tokens:
        details.append(
            f"**Tokens:** {answer.prompt_tokens} prompt ({answer.cached_prompt_tokens} reused"
            f" from the cache), {answer.completion_tokens} completion"
        )
    table = "| step | time |\n|---|---|\n" + "\n".join(rows) if rows else ""
    return "\n\n".join([*details, table])


def source_choices(citations: Sequence[Citation]) -> list[tuple[str, int]]:
    """Radio choices (label, index into the citations) for an answer's sources, labelled by
    title with the file name beside it."""
    return [(f"[{c.n}] {c.label} [{c.start}:{c.end}]", i) for i, c in enumerate(citations)]


def article_rows(articles: Sequence[SourceInfo]) -> list[list[Any]]:
    """Rows of the Articles table: name, title, byline, date, passages, version group,
    indexed at."""
    return [
        [
            a.name,
            a.title or "",
            a.byline or "",
            a.date or "",
            a.passages,
            a.version_group or "",
            a.indexed_at or "",
        ]
        for a in articles
    ]


def scope_choices(articles: Sequence[SourceInfo]) -> list[tuple[str, str]]:
    """Choices of the "ask within" picker: each version group with more than one article,
    then each article (label, value)."""
    groups: dict[str, list[str]] = {}
    for a in articles:
        if a.version_group:
            groups.setdefault(a.version_group, []).append(a.name)
    choices = [
        (f"Story: {len(names)} versions ({', '.join(sorted(names))})", group)
        for group, names in sorted(groups.items())
        if len(names) > 1
    ]
    return choices + [(f"{a.title} — {a.name}" if a.title else a.name, a.name) for a in articles]


_LABEL = re.compile(r'^<span class="qa-(?:refusal|conflict)">[^<]*</span>\n\n')


def conversation_turns(messages: list[dict[str, Any]], keep: int = 50) -> list[ChatTurn]:
    """The turns of the chat messages a caller sent (`plain_messages` shape), oldest first,
    as the chain reads them: answers without their label and sources list, each cut to
    `MAX_TURN_CHARS`; only the last `keep` turns."""
    turns = []
    for m in messages:
        content = str(m.get("content") or "")
        if m.get("role") == "assistant":
            content = _LABEL.sub("", content).split("\n\n**Sources**", 1)[0]
        if m.get("role") in ("user", "assistant") and content.strip():
            turns.append(ChatTurn(role=m["role"], content=content[:MAX_TURN_CHARS]))
    return turns[-keep:]


def _snippet(text: str, limit: int = 140) -> str:
    flat = " ".join(text.split())
    return "“" + (flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…") + "”"


def plain_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat messages back to plain `{"role", "content": str}` dicts (Gradio hands back parts)."""
    plain = []
    for m in messages or []:
        content = m.get("content")
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        plain.append({"role": m["role"], "content": content or ""})
    return plain
