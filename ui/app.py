"""The chat UI (Gradio 6). Thin: its handlers only call the pipeline and format what comes back.

The conversation streams; each answer lists its numbered sources, and picking one shows the
article with the cited span highlighted. Answers are kept (by chat message index) in a
`gr.State`, so follow-ups get the earlier turns and thumbs up/down know what they rate.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.helpers import Examples

from qa.errors import BusyError, QAError
from qa.serving import Feedback, FeedbackStore, QAPipeline
from qa.serving.admission import Admission
from qa.types import MAX_QUESTION_CHARS, Answer, Citation, Draft, Queued, Verified
from ui.format import (
    CHECKING,
    DEFAULT_EXAMPLES,
    SCROLL_TO_MARK,
    VIEWER_HINT,
    conversation_turns,
    format_answer,
    format_timings,
    highlight_html,
    plain_messages,
    queued_message,
    source_choices,
)

__all__ = ["ChatHandlers", "build_ui"]

Answers = dict[str, dict[str, Any]]
"""The answers of a conversation (`Answer.model_dump()`), by chat message index."""


class ChatHandlers:
    """The UI's event handlers over a pipeline and a feedback store."""

    def __init__(
        self,
        pipeline: QAPipeline,
        feedback_store: FeedbackStore,
        admission: Admission | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.feedback_store = feedback_store
        self.admission = admission or Admission(pipeline.settings.max_queue)

    def ask(
        self, message: str, messages: list[dict[str, Any]], answers: Answers
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the answer into the chat: (box, chat, answers, sources, article, details).

        The history is the chat `messages` the caller sends (a `gradio_client` caller's
        included); answers kept from earlier calls count only where they still match them.
        An empty box or a full queue shows a notice and changes nothing.
        """
        question = (message or "").strip()
        if not question:
            gr.Warning("Type a question about the articles first.")
            yield (gr.skip(),) * 6
            return
        plain = plain_messages(messages)
        answers = _matching(answers, plain)
        try:
            ticket = self.admission.reserve()
        except BusyError as exc:
            gr.Warning(str(exc))
            yield (gr.skip(),) * 6
            return
        history = conversation_turns(plain)
        messages = [
            *plain,
            {"role": "user", "content": question},
            {"role": "assistant", "content": ""},
        ]
        index = len(messages) - 1
        no_source = gr.update(choices=[], value=None)
        text = ""
        try:
            for item in ticket.run(lambda: self.pipeline.stream(question, history)):
                if isinstance(item, Answer):
                    messages[index]["content"] = format_answer(item)
                    answers = {**answers, str(index): item.model_dump()}
                    if item.citations:
                        viewer = self.viewer(item.citations[0])
                        picked = gr.update(choices=source_choices(item.citations), value=0)
                    else:
                        viewer, picked = VIEWER_HINT, no_source
                    yield "", messages, answers, picked, viewer, format_timings(item)
                elif isinstance(item, Verified):
                    text += item.text
                    messages[index]["content"] = text
                    yield "", messages, answers, no_source, VIEWER_HINT, ""
                elif isinstance(item, Draft) and not text:
                    # Drafts are not shown: only checked text is, so nothing is taken back.
                    messages[index]["content"] = CHECKING
                    yield "", messages, answers, no_source, VIEWER_HINT, ""
                elif isinstance(item, Queued):
                    messages[index]["content"] = queued_message(item.position)
                    yield "", messages, answers, no_source, VIEWER_HINT, ""
        except QAError as exc:
            raise gr.Error(str(exc)) from exc

    def viewer(self, citation: Citation) -> str:
        """The cited article with the cited span highlighted."""
        c = citation
        return highlight_html(c.source, self.pipeline.source_text(c.source), c.start, c.end, c.n)

    def show_source(self, choice: int | None, answers: Answers) -> str:
        """The article of the picked source of the last answer."""
        if choice is None or not answers:
            return VIEWER_HINT
        last = answers[max(answers, key=int)]
        citations = [Citation(**c) for c in last["citations"]]
        if not 0 <= choice < len(citations):
            return VIEWER_HINT
        return self.viewer(citations[choice])

    def rate(self, answers: Answers, data: gr.LikeData) -> None:
        """Store a thumbs up or down on the answer it was given to."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        answer = answers.get(str(index))
        if answer is None or data.liked not in (True, False):
            return
        self.feedback_store.record(
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

    @staticmethod
    def clear() -> tuple[Any, ...]:
        """A new conversation: no history, no sources, no details."""
        return {}, gr.update(choices=[], value=None), VIEWER_HINT, ""


def _matching(answers: Answers, messages: list[dict[str, Any]]) -> Answers:
    """The kept answers whose chat message is still the one at their index."""
    kept = {}
    for key, value in (answers or {}).items():
        i = int(key)
        if i < len(messages) and messages[i]["content"] == format_answer(Answer(**value)):
            kept[key] = value
    return kept


@dataclass
class _Components:
    answers: gr.State
    chatbot: gr.Chatbot
    box: gr.Textbox
    send: gr.Button
    sample: Examples
    picked: gr.Radio
    viewer: gr.HTML
    timings: gr.Markdown


def build_ui(
    pipeline: QAPipeline,
    feedback_store: FeedbackStore,
    examples: Sequence[str] = DEFAULT_EXAMPLES,
    admission: Admission | None = None,
) -> gr.Blocks:
    """The chat UI over a pipeline (`qa.pipeline.Pipeline` or anything with its interface).

    Args:
        pipeline: answers questions (`stream`) and reads sources (`source_text`).
        feedback_store: where thumbs up/down go.
        examples: questions offered as clickable examples.
        admission: the queue shared with the other doors (default: the UI's own).
    """
    handlers = ChatHandlers(pipeline, feedback_store, admission)
    with gr.Blocks(title="News Q&A", analytics_enabled=False) as blocks:
        _wire(_layout(examples), handlers)
    return blocks


def _layout(examples: Sequence[str]) -> _Components:
    """The page: chat and question box on the left, sources and article on the right."""
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
                    max_length=MAX_QUESTION_CHARS,
                    scale=5,
                    elem_id="qa-question",
                    autofocus=True,
                )
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
            sample = gr.Examples(examples=[[q] for q in examples], inputs=[box], label="Examples")
        with gr.Column(scale=2):
            picked = gr.Radio(label="Sources of the last answer", choices=[], elem_id="qa-sources")
            viewer = gr.HTML(
                VIEWER_HINT, label="Article", elem_id="qa-viewer", js_on_load=SCROLL_TO_MARK
            )
            with gr.Accordion("Details: timing and retrieval", open=False):
                timings = gr.Markdown(label="Details", elem_id="qa-timings")
    return _Components(answers, chatbot, box, send, sample, picked, viewer, timings)


def _wire(c: _Components, handlers: ChatHandlers) -> None:
    """The events: ask (the one public API endpoint, `/ask`), pick a source, rate, clear."""
    outputs = [c.box, c.chatbot, c.answers, c.picked, c.viewer, c.timings]
    inputs = [c.box, c.chatbot, c.answers]
    gr.on(
        [c.box.submit, c.send.click],
        handlers.ask,
        inputs,
        outputs,
        api_name="ask",
        # No Gradio queue limit: the admission queue shared by every door bounds the load
        # and shows the place in line; Gradio's own would queue invisibly in front of it.
        concurrency_limit=None,
    )
    c.sample.load_input_event.then(
        handlers.ask, inputs, outputs, api_visibility="private", concurrency_limit=None
    )
    c.picked.input(handlers.show_source, [c.picked, c.answers], c.viewer, api_visibility="private")
    c.chatbot.like(handlers.rate, [c.answers], None, api_visibility="private")
    # Clearing the chat starts a new conversation: no history, no sources.
    c.chatbot.clear(
        handlers.clear,
        None,
        [c.answers, c.picked, c.viewer, c.timings],
        api_visibility="private",
    )
