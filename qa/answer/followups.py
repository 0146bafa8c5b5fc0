"""Follow-up questions: telling them apart, and making them standalone."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.normalize import STOPWORDS, tokens
from qa.answer.extractive import answer_type
from qa.answer.grounding import ROLE_WORDS, is_role, is_time
from qa.types import ChatTurn

__all__ = [
    "MAX_REWRITE_CHARS",
    "clean_rewrite",
    "elliptical_rewrite",
    "heuristic_rewrite",
    "is_follow_up",
    "pronoun_rewrite",
    "standalone_question",
]

MAX_REWRITE_CHARS = 400
"""A model's rewrite longer than this (in characters) is taken for an answer, not a question."""

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


def is_follow_up(question: str, history: Sequence[ChatTurn]) -> bool:
    """True when the question leans on the conversation ("and ...", very short, or a pronoun).

    A pronoun does not make a follow-up of a question that brings a named subject of its own
    the conversation never mentioned ("How many musicians will the Andes Philharmonic take
    on its tour?" after a question about Scale AI): its pronouns point at that subject.
    """
    if not any(t.role == "user" for t in history):
        return False
    if _FOLLOW_UP_START.match(question) or len(tokens(question)) < 3:
        return True
    if not any(w in _FOLLOW_UP_WORDS for w in tokens(question, drop_stopwords=False)):
        return False
    said = " ".join(t.content for t in history).lower()
    return not any(name.lower() not in said for name in _names(question))


_CAPITALISED = re.compile(r"\b[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*")
# Also names with an inner capital only ("xAI", "eBay").
_ANY_NAME = re.compile(r"\b[\w-]*[A-Z][\w-]*(?:\s+[\w-]*[A-Z][\w-]*)*")


def _names(text: str, pattern: re.Pattern[str] = _CAPITALISED) -> list[str]:
    """The capitalised names in `text` (with `_ANY_NAME`, also "xAI"), an opening question
    word left out ("Did Microsoft" -> Microsoft)."""
    found = []
    for name in pattern.findall(text):
        words = name.split()
        if words[0].lower() in _QUESTION_WORDS | _OPENING_WORDS:
            words = words[1:]
        if words:
            found.append(" ".join(words))
    return found


def _last_turn(history: Sequence[ChatTurn], role: str) -> str:
    """The text of the conversation's last turn by `role` ("user" or "assistant"), or ""."""
    return next((t.content for t in reversed(history) if t.role == role), "")


def _subjects(question: str) -> list[str]:
    """The names of a question that can be its subject: roles and times left out."""
    return [n for n in _names(question) if n.lower() not in ROLE_WORDS and not _is_time(n)]


def heuristic_rewrite(question: str, history: Sequence[ChatTurn]) -> str:
    """Name what a follow-up refers to by adding the last user question's proper names."""
    last = _last_turn(history, "user")
    have = {w.lower() for w in re.findall(r"\w+", question)}
    names = [w for w in dict.fromkeys(_names(last)) if w.lower() not in have]
    return f"{question} ({', '.join(names)})" if names else f"{question} ({last})"


# "And Microsoft?", "What about Labelbox's?": the last question again, about another name.
_ELLIPSIS = re.compile(
    r"^\s*(?i:and|but|what about|how about)\s+(?:the\s+)?"
    r"(?P<name>[\w&-]*[A-Z][\w.&-]*?(?:\s+[A-Z][\w.&-]*?){0,3})(?:['’]s)?\s*[?.!]?\s*$"
)
_PERIOD = re.compile(r"^(?i:q[1-4]|h[12]|fy\d*)$")  # "And Q3?" asks of a time, not a subject


def elliptical_rewrite(question: str, history: Sequence[ChatTurn]) -> str | None:
    """The standalone form of an elliptical follow-up that names only a new subject: the
    last full user question with its first name put in its place ("Did Microsoft comment
    on the report?", then "And xAI?" -> "Did xAI comment on the report?"; a further "And
    Google?" asks the same of Google). None for any other question, when the new name is a
    role ("And the CFO?") or a time ("And January?"), or when the last question names
    nothing to replace."""
    match = _ELLIPSIS.match(question)
    if match is None:
        return None
    new = match.group("name")
    if is_role(new) or _is_time(new):
        return None
    asked = [t.content for t in history if t.role == "user"]
    last = next((q for q in reversed(asked) if not _ELLIPSIS.match(q)), "")
    names = _subjects(last)
    if not names:
        return None
    return re.sub(rf"(?<!\w){re.escape(names[0])}(?!\w)", new, last, count=1)


def _is_time(name: str) -> bool:
    """A month, a day, a quarter ("January", "Friday", "Q3"): a time, not a subject."""
    return is_time(name) or bool(_PERIOD.match(name))


# Words that open a question without naming anything ("Has Meta ...", "Please tell ...").
_OPENING_WORDS = frozenset(
    [
        "has",
        "have",
        "had",
        "was",
        "were",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "in",
        "on",
        "at",
        "for",
        "so",
        "please",
        "tell",
        "list",
        "name",
        "according",
    ]
)

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


def standalone_question(question: str, history: Sequence[ChatTurn]) -> str:
    """The question itself, or a follow-up made standalone without a model
    (`elliptical_rewrite`, else `heuristic_rewrite`): what the extractive backend and
    calibration use."""
    if not is_follow_up(question, history):
        return question
    return elliptical_rewrite(question, history) or heuristic_rewrite(question, history)


