"""The answer chain: rewrite follow-ups, retrieve, gate, generate, verify citations, flag
conflicts. Composed from LangChain runnables; one `Answer` object comes out."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableLambda

from index.normalize import tokens
from qa.citations import find_conflicts, misquoted, split_cited, verify_citations
from qa.context import compact_passages
from qa.errors import BadInputError, ModelUnavailableError, QAError
from qa.extractive import extract_answer
from qa.generators import model_name
from qa.models import REFUSAL_MESSAGE, Answer, ChatTurn, Citation, RetrievedPassage
from qa.prompts import NOT_IN_ARTICLES, build_answer_messages, build_rewrite_messages
from qa.retriever import HybridRetriever
from qa.settings import Settings

MAX_QUESTION_CHARS = 2000

_FOLLOW_UP_WORDS = frozenset(
    [
        "it",
        "its",
        "they",
        "them",
        "their",
        "theirs",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "that",
        "this",
        "those",
        "these",
        "there",
        "also",
        "same",
        "other",
    ]
)
_FOLLOW_UP_START = re.compile(r"^\s*(and|but|so|also|what about|how about|then)\b", re.I)
_REFUSAL_PHRASES = re.compile(
    r"not in (the )?articles|(do|does|did) not (contain|provide|mention|include|say|specify)"
    r"|no information|cannot (be )?(answer|determine|find)|can't (answer|determine)"
    r"|not (mentioned|specified|provided|stated|available)|i don't know|unknown",
    re.I,
)
_DISAGREEMENT = re.compile(r"disagree|conflict|differ|inconsistent|while another|whereas", re.I)


def validate_question(question: str) -> str:
    """The question stripped, or a `BadInputError` saying what is wrong with it."""
    if not isinstance(question, str) or not question.strip():
        raise BadInputError("the question is empty: ask something about the articles")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadInputError(
            f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}"
        )
    return question.strip()


def is_follow_up(question: str, history: Sequence[ChatTurn]) -> bool:
    """True when the question leans on the conversation (pronouns, "and ...", very short)."""
    if not any(t.role == "user" for t in history):
        return False
    words = tokens(question, drop_stopwords=False)
    return (
        bool(_FOLLOW_UP_START.match(question))
        or any(w in _FOLLOW_UP_WORDS for w in words)
        or len(tokens(question)) < 3
    )


def heuristic_rewrite(question: str, history: Sequence[ChatTurn]) -> str:
    """Name what a follow-up refers to by adding the last user question's proper names."""
    last = next((t.content for t in reversed(history) if t.role == "user"), "")
    have = {w.lower() for w in re.findall(r"\w+", question)}
    names = [
        w
        for w in dict.fromkeys(re.findall(r"\b[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*", last))
        if w.lower() not in have and w.split()[0].lower() not in _QUESTION_WORDS
    ]
    return f"{question} ({', '.join(names)})" if names else f"{question} ({last})"


_QUESTION_WORDS = frozenset(
    [
        "what",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "which",
        "did",
        "does",
        "do",
        "is",
        "are",
        "and",
    ]
)


def evaluate_fixed_opening(chat_model: Any) -> None:
    """Have the chat model evaluate the answer prompt's fixed opening (instructions and worked
    examples) and keep it cached, generating one token."""
    chat_model.invoke(build_answer_messages("", []), max_tokens=1)


