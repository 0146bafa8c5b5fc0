"""The Gradio chat UI, mounted at `/` by `qa.server`. It calls the pipeline and formats what
comes back; no retrieval or prompting lives here."""

from __future__ import annotations

from ui.app import ChatHandlers, build_ui
from ui.format import (
    CSS,
    DEFAULT_EXAMPLES,
    REFUSAL_LABEL,
    conversation_turns,
    format_answer,
    format_timings,
    highlight_html,
    source_choices,
)

__all__ = [
    "CSS",
    "DEFAULT_EXAMPLES",
    "REFUSAL_LABEL",
    "ChatHandlers",
    "build_ui",
    "conversation_turns",
    "format_answer",
    "format_timings",
    "highlight_html",
    "source_choices",
]
