"""The answer chain: standalone question → retrieve → gate → generate → check → answer.

One `Answer` object comes out of every question; `stream` also yields the text as it is
generated. The chain is given what it needs (a retriever, a chat model or None for the
extractive backend, the embedding function and thresholds), never the whole settings.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Generator, Iterator, Sequence
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableLambda

from qa.answer.check import CheckedAnswer, check_answer, says_not_known
from qa.answer.context import (
    compact_passages,
    covers_question,
    focus_passages,
    is_asked_header,
    passage_sentences,
)
from qa.answer.extractive import extract_answer
from qa.answer.followups import (
    clean_rewrite,
    elliptical_rewrite,
    heuristic_rewrite,
    is_follow_up,
    standalone_question,
)
from qa.answer.grounding import entity_found
from qa.answer.instructions import strip_instructions
from qa.answer.prompts import (
    NOT_IN_ARTICLES,
    build_answer_messages,
    build_choice_messages,
    build_judge_messages,
    build_rewrite_messages,
    finds_nothing,
    judged_yes,
)
from qa.errors import ModelUnavailableError, QAError
from qa.llm.factory import model_name
from qa.llm.usage import TokenUsage
from qa.types import (
    REFUSAL_MESSAGE,
    Answer,
    ChatTurn,
    Citation,
    Draft,
    Embed,
    RetrievedPassage,
    StreamEvent,
    Verified,
    validate_question,
)

__all__ = ["AnswerChain", "Retriever", "evaluate_fixed_opening"]

logger = logging.getLogger(__name__)


class Retriever(Protocol):
    """What the chain needs of a retriever (`qa.retrieval.HybridRetriever`)."""

    def retrieve(self, query: str, k: int | None = None) -> list[RetrievedPassage]: ...


def evaluate_fixed_opening(chat_model: Any, *, judge: bool = False, choose: bool = False) -> None:
    """Have the chat model evaluate the answer prompt's fixed opening (instructions and worked
    examples), with `judge` the yes/no check's instructions and with `choose` the name
    choice's, and keep them cached, generating one token each.

    `chat_model` must accept a `max_tokens` call option (`ChatLlamaCpp` does).
    """
    chat_model.invoke(build_answer_messages("", []), max_tokens=1)
    if judge:
        chat_model.invoke(build_judge_messages("", "", ""), max_tokens=1)
    if choose:
        chat_model.invoke(build_choice_messages("", "", []), max_tokens=1)


def _may_be_marker(text: str) -> bool:
    """True while `text` is (the start of) the model's "no answer" marker."""
    said = text.strip().lower()
    return NOT_IN_ARTICLES.lower().startswith(said) or said.startswith(NOT_IN_ARTICLES.lower())