def clean_rewrite(rewritten: str, question: str, history: Sequence[ChatTurn]) -> str:
    """The standalone question from a model's rewrite of a follow-up.

    A small model sometimes answers instead of rewriting, drops the question's words, asks
    another kind of question ("Did it respond?" -> "What did it respond?") or names nothing
    the pronoun stood for: such a reply (or an empty or over-long one)
    gives way to `pronoun_rewrite`, else `heuristic_rewrite`.
    """
    rewritten = re.sub(r"^(standalone question|question)\s*:\s*", "", rewritten.strip(), flags=re.I)
    rewritten = rewritten.strip().strip('"').strip()
    kept = set(tokens(question)) <= set(tokens(rewritten)) or rewritten.endswith("?")
    if (
        not rewritten
        or len(rewritten) > MAX_REWRITE_CHARS
        or not kept
        or _asks_otherwise(rewritten, question)
        or _names_nothing_new(rewritten, question)
    ):
        return pronoun_rewrite(question, history) or heuristic_rewrite(question, history)
    return rewritten


_OPENING = re.compile(r"^\W*(?:and|but|so|also|then)\b\W*", re.I)


def _asks_otherwise(rewritten: str, question: str) -> bool:
    """Does the rewrite ask for another kind of answer (`answer_type`) than the follow-up,
    whose kind is plain from its first words?"""
    wanted = answer_type(_OPENING.sub("", question))
    return wanted != "any" and answer_type(_OPENING.sub("", rewritten)) != wanted


def _names_nothing_new(rewritten: str, question: str) -> bool:
    """Does the rewrite of a follow-up that points back with a pronoun name nothing the
    follow-up does not ("Who at the company said the firm would ...?")?"""
    if not _pronouns(question):
        return False
    have = {n.lower() for n in _names(question, _ANY_NAME)}
    return all(n.lower() in have for n in _names(rewritten, _ANY_NAME))


# Pronouns a follow-up points back with: each one's person, and whether it is a possessive.
_PRONOUNS = {
    "it": ("it", False),
    "its": ("it", True),
    "he": ("he", False),
    "him": ("he", False),
    "his": ("he", True),
    "she": ("she", False),
    "they": ("they", False),
    "them": ("they", False),
    "their": ("they", True),
}
# "Is it true that ...", "it was reported": an impersonal "it" points back to nothing.
_PRONOUN = re.compile(
    rf"\b({'|'.join(_PRONOUNS)})\b(?!\s+(?:(?:is|was)\s+)?(?:true|false|possible|likely"
    r"|unlikely|clear|unclear|known|said|reported|announced|expected|rumou?red|the case)\b)",
    re.I,
)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_NAME_ONLY_WORDS = 4
_SHORT_REPLY_WORDS = 12


def _pronouns(question: str) -> set[str]:
    """The pronouns of a follow-up that point back: those before any name it gives ("Did
    Meta say it would ...?": that "it" is Meta)."""
    first = _names(question, _ANY_NAME)
    cut = question.find(first[0]) if first else len(question)
    return {m.group(1).lower() for m in _PRONOUN.finditer(question) if m.start() < cut}


def pronoun_rewrite(question: str, history: Sequence[ChatTurn]) -> str | None:
    """The follow-up with its pronoun replaced by what it points back to: the name the last
    reply gives ("Did it respond to a request for comment?" after "Which Elon Musk company
    ...?" / "xAI." -> "Did xAI respond to a request for comment?"; "they" takes every
    name), else the last question's first name ("About $150 million." names nothing).
    None when the follow-up has no such pronoun, pronouns of two kinds ("What does he
    expect it to ...?": which is which is not plain), or nothing is named."""
    found = _pronouns(question)
    if len({_PRONOUNS[p][0] for p in found}) != 1:
        return None
    last = _last_turn(history, "user")
    names = _reply_names(history) or _subjects(last)[:1]
    if not names:
        return None
    plural = _PRONOUNS[next(iter(found))][0] == "they"
    referent = " and ".join(dict.fromkeys(names)) if plural else names[0]

    def replace(m: re.Match[str]) -> str:
        if m.group(1).lower() not in found:
            return m.group(0)
        return f"{referent}'s" if _PRONOUNS[m.group(1).lower()][1] else referent

    return _PRONOUN.sub(replace, question)


def _reply_names(history: Sequence[ChatTurn]) -> list[str]:
    """The names a short last reply (at most 12 words) gives, in order. A reply that is a
    name ("xAI.", "The Federal Trade Commission [1].") is one; in a sentence, a capitalised
    first word counts unless it is a function word ("He said ...", "I could not ..."): a
    sentence's first word is capitalised whatever it is."""
    reply = _last_turn(history, "assistant")
    reply = _ARTICLE.sub("", re.sub(r"\[\d+\]", "", reply).strip()).rstrip(" .!?")
    words = reply.split()
    if words and len(words) <= _NAME_ONLY_WORDS and all(_ANY_NAME.fullmatch(w) for w in words):
        return [reply]
    if len(words) > _SHORT_REPLY_WORDS:
        return []  # a long reply names many things: the last question says which one
    last = _last_turn(history, "user")
    asked = {w.lower() for w in re.findall(r"\w+", last)}
    names = []
    for m in _ANY_NAME.finditer(reply):
        span = m.group(0).split()
        opens = m.start() == 0 or reply[: m.start()].rstrip().endswith((".", "!", "?"))
        if opens and span[0].lower() in STOPWORDS and span[0].lower() not in asked:
            span = span[1:]
        if span and span[0].lower() not in _REPLY_OPENINGS:
            names.append(" ".join(span))
    return names


# Words that open a reply without naming anything ("About $200 million.").
_REPLY_OPENINGS = frozenset(["the", "a", "an", "yes", "no", "about", "in", "on", "around", "it"])
