"""The chat UI (Gradio 6). Thin: its handlers only call the pipeline and format what comes back.

The conversation streams; each answer lists its numbered sources, and picking one shows the
article with the cited span highlighted; selecting an earlier answer in the chat shows its
sources. Answers are kept (by chat message index) in a `gr.State`, so follow-ups get the
earlier turns and thumbs up/down know what they rate. The Articles panel (ui/articles.py)
uploads, lists and removes articles; a picker restricts a question to some of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import gradio as gr
from gradio.helpers import Examples

from qa.errors import BusyError, QAError
from qa.serving import Feedback, FeedbackStore, QAPipeline
from qa.serving.admission import Admission
from qa.serving.articles import ArticleLibrary
from qa.types import MAX_QUESTION_CHARS, Answer, Citation, Draft, Queued, Verified
from ui.articles import ArticleHandlers
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

_THUMBS = ("Like", "Dislike")


def _hide_thumbs() -> Any:
    """No thumbs while an answer is generated (they would rate an unfinished answer)."""
    return gr.update(feedback_options=())


def _show_thumbs() -> Any:
    """Thumbs again once the answer is complete."""
    return gr.update(feedback_options=_THUMBS)


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
        self,
        message: str,
        messages: list[dict[str, Any]],
        answers: Answers,
        scope: list[str] | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the answer into the chat: (box, chat, answers, shown answer, sources,
        article, details); `scope` restricts it to some articles or version groups.

        The history is the chat `messages` the caller sends (a `gradio_client` caller's
        included); answers kept from earlier calls count only where they still match them.
        An empty box or a full queue shows a notice and changes nothing.
        """
        question = (message or "").strip()
        if not question:
            gr.Warning("Type a question about the articles first.")
            yield (gr.skip(),) * 7
            return
        plain = plain_messages(messages)
        answers = _matching(answers, plain)
        try:
            ticket = self.admission.reserve()
        except BusyError as exc:
            gr.Warning(str(exc))
            yield (gr.skip(),) * 7
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
        shown = gr.update()
        try:
            for item in ticket.run(
                lambda: self.pipeline.stream(question, history, sources=scope or None)
            ):
                if isinstance(item, Answer):
                    messages[index]["content"] = format_answer(item)
                    answers = {**answers, str(index): item.model_dump()}
                    picked, viewer = self._sources_of(item.citations)
                    yield "", messages, answers, str(index), picked, viewer, format_timings(item)
                    continue
                if isinstance(item, Verified):
                    text += item.text
                    messages[index]["content"] = text
                elif isinstance(item, Draft) and not text:
                    # Drafts are not shown: only checked text is, so nothing is taken back.
                    messages[index]["content"] = CHECKING
                elif isinstance(item, Queued):
                    messages[index]["content"] = queued_message(item.position)
                else:
                    continue
                yield "", messages, answers, shown, no_source, VIEWER_HINT, ""
        except QAError as exc:
            raise gr.Error(str(exc)) from exc

    def _sources_of(self, citations: list[Citation]) -> tuple[Any, str]:
        """The sources picker and the article viewer for an answer's citations."""
        if not citations:
            return gr.update(choices=[], value=None), VIEWER_HINT
        return gr.update(choices=source_choices(citations), value=0), self.viewer(citations[0])

    def pick_answer(self, answers: Answers, data: gr.SelectData) -> tuple[Any, ...]:
        """Show the sources of the answer selected in the chat: (shown answer, sources,
        article); anything that is not an answer changes nothing."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        answer = answers.get(str(index))
        if answer is None:
            return gr.update(), gr.update(), gr.update()
        picked, viewer = self._sources_of([Citation(**c) for c in answer["citations"]])
        return str(index), picked, viewer

    def viewer(self, citation: Citation) -> str:
        """The cited article (titled, with its file name) with the cited span highlighted."""
        c = citation
        try:
            text = self.pipeline.source_text(c.source)
        except QAError as exc:  # removed from the library since it was cited
            return f'<p class="qa-hint">{c.label}: {exc}</p>'
        return highlight_html(c.label, text, c.start, c.end, c.n)

    def show_source(self, choice: int | None, answers: Answers, shown: str | None = None) -> str:
        """The article of the picked source of the shown answer (the last one by default)."""
        if choice is None or not answers:
            return VIEWER_HINT
        answer = answers.get(shown or "") or answers[max(answers, key=int)]
        citations = [Citation(**c) for c in answer["citations"]]
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
        return {}, None, gr.update(choices=[], value=None), VIEWER_HINT, ""


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
    shown: gr.State
    chatbot: gr.Chatbot
    box: gr.Textbox
    send: gr.Button
    scope: gr.Dropdown
    sample: Examples
    picked: gr.Radio
    viewer: gr.HTML
    timings: gr.Markdown


@dataclass
class _ArticleComponents:
    files: gr.File
    upload: gr.Button
    key: gr.Textbox | None
    status: gr.Markdown
    table: gr.Dataframe
    remove_name: gr.Dropdown
    remove: gr.Button


def build_ui(
    pipeline: QAPipeline,
    feedback_store: FeedbackStore,
    examples: Sequence[str] = DEFAULT_EXAMPLES,
    admission: Admission | None = None,
) -> gr.Blocks:
    """The chat UI over a pipeline (`qa.pipeline.Pipeline` or anything with its interface).

    Args:
        pipeline: answers questions (`stream`) and reads sources (`source_text`); with
            `add_article`/`remove_article` (the real pipeline) the Articles panel is shown.
        feedback_store: where thumbs up/down go.
        examples: questions offered as clickable examples.
        admission: the queue shared with the other doors (default: the UI's own).
    """
    handlers = ChatHandlers(pipeline, feedback_store, admission)
    library = pipeline if hasattr(pipeline, "add_article") else None
    with gr.Blocks(title="News Q&A", analytics_enabled=False) as blocks:
        components = _layout(examples)
        _wire(components, handlers)
        if library is not None:
            articles = ArticleHandlers(cast(ArticleLibrary, library), pipeline.settings.api_key)
            panel = _articles_layout(needs_key=pipeline.settings.api_key is not None)
            _wire_articles(panel, articles, components.scope, blocks)
    return blocks


def _layout(examples: Sequence[str]) -> _Components:
    """The page: chat and question box on the left, sources and article on the right."""
    answers = gr.State({})
    shown = gr.State(None)
    gr.Markdown(
        "## News Q&A\nAnswers come only from the indexed news articles, with numbered "
        "sources. Questions the articles cannot answer are declined."
    )
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            gr.Markdown("**Conversation** · select an answer to see its sources")
            chatbot = gr.Chatbot(
                label="Conversation",
                # The floating label covered the first message once the chat scrolled.
                show_label=False,
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
            scope = gr.Dropdown(
                label="Ask within (empty: all articles)",
                choices=[],
                value=[],
                multiselect=True,
                elem_id="qa-scope",
            )
            sample = gr.Examples(examples=[[q] for q in examples], inputs=[box], label="Examples")
        with gr.Column(scale=2):
            picked = gr.Radio(label="Sources of the answer", choices=[], elem_id="qa-sources")
            viewer = gr.HTML(
                VIEWER_HINT, label="Article", elem_id="qa-viewer", js_on_load=SCROLL_TO_MARK
            )
            with gr.Accordion("Details: timing and retrieval", open=False):
                timings = gr.Markdown(label="Details", elem_id="qa-timings")
    return _Components(answers, shown, chatbot, box, send, scope, sample, picked, viewer, timings)


def _articles_layout(needs_key: bool) -> _ArticleComponents:
    """The Articles panel: upload, the table of articles, remove."""
    with gr.Accordion("Articles", open=False, elem_id="qa-articles"):
        with gr.Row():
            files = gr.File(
                label="Add or replace articles (.txt, .md, .html)",
                file_types=[".txt", ".md", ".html", ".htm"],
                file_count="multiple",
                elem_id="qa-upload-files",
                scale=3,
            )
            with gr.Column(scale=1):
                key = (
                    gr.Textbox(label="API key", type="password", elem_id="qa-article-key")
                    if needs_key
                    else None
                )
                upload = gr.Button("Upload", variant="primary", elem_id="qa-upload")
                remove_name = gr.Dropdown(label="Article", choices=[], elem_id="qa-remove-name")
                remove = gr.Button("Remove", variant="stop", elem_id="qa-remove")
        status = gr.Markdown(elem_id="qa-article-status")
        table = gr.Dataframe(
            headers=["name", "title", "byline", "date", "passages", "version group", "indexed"],
            interactive=False,
            wrap=True,
            elem_id="qa-article-table",
        )
    return _ArticleComponents(files, upload, key, status, table, remove_name, remove)


def _wire(c: _Components, handlers: ChatHandlers) -> None:
    """The events: ask (the one public API endpoint, `/ask`), pick an answer or a source,
    rate, clear."""
    outputs = [c.box, c.chatbot, c.answers, c.shown, c.picked, c.viewer, c.timings]
    inputs = [c.box, c.chatbot, c.answers, c.scope]
    private: dict[str, Any] = {"api_visibility": "private", "queue": False}
    gr.on([c.box.submit, c.send.click], _hide_thumbs, None, c.chatbot, **private).then(
        handlers.ask,
        inputs,
        outputs,
        api_name="ask",
        # No Gradio queue limit: the admission queue shared by every door bounds the load
        # and shows the place in line; Gradio's own would queue invisibly in front of it.
        concurrency_limit=None,
    ).then(_show_thumbs, None, c.chatbot, **private)
    c.sample.load_input_event.then(_hide_thumbs, None, c.chatbot, **private).then(
        handlers.ask, inputs, outputs, api_visibility="private", concurrency_limit=None
    ).then(_show_thumbs, None, c.chatbot, **private)
    c.picked.input(
        handlers.show_source, [c.picked, c.answers, c.shown], c.viewer, api_visibility="private"
    )
    c.chatbot.select(
        handlers.pick_answer, [c.answers], [c.shown, c.picked, c.viewer], api_visibility="private"
    )
    c.chatbot.like(handlers.rate, [c.answers], None, api_visibility="private")
    # Clearing the chat starts a new conversation: no history, no sources.
    c.chatbot.clear(
        handlers.clear,
        None,
        [c.answers, c.shown, c.picked, c.viewer, c.timings],
        api_visibility="private",
    )


def _wire_articles(
    p: _ArticleComponents, handlers: ArticleHandlers, scope: gr.Dropdown, blocks: gr.Blocks
) -> None:
    """The Articles panel's events: list on load, upload, remove."""
    listing = [p.table, p.remove_name, scope]
    keys = [p.key] if p.key is not None else []
    blocks.load(handlers.listing, None, listing, api_visibility="private")
    p.upload.click(
        handlers.upload,
        [p.files, *keys],
        [p.status, *listing, p.files],
        api_visibility="private",
    )
    p.remove.click(
        handlers.remove,
        [p.remove_name, *keys],
        [p.status, *listing],
        api_visibility="private",
    )