class _StageTimer:
    """Wall time of each step, in ms, in the order the steps ran."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.ms: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = (time.perf_counter() - began) * 1000.0

    def rounded(self) -> dict[str, float]:
        """The stages and the `total` so far, rounded to 0.1 ms."""
        self.ms["total"] = (time.perf_counter() - self.started) * 1000.0
        return {name: round(ms, 1) for name, ms in self.ms.items()}


class AnswerChain:
    """Turns a question (and prior turns) into an `Answer` with verified citations.

    Args:
        retriever: finds the passages for a standalone question.
        chat_model: a LangChain chat model, or None for the extractive backend.
        embed: the embedding function (for compaction, extraction and the check).
        backend: the backend's name in answers (`local`, `openai`); `extractive` without a
            chat model.
        min_relevance: below this best dense similarity (cosine, -1 to 1) the chain refuses
            without calling any generator.
        context_keep_ratio: context compaction's threshold (0 keeps whole passages).
        judge: ask the chat model a yes/no question about each claim naming several
            entities (a list, who did what to whom) before keeping it.
        choose: when a claim answers a who/which question with one of several names its
            cited sentences give, ask the chat model which of them the sentences answer
            with; another pick repairs the claim to that name.
        retry_focused: when the model finds no answer in the context, the check keeps none
            of it, or it lacks the asked time or amount, ask once more with only the
            context's most relevant sentences (`focus_passages`); its answer goes through
            the same check.
        quote_fallback: when no generated answer passes the check, quote the context's
            sentence that holds every content word of the question, if it passes the check.
    """

    def __init__(
        self,
        retriever: Retriever,
        chat_model: BaseChatModel | None,
        *,
        embed: Embed,
        backend: str,
        min_relevance: float,
        context_keep_ratio: float,
        judge: bool = False,
        choose: bool = True,
        retry_focused: bool = True,
        quote_fallback: bool = True,
    ) -> None:
        self.retriever = retriever
        self.quote_fallback = quote_fallback
        self.judge = judge
        self.choose = choose
        self.retry_focused = retry_focused
        self.chat_model = chat_model
        self.embed = embed
        self.min_relevance = min_relevance
        self.context_keep_ratio = context_keep_ratio
        self.backend = "extractive" if chat_model is None else backend
        self.model = "none" if chat_model is None else model_name(chat_model)

    def warm_up(self) -> None:
        """Evaluate the answer prompt's fixed opening (instructions and worked examples) once,
        so that the first question does not wait for it; llama.cpp keeps it evaluated."""
        if self.chat_model is not None and self.backend == "local":
            evaluate_fixed_opening(self.chat_model, judge=self.judge, choose=self.choose)

    def as_runnable(self) -> Runnable[dict[str, Any], Answer]:
        """The whole chain as one LangChain runnable taking {"question", "history"?, "k"?}."""
        return RunnableLambda(
            lambda x: self.ask(x["question"], history=x.get("history", []), k=x.get("k"))
        )

    def ask(self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None) -> Answer:
        """Answer `question` (with optional prior turns; `k` passages); see `stream`.

        Raises:
            BadInputError: the question is empty or too long.
            ModelUnavailableError: the generator failed.
        """
        final: Answer | None = None
        for event in self._run(question, history, k, stream=False):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def stream(
        self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None
    ) -> Iterator[StreamEvent]:
        """Yield `Draft` deltas as the text is generated, then the checked text as `Verified`
        (never taken back: the verified texts joined are the answer's text), then the `Answer`.

        Raises:
            BadInputError: the question is empty or too long (before anything is yielded).
            ModelUnavailableError: the generator failed (possibly after some deltas).
        """
        yield from self._run(question, history, k, stream=True)

    def _run(
        self, question: str, history: Sequence[ChatTurn], k: int | None, *, stream: bool
    ) -> Iterator[StreamEvent]:
        """Standalone question → retrieve → gate → generate → check → answer object."""
        timer = _StageTimer()
        question = validate_question(question)
        with timer.stage("rewrite"):
            standalone = self._standalone(strip_instructions(question), list(history))
        with timer.stage("retrieve"):
            passages = self.retriever.retrieve(standalone, k=k)
        checked: CheckedAnswer | None = None
        usage = TokenUsage()
        if self._relevant(passages, standalone):
            with timer.stage("generate"):
                context = self._context(standalone, passages)
                raw, usage = yield from self._generate(standalone, context, stream=stream)
            with timer.stage("verify"):
                checked = self._check(raw, standalone, passages)
            if self.chat_model is not None and (checked is None or not checked.complete):
                with timer.stage("retry"):
                    checked, more = yield from self._second_attempt(
                        standalone,
                        passages,
                        context,
                        checked,
                        shown=not finds_nothing(raw),
                        stream=stream,
                    )
                usage += more
        answer = self._answer(question, standalone, passages, checked, timer.rounded(), usage)
        yield Verified(answer.answer)
        yield answer

    def _standalone(self, question: str, history: list[ChatTurn]) -> str:
        """The question itself, or a follow-up rewritten to name what it refers to."""
        if self.chat_model is None or not is_follow_up(question, history):
            return standalone_question(question, history)
        if (same_about_another := elliptical_rewrite(question, history)) is not None:
            return same_about_another  # no model call: a small model may answer instead
        try:
            reply = self.chat_model.invoke(build_rewrite_messages(question, history))
        except Exception:
            logger.warning("rewriting a follow-up failed; naming the last question's subjects")
            logger.debug("rewrite failure", exc_info=True)
            return heuristic_rewrite(question, history)
        return clean_rewrite(reply.text, question, history)

    def _entails(self, question: str, claim: str, evidence: str) -> bool:
        """The chat model's yes/no verdict: does `evidence` state `claim`? (A failed call
        keeps the claim: the grounding check has passed it already.)"""
        reply = self._short_reply(
            build_judge_messages(question, claim, evidence), 2, "the yes/no check of a claim"
        )
        return True if reply is None else judged_yes(reply)

    def _choose(self, question: str, evidence: str, options: Sequence[str]) -> str | None:
        """The chat model's pick among `options` (names `evidence` gives) as the answer to
        `question`; None when its reply names none or several of them, or the call fails."""
        reply = self._short_reply(
            build_choice_messages(question, evidence, options), 16, "choosing among cited names"
        )
        picked = [o for o in options if reply is not None and entity_found(o, reply)]
        return picked[0] if len(picked) == 1 else None

    def _short_reply(self, messages: list[BaseMessage], max_tokens: int, what: str) -> str | None:
        """A check's short model call (at most `max_tokens` tokens): the reply's text, or None
        when the call fails (logged as `what` failing; the claim is then kept)."""
        assert self.chat_model is not None
        try:
            return self.chat_model.invoke(messages, max_tokens=max_tokens).text
        except Exception:
            logger.warning("%s failed; keeping the claim", what)
            logger.debug("%s failure", what, exc_info=True)
            return None

    def _relevant(self, passages: Sequence[RetrievedPassage], question: str) -> bool:
        """The gate: is anything retrieved close enough to the question to be worth a call?
        A question about the article's own lines passes when a passage holds that line
        (`is_asked_header`): "Where was the article datelined?" shares no meaning with it."""
        if max((p.dense_score for p in passages), default=0.0) >= self.min_relevance:
            return True
        return any(is_asked_header(s, question) for _, s in passage_sentences(passages))

    def _generate(
        self, question: str, context: Sequence[RetrievedPassage], *, stream: bool
    ) -> Generator[Draft, None, tuple[str, TokenUsage]]:
        """Yield the raw answer text as it comes; return it whole with the token usage.
        `context` is what the generator reads (see `_context`)."""
        if self.chat_model is None:
            extract = extract_answer(question, context, self.embed)
            if extract is None:
                return NOT_IN_ARTICLES, TokenUsage()
            yield Draft(extract.text)
            return extract.text, TokenUsage()
        return (yield from self._complete(build_answer_messages(question, context), stream))

    def _context(
        self, question: str, passages: Sequence[RetrievedPassage]
    ) -> Sequence[RetrievedPassage]:
        """The passages as the generator reads them: for the model, compacted to their
        relevant sentences; for the extractive backend, whole."""
        if self.chat_model is None:
            return passages
        return compact_passages(question, passages, self.embed, keep_ratio=self.context_keep_ratio)

    def _check(
        self, raw: str, question: str, passages: Sequence[RetrievedPassage], *, requote: bool = True
    ) -> CheckedAnswer | None:
        """`check_answer` of a raw text against the retrieved passages (None: refuse)."""
        return check_answer(
            raw,
            passages,
            self.embed,
            question=question,
            requote_garbled=requote and self.chat_model is not None,
            entails=self._entails if self.judge and self.chat_model else None,
            choose=self._choose if self.choose and self.chat_model else None,
        )

    def _second_attempt(
        self,
        question: str,
        passages: Sequence[RetrievedPassage],
        context: Sequence[RetrievedPassage],
        first: CheckedAnswer | None,
        *,
        shown: bool,
        stream: bool,
    ) -> Generator[Draft, None, tuple[CheckedAnswer | None, TokenUsage]]:
        """After the model finds no answer, the check keeps none of it, or it lacks the asked
        time or amount: one focused retry (`retry_focused`), then, with still nothing kept,
        the context's sentence that holds every word of the question, quoted
        (`quote_fallback`). Both go through the same check. Returns the better checked
        answer (a complete one over a partial one, the first on a tie) and the retry's
        token usage. `context` is what the first attempt read."""
        checked, usage = first, TokenUsage()
        if self.retry_focused:
            # A small model often misses an answer among distractors: one focused retry.
            focused = focus_passages(question, passages, self.embed)
            if [p.text for p in focused] != [p.text for p in context]:  # not the same prompt
                if shown:
                    yield Draft("\n\n")  # the drafts of a new attempt start on their own
                raw, usage = yield from self._complete(
                    build_answer_messages(question, focused), stream
                )
                again = self._check(raw, question, passages)
                if again is not None and (checked is None or again.complete):
                    checked = again
        if checked is None and self.quote_fallback:
            checked = self._quoted(question, passages)
        return checked, usage

    def _quoted(self, question: str, passages: Sequence[RetrievedPassage]) -> CheckedAnswer | None:
        """The context's best sentence for the question (`extract_answer`), quoted as the
        answer only when it holds every content word of the question (`covers_question`),
        or is the header line the question asks about (`is_asked_header`), does not itself
        say that something is not known (`says_not_known`), and passes the check; None
        otherwise."""
        extract = extract_answer(question, passages, self.embed, max_sentences=1)
        if extract is None:
            return None
        sentence = extract.text.rsplit(" [", 1)[0]
        if not (covers_question(sentence, question) or is_asked_header(sentence, question)):
            return None
        if says_not_known(sentence):
            return None  # "The report did not say when ..." holds no answer
        return self._check(extract.text, question, passages, requote=False)

    def _complete(
        self, messages: list[BaseMessage], stream: bool
    ) -> Generator[Draft, None, tuple[str, TokenUsage]]:
        """One model call: yield its text as `Draft`s; return it whole with the token usage.

        Text that may still become the model's "no answer" marker is held back, so a stream's
        drafts never show the marker that a focused retry then replaces.
        """
        pieces: list[str] = []
        usage = TokenUsage()
        shown = 0
        for message in self._call_model(messages, stream=stream):
            delta = message.content if isinstance(message.content, str) else ""
            if delta:
                pieces.append(delta)
                text = "".join(pieces)
                if not _may_be_marker(text):
                    yield Draft(text[shown:])
                    shown = len(text)
            usage += TokenUsage.of(message)
        text = "".join(pieces)
        if shown < len(text) and not (self.retry_focused and _may_be_marker(text)):
            yield Draft(text[shown:])
        return text.strip(), usage

    def _call_model(self, messages: list[BaseMessage], *, stream: bool) -> Iterator[BaseMessage]:
        """The model's reply: its chunks when streaming, else one message (a non-streamed call
        always reports usage; some servers omit it in streams).

        Raises:
            ModelUnavailableError: the model call failed (the cause is chained).
        """
        assert self.chat_model is not None
        try:
            if stream:
                yield from self.chat_model.stream(messages)
            else:
                yield self.chat_model.invoke(messages)
        except QAError:
            raise
        except Exception as exc:
            raise ModelUnavailableError(
                f"the {self.backend} generator failed ({type(exc).__name__}: {exc});"
                " check the model installation (`make install`) or QA_OPENAI_BASE_URL"
            ) from exc

    def _answer(
        self,
        question: str,
        standalone: str,
        passages: Sequence[RetrievedPassage],
        checked: CheckedAnswer | None,
        timings_ms: dict[str, float],
        usage: TokenUsage,
    ) -> Answer:
        """The answer object; a refusal when nothing passed the gate and the check."""
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=REFUSAL_MESSAGE if checked is None else checked.text,
            # An answer saying what the articles hold but not the asked fact is a refusal.
            refused=checked is None or not checked.complete,
            conflict=checked is not None and checked.conflict,
            citations=[] if checked is None else checked.citations,
            retrieved=[
                Citation.from_passage(n, p, p.dense_score) for n, p in enumerate(passages, start=1)
            ],
            backend=self.backend,
            model=self.model,
            timings_ms=timings_ms,
            prompt_tokens=usage.prompt,
            cached_prompt_tokens=usage.cached,
            completion_tokens=usage.completion,
        )
