"""The chat UI (Gradio 6). Thin: it only calls the pipeline and formats what comes back.

The conversation streams; each answer lists its numbered sources, and picking one shows the
article with the cited span highlighted. Answers are kept (by chat message index) in a
`gr.State`, so follow-ups get the earlier turns and thumbs up/down know what they rate.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from typing import Any

import gradio as gr

from qa.errors import QAError
from qa.feedback import Feedback, FeedbackStore
from qa.models import Answer, ChatTurn, Citation

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
"""
"""Styles the server passes to `gr.mount_gradio_app(css=...)` (Gradio 6 takes CSS at mount)."""

# Runs in the browser: keep the highlighted span in view whenever the article changes.
_SCROLL_TO_MARK = """
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

_VIEWER_HINT = (
    '<p class="qa-hint">Ask a question, then choose one of its sources to read the article '
    "with the cited passage highlighted.</p>"
)


# ---------------------------------------------------------------- pure formatting


def highlight_html(name: str, text: str, start: int, end: int, n: int | None = None) -> str:
    """The article as escaped HTML, the span `text[start:end]` wrapped in `<mark>`."""
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
    parts.append(answer.answer)
    if answer.citations:
        parts.append("\n\n**Sources**")
        for c in answer.citations:
            parts.append(f"\n\n**[{c.n}]** `{c.source}` · {_snippet(c.text)}")
    return "".join(parts)


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
    """Radio choices (label, index into the citations) for an answer's sources."""
    return [(f"[{c.n}] {c.source} [{c.start}:{c.end}]", i) for i, c in enumerate(citations)]


def history_turns(answers: dict[str, dict[str, Any]]) -> list[ChatTurn]:
    """The earlier questions and answers, oldest first, for a follow-up."""
    turns: list[ChatTurn] = []
    for key in sorted(answers, key=int):
        a = answers[key]
        turns.append(ChatTurn(role="user", content=a["question"]))
        turns.append(ChatTurn(role="assistant", content=a["answer"]))
    return turns


def _snippet(text: str, limit: int = 140) -> str:
    flat = " ".join(text.split())
    return "“" + (flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…") + "”"


# ---------------------------------------------------------------- the UI


def build_ui(
    pipeline: Any,
    feedback_store: FeedbackStore,
    examples: Sequence[str] = DEFAULT_EXAMPLES,
) -> gr.Blocks:
    """The chat UI over a pipeline (`qa.pipeline.Pipeline` or anything with its interface).

    Args:
        pipeline: answers questions (`stream`) and reads sources (`source_text`).
        feedback_store: where thumbs up/down go.
        examples: questions offered as clickable examples.
    """

    def ask(
        message: str, messages: list[dict[str, Any]], answers: dict[str, dict[str, Any]]
    ) -> Iterator[tuple[Any, ...]]:
        question = (message or "").strip()
        if not question:
            raise gr.Error("Type a question about the articles first.")
        messages = [
            *_plain(messages),
            {"role": "user", "content": question},
            {"role": "assistant", "content": ""},
        ]
        index = len(messages) - 1
        no_source = gr.update(choices=[], value=None)
        text = ""
        try:
            for item in pipeline.stream(question, history_turns(answers)):
                if isinstance(item, Answer):
                    messages[index]["content"] = format_answer(item)
                    answers = {**answers, str(index): item.model_dump()}
                    if item.citations:
                        first = item.citations[0]
                        viewer = _viewer(first)
                        picked = gr.update(choices=source_choices(item.citations), value=0)
                    else:
                        viewer, picked = _VIEWER_HINT, no_source
                    yield "", messages, answers, picked, viewer, format_timings(item)
                else:
                    text += item
                    messages[index]["content"] = text
                    yield "", messages, answers, no_source, _VIEWER_HINT, ""
        except QAError as exc:
            raise gr.Error(str(exc)) from exc

    def _viewer(c: Citation) -> str:
        return highlight_html(c.source, pipeline.source_text(c.source), c.start, c.end, c.n)

    def show_source(choice: int | None, answers: dict[str, dict[str, Any]]) -> str:
        if choice is None or not answers:
            return _VIEWER_HINT
        last = answers[max(answers, key=int)]
        citations = [Citation(**c) for c in last["citations"]]
        if not 0 <= choice < len(citations):
            return _VIEWER_HINT
        return _viewer(citations[choice])

    def rate(answers: dict[str, dict[str, Any]], data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        answer = answers.get(str(index))
        if answer is None or data.liked not in (True, False):
            return
        feedback_store.record(
            Feedback(
                rating="up" if data.liked else "down",
                question=answer["question"],
                answer=answer["answer"],
                standalone_question=answer["standalone_question"],
                citations=[Citation(**c) for c in answer["citations"]],
                refused=answer["refused"],
            )
        )
        gr.Info("Thanks for the feedback.")

    with gr.Blocks(title="News Q&A", analytics_enabled=False) as blocks:
        answers = gr.State({})
        gr.Markdown(
            "## News Q&A\nAnswers come only from the indexed news articles, with numbered "
            "sources. Questions the articles cannot answer are declined."
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    elem_id="qa-chat",
                    height=520,
                    placeholder="Ask about the articles, or pick an example below.",
                    feedback_options=("Like", "Dislike"),
                    buttons=["copy"],
                )
                with gr.Row():
                    box = gr.Textbox(
                        label="Question",
                        show_label=False,
                        placeholder="Ask a question about the articles…",
                        max_length=2000,
                        scale=5,
                        elem_id="qa-question",
                        autofocus=True,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                sample = gr.Examples(
                    examples=[[q] for q in examples], inputs=[box], label="Examples"
                )
            with gr.Column(scale=2):
                picked = gr.Radio(
                    label="Sources of the last answer", choices=[], elem_id="qa-sources"
                )
                viewer = gr.HTML(
                    _VIEWER_HINT, label="Article", elem_id="qa-viewer", js_on_load=_SCROLL_TO_MARK
                )
                with gr.Accordion("Details: timing and retrieval", open=False):
                    timings = gr.Markdown(label="Details", elem_id="qa-timings")

        outputs = [box, chatbot, answers, picked, viewer, timings]
        inputs = [box, chatbot, answers]
        gr.on(
            [box.submit, send.click],
            ask,
            inputs,
            outputs,
            api_name="ask",
            concurrency_limit=2,
        )
        sample.load_input_event.then(
            ask, inputs, outputs, api_visibility="private", concurrency_limit=2
        )
        picked.input(show_source, [picked, answers], viewer, api_visibility="private")
        chatbot.like(rate, [answers], None, api_visibility="private")
        # Clearing the chat starts a new conversation: no history, no sources.
        chatbot.clear(
            lambda: ({}, gr.update(choices=[], value=None), _VIEWER_HINT, ""),
            None,
            [answers, picked, viewer, timings],
            api_visibility="private",
        )
    return blocks


def _plain(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat messages back to plain `{"role", "content": str}` dicts (Gradio hands back parts)."""
    plain = []
    for m in messages or []:
        content = m.get("content")
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        plain.append({"role": m["role"], "content": content or ""})
    return plain