class AnswerChain:
    """Turns a question (and prior turns) into an `Answer` with verified citations.

    Args:
        retriever: the hybrid retriever.
        chat_model: a LangChain chat model, or None for the extractive backend.
        settings: thresholds and sizes (k, min_relevance, backend name).
    """

    def __init__(
        self, retriever: HybridRetriever, chat_model: BaseChatModel | None, settings: Settings
    ) -> None:
        self.retriever = retriever
        self.chat_model = chat_model
        self.settings = settings
        self.embed = retriever.store.embedder.encode_documents
        self.backend = "extractive" if chat_model is None else settings.backend
        self.model = "none" if chat_model is None else model_name(chat_model)
        self._answer: Runnable[Any, Any] | None = None
        self._rewrite: Runnable[Any, str] | None = None
        if chat_model is not None:
            self._answer = (
                RunnableLambda(lambda x: build_answer_messages(x["question"], x["passages"]))
                | chat_model
            )
            self._rewrite = (
                RunnableLambda(lambda x: build_rewrite_messages(x["question"], x["history"]))
                | chat_model
                | StrOutputParser()
            )

    def warm_up(self) -> None:
        """Evaluate the answer prompt's fixed opening (instructions and worked examples) once,
        so that the first question does not wait for it; llama.cpp keeps it evaluated."""
        if self.chat_model is not None and self.backend == "local":
            evaluate_fixed_opening(self.chat_model)

    def as_runnable(self) -> Runnable[dict[str, Any], Answer]:
        """The whole chain as one runnable taking {"question", "history"?, "k"?}."""
        return RunnableLambda(
            lambda x: self.ask(x["question"], history=x.get("history", []), k=x.get("k"))
        )

    def ask(self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None) -> Answer:
        """Answer `question`; see `stream` for the steps."""
        final: Answer | None = None
        for event in self._run(question, history, k, stream=False):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def stream(
        self, question: str, history: Sequence[ChatTurn] = (), k: int | None = None
    ) -> Iterator[str | Answer]:
        """Yield answer text deltas as they are generated, then the final `Answer`."""
        yield from self._run(question, history, k, stream=True)

    def _run(
        self, question: str, history: Sequence[ChatTurn], k: int | None, *, stream: bool
    ) -> Iterator[str | Answer]:
        """The steps, yielding text deltas (one whole text unless `stream`) then the `Answer`.

        Steps: rewrite a follow-up into a standalone question; retrieve; refuse without
        calling any generator when nothing relevant enough was found; generate (or extract)
        an answer citing `[n]`; verify each citation against its sentence; flag conflicts.
        """
        started = time.perf_counter()
        question = validate_question(question)
        history = list(history)
        timings: dict[str, float] = {}
        usage = {"prompt": 0, "cached": 0, "completion": 0}

        t = time.perf_counter()
        standalone = self._standalone(question, history, usage)
        timings["rewrite"] = _ms(t)

        t = time.perf_counter()
        passages = self.retriever.retrieve(standalone, k=k)
        timings["retrieve"] = _ms(t)

        def finish(text: str, refused: bool, citations: list[Citation], conflict: bool) -> Answer:
            timings["total"] = _ms(started)
            return Answer(
                question=question,
                standalone_question=standalone,
                answer=REFUSAL_MESSAGE if refused else text,
                refused=refused,
                conflict=conflict and not refused,
                citations=[] if refused else citations,
                retrieved=_numbered(passages),
                backend=self.backend,
                model=self.model,
                timings_ms={key: round(v, 1) for key, v in timings.items()},
                prompt_tokens=usage["prompt"],
                cached_prompt_tokens=usage["cached"],
                completion_tokens=usage["completion"],
            )

        top = max((p.dense_score for p in passages), default=0.0)
        if top < self.settings.min_relevance:
            yield finish("", True, [], False)
            return

        t = time.perf_counter()
        if self._answer is None:
            extract = extract_answer(standalone, passages, self.embed)
            raw = extract.text if extract else NOT_IN_ARTICLES
            if extract:
                yield raw
        else:
            pieces: list[str] = []
            context = compact_passages(
                standalone, passages, self.embed, keep_ratio=self.settings.context_keep_ratio
            )
            inputs = {"question": standalone, "passages": context}
            try:
                # A non-streamed call always reports usage; some servers omit it in streams.
                chunks = self._answer.stream(inputs) if stream else [self._answer.invoke(inputs)]
                for chunk in chunks:
                    delta = chunk.content if isinstance(chunk.content, str) else ""
                    if delta:
                        pieces.append(delta)
                        yield delta
                    counts = getattr(chunk, "usage_metadata", None) or {}
                    usage["prompt"] += counts.get("input_tokens", 0)
                    usage["cached"] += counts.get("input_token_details", {}).get("cache_read", 0)
                    usage["completion"] += counts.get("output_tokens", 0)
            except QAError:
                raise
            except Exception as exc:
                raise ModelUnavailableError(
                    f"the {self.backend} generator failed ({type(exc).__name__}: {exc});"
                    " check the model installation (`make install`) or QA_OPENAI_BASE_URL"
                ) from exc
            raw = "".join(pieces).strip()
        timings["generate"] = _ms(t)

        t = time.perf_counter()
        if NOT_IN_ARTICLES.lower() in raw.lower() or not raw:
            timings["verify"] = _ms(t)
            yield finish("", True, [], False)
            return
        checked = verify_citations(raw, passages, self.embed)
        garbled = misquoted(raw, passages) if not checked.citations else set()
        if garbled and self._answer is not None:
            # The model read the right passage but garbled a figure (a small model "fixes"
            # "70 870 million" into "$70.87 billion"): quote that passage's own sentence.
            quoted = extract_answer(standalone, passages, self.embed, only=garbled)
            if quoted is not None:
                checked = verify_citations(quoted.text, passages, self.embed)
        if not checked.citations:
            # Nothing in the context backs the answer: say so instead of passing it on.
            timings["verify"] = _ms(t)
            yield finish("", True, [], False)
            return
        text, citations = checked.text, checked.citations
        conflict = bool(_DISAGREEMENT.search(text)) and len({c.source for c in citations}) > 1
        if not conflict:
            plain = " ".join(s.text for s in split_cited(text))
            found = find_conflicts(plain, [c.n for c in citations], passages, self.embed)
            if found:
                conflict = True
                text, citations = _add_conflict_note(text, citations, found, passages)
        if _REFUSAL_PHRASES.search(text) and len(tokens(text)) < 8:
            timings["verify"] = _ms(t)
            yield finish("", True, [], False)
            return
        timings["verify"] = _ms(t)
        yield finish(text, False, citations, conflict)

    def _standalone(self, question: str, history: list[ChatTurn], usage: dict[str, int]) -> str:
        if not is_follow_up(question, history):
            return question
        if self._rewrite is None:
            return heuristic_rewrite(question, history)
        try:
            rewritten = self._rewrite.invoke({"question": question, "history": history})
        except Exception:
            return heuristic_rewrite(question, history)
        rewritten = re.sub(
            r"^(standalone question|question)\s*:\s*", "", rewritten.strip(), flags=re.I
        )
        rewritten = rewritten.strip().strip('"').strip()
        # A small model sometimes answers instead of rewriting: keep only real rewrites.
        kept = set(tokens(question)) <= set(tokens(rewritten)) or rewritten.endswith("?")
        if not rewritten or len(rewritten) > 400 or not kept:
            return heuristic_rewrite(question, history)
        return rewritten


