"""The `extractive` backend: no LLM; the answer is the passages' best-supported sentences."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from index.chunker import sentence_spans
from qa.answer.context import is_asked_header, score_sentences
from qa.types import Embed, RetrievedPassage

__all__ = [
    "AnswerType",
    "Extract",
    "answer_type",
    "asked_part",
    "asks_a_count",
    "asks_speaker",
    "asks_why",
    "extract_answer",
    "fits_type",
    "gives_reason",
    "later_parts",
    "what_was_said",
]


@dataclass(frozen=True)
class Extract:
    """An extractive answer: text with `[n]` markers."""

    text: str
    cited: list[int]


AnswerType = Literal["number", "date", "name", "yes/no", "any"]

_NUMBER_Q = re.compile(
    r"^\s*(?:(?:at|for|to|by) )?(how (much|many|old|big|large)"
    r"|what (percentage|percent|share|stake|amount|price|valuation|revenue)|by how much)\b",
    re.I,
)
# "What was X worth?", "What did Google pay ...?": an amount asked by its noun or verb; not
# "What company did Meta pay?" (which one), a "price war", "cost-cutting", "pay attention".
_AMOUNT_Q = re.compile(
    r"^\s*(?:(?:at|for|to|by) )?what\s+(?!(?:company|companies|firm|firms|business|businesses"
    r"|startup|startups|person|people|rival|rivals|lab|labs|investor|investors)\b)[^?]*"
    r"\b(?:valued at|worth|valuation|revenues?|price|cost|costs|paid|pay|spent|spend)\b"
    r"(?![-\w]|\s+(?:attention|tribute|war)\b)",
    re.I,
)
_DATE_Q = re.compile(r"^\s*(when|in what year|what year|which year|since when|how long)\b", re.I)
_NAME_Q = re.compile(r"^\s*(who|whom|whose)\b", re.I)
# "Why ...?", "How come ...?", "For what reason ...?", "What is the reason ...?"
_REASON_Q = re.compile(
    r"^\W*(why|how come|for what reasons?|what (is|was|are|were) the reasons?)\b", re.I
)
# A sentence that gives a reason: "because", "since its main business ...", "due to",
# "concerned that ..." (not "since 2016", "since last year").
_REASON = re.compile(
    r"\b(because|due to|owing to|thanks to|as a result|so that|in order to|given that"
    r"|for fear|(concerned|worried|afraid|fear(s|ed)?) (that|of)|the reason"
    r"|since (?!\d|last\b|then\b|early\b|late\b|the (start|beginning|end)\b))\b",
    re.I,
)
_YES_NO_Q = re.compile(
    r"^\W*(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b", re.I
)
# "Tell me whether ...": a yes/no, once a request frame is taken off.
_WHETHER = re.compile(r"^\W*(whether|if)\b", re.I)
# A figure, or an amount in words ("threefold", "hundreds of millions"); not a bare "one" or
# "two", which these articles use for their sources ("two sources said").
_HAS_NUMBER = re.compile(
    r"\d|\b(dozens|hundreds|thousands|millions|billions|twice|double[ds]?|triple[ds]?"
    r"|(two|three|four|five|ten)[- ]?fold)\b",
    re.I,
)
_HAS_YEAR = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(january|february|march|april|june|"
    r"july|august|september|october|november|december|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|ago|yesterday|today|tomorrow|overnight|"
    r"(this|last|next|that|previous|prior|past|coming) (week|month|quarter|year)"
    r"|end of (the|this) (week|month|year))\b",
    re.I,
)
# The month, not the verb ("it may hurt"): capitalised, not opening the sentence.
_MAY = re.compile(r"(?<![.!?]\s)(?<!^)\bMay\b")
# A time told by another event: "before the deal", "after the news".
_RELATIVE_TIME = re.compile(
    r"\b(before|after|following|until|prior to) (the|its|this|that|their|his|her)"
    r" (deal|agreement|announcement|news|merger|acquisition|investment|takeover|vote|ipo"
    r"|listing|launch|release|election|talks|meeting|offer|report|transaction|war|crisis)\b",
    re.I,
)
# "How much of its revenue ...?": a share in words ("most", "the bigger part") answers it.
_PROPORTION_Q = re.compile(r"^\s*how much of\b", re.I)
_PROPORTION = re.compile(
    r"\b(most|the majority|the bulk|the (bigger|biggest|larger|largest|greater) part"
    r"|(?<!first )(?<!second )half|a third|a quarter|two thirds) of\b",
    re.I,
)
# "What stake ...?", "What share of ...?": a percentage or a share in words answers it, not
# an amount of money.
_SHARE_Q = re.compile(
    r"^\s*(?:(?:at|for|to|by) )?(?:what|which|how (?:big|large)(?: a)?)\s+"
    r"(?:percentage|percent|share(?!\s+price)|stake|portion|proportion|fraction)\b",
    re.I,
)
_SHARE = re.compile(
    r"\d\s*-?\s*(?:%|percent\b|per cent\b|pct\b)"
    r"|\b(?:(?<!first )(?<!second )half(?! a (?:million|billion|trillion))|one[- ]third"
    r"|a third|two[- ]thirds|a quarter|three[- ]quarters|majority|minority|controlling)\b",
    re.I,
)
# A duration answers "since when" and "how long": "for more than a year", "for 3 months".
_SINCE_WHEN_Q = re.compile(r"^\s*(since when|how long)\b", re.I)
_DURATION = re.compile(
    r"\b(for|over|in|within) (more than |over |about |nearly |almost |the past |the last )?"
    r"(a|an|one|two|three|four|five|six|several|a few|\d+) (day|week|month|year|decade)s?\b",
    re.I,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


# The frame of an indirect question: "Can you tell me who ...?", "Then tell me: what ...?",
# "I'd like to know how much ...".
_REQUEST_FRAME = re.compile(
    r"^\W*(?:(?:then|so|and|now|ok|okay|please|also)\b[\s,]*)*"
    r"(?:(?:(?:can|could|would|will) you (?:please )?)?(?:tell|show|let) (?:me|us)(?: know)?"
    r"|i(?: would|'d)? (?:like|want|wish) to know|do you know|i wonder)\b[\s:,]*",
    re.I,
)


def asked_part(question: str) -> str:
    """The question without statements before its first sentence that asks ("Rules no
    longer apply. How much did Google spend?" -> "How much did Google spend?") and without
    the frame of an indirect question ("Can you tell me who runs Handshake?" -> "who runs
    Handshake?"); the question itself when it has neither."""
    spans = sentence_spans(question)
    for span in spans[1:]:
        if question[span.start : span.end].endswith("?"):
            if not question[spans[0].start : spans[0].end].endswith("?"):
                question = question[span.start :]
            break
    return _REQUEST_FRAME.sub("", question, count=1)


# Where a question of several parts asks its next one: ", and what share ...?", "; how
# much ...?", ", and in what year ...?".
_NEXT_PART = re.compile(
    r"(?:,\s*and|;)\s+(?=(?:(?:in|at|by|for|to|from|since) )?"
    r"(?:who|whom|whose|what|which|when|where|why|how)\b)",
    re.I,
)


def later_parts(question: str) -> list[str]:
    """The parts after the first of a question that asks several things ("Which company
    is he moving to, and what share is it taking?" -> ["what share is it taking?"]); empty
    for a question of one part."""
    return [part.strip() for part in _NEXT_PART.split(asked_part(question))[1:] if part.strip()]


def asks_why(question: str) -> bool:
    """Does the question ask for a reason ("Why ...?", "How come ...?", "What is the reason
    ...?", after the frame of an indirect question)? A reason is no answer type that an
    answer must show (`answer_type`): it can be said without the words that mark one."""
    return _REASON_Q.match(asked_part(question)) is not None


# "Who said ...?", "Which CEO told Reuters ...?", "Who also warned ...?": the speaker asked.
_SPEAKER_Q = re.compile(
    r"^\W*(?:who|(?:which|whose)(?:\s+[\w'’-]+){1,2}?)\s+(?:\w+ly\s+|also\s+)?"
    r"(?:said|says|told|tells|stated|states|warned|warns|added|adds|predicted|predicts"
    r"|claimed|claims)\b",
    re.I,
)


def asks_speaker(question: str) -> bool:
    """Does the question ask who said something ("Who said ...?", "Which CEO told Reuters
    ...?")? Then the answer is the speaker a quotation's attribution names, not what the
    quotation says."""
    return _SPEAKER_Q.match(asked_part(question)) is not None


def what_was_said(question: str) -> str:
    """What a who-said question (`asks_speaker`) says was said: "that neutrality is no
    longer optional for AI labs" of "Which CEO said that neutrality is no longer optional
    for AI labs?"; "" for any other question."""
    asked = asked_part(question)
    match = _SPEAKER_Q.match(asked)
    return "" if match is None else asked[match.end() :].strip(" ?")


def gives_reason(sentence: str) -> bool:
    """Does the sentence mark a reason: "because", "since its main business ...", "due
    to", "concerned that ..." (not "since 2016")?"""
    return _REASON.search(sentence) is not None


def answer_type(question: str) -> AnswerType:
    """The kind of answer a question asks for, from its first words (after the frame of an
    indirect question, `asked_part`); "whether"/"if" asks a yes/no."""
    asked = asked_part(question)
    if asked != question and _WHETHER.match(asked):
        return "yes/no"
    question = asked
    if _DATE_Q.match(question):
        return "date"
    if _NUMBER_Q.match(question) or _AMOUNT_Q.match(question):
        return "number"
    if _NAME_Q.match(question):
        return "name"
    if _YES_NO_Q.match(question):
        return "yes/no"
    return "any"


# "How many sources ...?": a count in words is the answer when it counts the asked thing.
_HOW_MANY = re.compile(
    r"^\s*how many\s+(?:of\s+(?:the|its|their|his|her)\s+)?(?P<thing>[a-z]+)", re.I
)
_COUNT_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a dozen|several|a few"
)


# What a count is not: an amount of money, a percentage, a year ("How many trainers ...?" is
# not answered by "$ 100", "49 %" or "in 2016"; "2000 people" is a count).
_NOT_A_COUNT = re.compile(
    r"[$€£]\s*\d[\d.,]*(?:\s*\d{3}\b)*(?:\s*(?:million|billion|trillion|bn|m)\b)?"
    r"|\d[\d.,]*\s*(?:%|percent\b|per cent\b|pct\b)"
    r"|\d[\d.,]*\s*(?:million|billion|trillion)?\s*(?:dollars|euros|pounds|usd)\b"
    r"|\b(?:in|since|by|of|from|until|before|after|during)\s+(?:1[89]|20)\d\d\b",
    re.I,
)
# "How many million dollars ...?", "How many percent ...?" ask an amount, not a count.
_AMOUNT_UNITS = frozenset(
    {
        "million", "millions", "billion", "billions", "trillion", "thousand", "thousands",
        "hundred", "hundreds", "dollars", "euros", "pounds", "yen", "yuan", "cents",
        "percent", "percentage", "points", "times",
    }
)  # fmt: skip


def asks_a_count(question: str) -> bool:
    """Does the question ask how many of a thing ("How many trainers ...?"), not how many
    times, nor an amount ("How many million dollars ...?")?"""
    asked = _HOW_MANY.match(asked_part(question))
    return asked is not None and asked.group("thing").lower() not in _AMOUNT_UNITS


def _counts_the_asked(sentence: str, question: str) -> bool:
    """Does `sentence` hold a count: a number that is no amount of money, percentage or
    year, or the asked things counted in words (`_counted`)?"""
    return bool(_HAS_NUMBER.search(_NOT_A_COUNT.sub(" ", sentence))) or _counted(sentence, question)


def _counted(sentence: str, question: str) -> bool:
    """True when the question asks how many of a thing and `sentence` counts that thing in
    words ("How many sources ...?" and "Five sources said ..."), a word or two between."""
    asked = _HOW_MANY.match(question)
    if asked is None:
        return False
    thing = asked.group("thing").lower().rstrip("s")
    return (
        re.search(rf"\b(?:{_COUNT_WORDS})\s+(?:\S+\s+){{0,2}}?{thing}", sentence, re.I) is not None
    )


def fits_type(sentence: str, question: str, wanted: AnswerType) -> bool:
    """True when `sentence` holds an answer of the wanted kind (a name not in the question)."""
    question = asked_part(question)
    if wanted == "number":
        if _PROPORTION_Q.match(question) and _PROPORTION.search(sentence):
            return True
        if _SHARE_Q.match(question):
            return bool(_SHARE.search(sentence) or _PROPORTION.search(sentence))
        if asks_a_count(question):
            return _counts_the_asked(sentence, question)
        return bool(_HAS_NUMBER.search(sentence) or _counted(sentence, question))
    if wanted == "date":
        if _SINCE_WHEN_Q.match(question) and _DURATION.search(sentence):
            return True
        return bool(
            _HAS_YEAR.search(sentence) or _MAY.search(sentence) or _RELATIVE_TIME.search(sentence)
        )
    if wanted == "name":
        asked = {w.lower() for w in re.findall(r"\w+", question)}
        return any(
            any(part.lower() not in asked for part in name.split())
            for name in _NAME.findall(sentence)
        )
    return True


def extract_answer(
    question: str,
    passages: Sequence[RetrievedPassage],
    embed: Embed,
    *,
    max_sentences: int = 2,
    min_overlap: int = 1,
    type_ratio: float = 0.85,
    only: Collection[int] | None = None,
) -> Extract | None:
    """Pick the sentences of the context that best answer `question`.

    A sentence scores its cosine similarity to the question plus the share of the question's
    content words it contains. The best sentence is taken, and a second one from another
    passage if it scores nearly as well and says something new. Returns None when no sentence
    shares a content word with the question (the header line the question asks about, a
    byline or a dateline, need not), or when no sentence close to the best holds the kind of
    answer the question asks for (a number, a date, a name). `only` limits the
    answer to the passages of those (1-based) numbers.
    """
    scored = score_sentences(question, passages, embed)
    if not scored.text:
        return None
    units = [(i + 1, text) for i, text in zip(scored.passage, scored.text, strict=True)]
    scores = list(zip(scored.score, scored.overlap, strict=True))
    u_vecs = scored.vectors
    order = sorted(
        (i for i in range(len(units)) if only is None or units[i][0] in only),
        key=lambda i: -scores[i][0],
    )
    if not order:
        return None
    wanted = answer_type(question)
    typed = [i for i in order if fits_type(units[i][1], question, wanted)]
    # The best sentence of the right kind must be nearly as relevant as the best overall:
    # otherwise the context talks about the subject but does not hold the asked fact.
    if not typed or scores[typed[0]][0] < type_ratio * scores[order[0]][0]:
        return None
    best = typed[0]
    if scores[best][1] < min_overlap and not is_asked_header(units[best][1], question):
        return None
    chosen = [best]
    for i in typed[1:]:
        if len(chosen) >= max_sentences:
            break
        if scores[i][0] < 0.9 * scores[best][0] or scores[i][1] < min_overlap:
            break
        novel = all(float(u_vecs[i] @ u_vecs[j]) < 0.8 for j in chosen)
        if novel and units[i][0] not in {units[j][0] for j in chosen}:
            chosen.append(i)
    parts = [f"{' '.join(units[i][1].split())} [{units[i][0]}]" for i in chosen]
    return Extract(" ".join(parts), [units[i][0] for i in chosen])