def _add_conflict_note(
    text: str,
    citations: list[Citation],
    conflicts: Sequence[Any],
    passages: Sequence[RetrievedPassage],
) -> tuple[str, list[Citation]]:
    """Append a sentence naming the disagreement, citing both sides."""
    c = conflicts[0]
    a, b = passages[c.first - 1], passages[c.second - 1]
    note = (
        f" The sources disagree here: {a.source} says {_terms(c.first_terms)} [{c.first}],"
        f" while {b.source} says {_terms(c.second_terms)} [{c.second}]."
    )
    have = {x.n for x in citations}
    extra = [
        Citation(n=n, source=p.source, start=p.start, end=p.end, text=p.text, score=0.0)
        for n, p in ((c.first, a), (c.second, b))
        if n not in have
    ]
    return text + note, sorted(citations + extra, key=lambda x: x.n)


def _terms(terms: Sequence[str]) -> str:
    return " and ".join(t.upper() if len(t) <= 3 and t.isalpha() else t for t in terms)


def _numbered(passages: Sequence[RetrievedPassage]) -> list[Citation]:
    return [
        Citation(
            n=n,
            source=p.source,
            start=p.start,
            end=p.end,
            text=p.text,
            score=round(p.dense_score, 4),
        )
        for n, p in enumerate(passages, start=1)
    ]


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000.0
