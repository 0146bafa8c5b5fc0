"""Context compaction: each passage keeps only its sentences relevant to the question.

Prompt tokens cost about 15 ms each on the target laptop. A passage is two to four sentences
and usually only one or two of them bear on the question, so the others are cut from the
prompt (never from the citation: a citation still names the whole passage's span).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from rapidfuzz import fuzz, process

from index.chunker import sentence_spans
from index.metadata import asked_header_line
from index.normalize import stem, tokens
from qa.answer.grounding import context_names, entity_found, question_entities
from qa.answer.verification import figures
from qa.types import Embed, RetrievedPassage

__all__ = [
    "ScoredSentences",
    "compact_passages",
    "covers_question",
    "focus_passages",
    "is_asked_header",
    "leans_on_previous",
    "passage_sentences",
    "restates_question",
    "score_sentences",
    "shared_words",
]


def passage_sentences(passages: Sequence[RetrievedPassage]) -> list[tuple[int, str]]:
    """Every sentence of the passages, in order, as (0-based passage index, sentence text)."""
    return [
        (i, p.text[s.start : s.end]) for i, p in enumerate(passages) for s in sentence_spans(p.text)
    ]


@dataclass(frozen=True)
class ScoredSentences:
    """The sentences of a context, each with the passage it belongs to and its relevance."""

    passage: list[int]  # 0-based index of the sentence's passage
    text: list[str]
    # cosine similarity to the question + half the question-word share + a quarter of the
    # share of the question's entities the sentence names (respellings included) + a half
    # for the header or credit line the question asks about (a byline, a dateline, a ©)
    score: list[float]
    overlap: list[int]  # question content words the sentence holds (or a respelling of)
    vectors: np.ndarray  # one unit vector per sentence
    # does the sentence lean on the one before it in its passage (`leans_on_previous`)?
    leans: list[bool]


def score_sentences(
    question: str, passages: Sequence[RetrievedPassage], embed: Embed
) -> ScoredSentences:
    """Split the passages into sentences and score each one's relevance to `question`; a
    sentence leaning on the one before (`leans_on_previous`) counts the entities it names."""
    units = passage_sentences(passages)
    owner = [i for i, _ in units]
    texts = [text for _, text in units]
    vectors = embed([question, *texts])
    q_words = set(tokens(question))
    overlap = [shared_words(q_words, _words_and_joins(t)) for t in texts]
    asked = question_entities(question, context_names([p.text for p in passages], question))
    # A sentence that leans on the one before ("The search giant ...", "He ...") names what
    # that one names.
    leans = [
        k > 0 and owner[k - 1] == owner[k] and leans_on_previous(t) for k, t in enumerate(texts)
    ]
    spans = [f"{texts[k - 1]} {t}" if leans[k] else t for k, t in enumerate(texts)]
    named = [sum(entity_found(e, t) for e in asked) / len(asked) if asked else 0.0 for t in spans]
    header = asked_header_line(question)
    score = [
        float(vectors[k + 1] @ vectors[0])
        + 0.5 * (overlap[k] / len(q_words) if q_words else 0.0)
        + 0.25 * named[k]
        + (0.5 if header is not None and header(texts[k]) else 0.0)
        for k in range(len(texts))
    ]
    return ScoredSentences(owner, texts, score, overlap, vectors[1:], leans)


_MIN_FUZZY_CHARS = 6  # 5-letter words one letter apart are often other words (court, count)
_FUZZY_RATIO = 80.0


def is_asked_header(sentence: str, question: str) -> bool:
    """True when `sentence` is the header or credit line `question` asks about
    (`asked_header_line`): the byline for "who wrote the story", the dateline for "where
    was it filed from", the credit line for "who holds its copyright". Such a line answers
    the question without sharing its words ("By Anne Tong and Crystal Hu" for "Who wrote
    the story?")."""
    header = asked_header_line(question)
    return header is not None and header(sentence)


def _words_and_joins(text: str) -> set[str]:
    """A sentence's words and each two neighbours joined ("label box" -> "labelbox")."""
    words = tokens(text)
    return set(words) | {a + b for a, b in pairwise(words)}


def shared_words(wanted: set[str], words: set[str]) -> int:
    """How many of `wanted` are in `words`, a word of 6 characters or more also counting
    when respelled within a small edit ("kenrick" for "kenrik", "labelbox" for "labelbo")."""
    exact = wanted & words
    fuzzy = [
        w
        for w in wanted - exact
        if len(w) >= _MIN_FUZZY_CHARS
        and process.extractOne(w, words, scorer=fuzz.ratio, score_cutoff=_FUZZY_RATIO)
    ]
    return len(exact) + len(fuzzy)


_POSSESSIVE = re.compile(r"'s$")
# Words that say what kind of answer is wanted, not what it is about (as stems).
_ASKING_WORDS = frozenset(
    stem(w)
    for w in (
        *("how", "much", "many", "which", "what", "who", "whom", "whose", "when", "where"),
        *("name", "list", "tell"),
    )
)


def _stems(text: str) -> list[str]:
    """The stems of a text's content words, in order (stopwords left out, possessives
    dropped; Snowball's English stemmer: "taking" and "takes" -> take)."""
    return [stem(w) for w in (_POSSESSIVE.sub("", t) for t in tokens(text)) if w]


def _content_words(text: str) -> set[str]:
    """The stems of a text's content words (`_stems`)."""
    return set(_stems(text))


def _stems_and_joins(text: str) -> set[str]:
    """A text's content stems and each two neighbours joined ("label box" -> labelbox)."""
    stems = _stems(text)
    return set(stems) | {a + b for a, b in pairwise(stems)}


def restates_question(claim: str, question: str) -> bool:
    """True when `claim` says nothing the question does not: each of its content words is
    one of the question's (or a respelling, see `shared_words`) and it states no figure the
    question does not. "AI companies fear Meta could learn about them through Scale" answers
    nothing of "What do AI companies fear Meta could learn about them through Scale?". A
    leading yes/no particle is not content, so a yes/no answer ("No, X did not ...") is for
    the caller to allow. `claim` is the claim's text without `[n]` markers (a marker's
    number would count as a figure)."""
    said = _content_words(re.sub(r"^\W*(yes|no)\b", "", claim, flags=re.I))
    if not said:
        return True
    restated = shared_words(said, _stems_and_joins(question)) == len(said)
    return restated and figures(claim) <= figures(question)


def covers_question(sentence: str, question: str) -> bool:
    """True when `sentence` holds every content word of `question` (or a respelling, words
    joined: "label box" for "Labelbox"), the words asking for the answer ("which", "how
    much", "is it true that") and those naming the article itself ("on the Reuters
    report") aside. The bar a sentence of the context must clear to be quoted as the answer
    in the model's place: lexical answerability, as in early open-domain QA systems (e.g.
    AskMSR, Brill et al., 2002), which took a sentence holding all the question's terms."""
    asked = _content_words(_ARTICLE_ITSELF.sub(" ", _TRUE_THAT.sub(" ", question))) - _ASKING_WORDS
    return bool(asked) and shared_words(asked, _stems_and_joins(sentence)) == len(asked)


# What a question says of the article itself or of its own truth, which no sentence of the
# story repeats: "Did OpenAI comment on the Reuters report?", "Is it true that ...?"
_ARTICLE_ITSELF = re.compile(
    r"\b(?:on|in|of|from|by|about) (?:the|this|that) (?:\w+ )?(?:report|story|article|piece)\b"
    r"(?!['’]s)",
    re.I,
)
_TRUE_THAT = re.compile(
    r"^\W*(?:is|was|isn't|wasn't) it (?:really )?(?:true|correct|right|accurate|the case) that\b",
    re.I,
)


def compact_passages(
    question: str,
    passages: Sequence[RetrievedPassage],
    embed: Embed,
    *,
    keep_ratio: float = 0.6,
) -> list[RetrievedPassage]:
    """Copies of `passages` whose text keeps the sentences relevant to `question`.

    A sentence stays when its relevance (`score_sentences`) is at least `keep_ratio` times the
    best sentence's in the whole context; each passage keeps at least its best sentence, and
    kept sentences stay in order. A kept sentence that leans on the one before it (a
    quotation whose speaker that one names, a pronoun: `leans_on_previous`) keeps it too.
    A sentence an earlier passage already shows (neighbouring passages overlap by a
    sentence, and the versions repeat each other) is not shown again; a passage left with
    nothing new gets empty text. `keep_ratio=0` keeps everything.
    """
    if keep_ratio <= 0 or not passages:
        return list(passages)
    scored = score_sentences(question, passages, embed)
    if not scored.text:
        return list(passages)
    cutoff = keep_ratio * max(scored.score)
    compacted = []
    shown: set[str] = set()
    for i, p in enumerate(passages):
        mine = [k for k, owner in enumerate(scored.passage) if owner == i]
        if not mine:
            compacted.append(p)
            continue
        best = max(mine, key=lambda k: scored.score[k])
        chosen = {k for k in mine if k == best or scored.score[k] >= cutoff}
        chosen |= {k - 1 for k in chosen if scored.leans[k]}
        kept = []
        for k in mine:
            flat = " ".join(scored.text[k].split())
            if k in chosen and flat not in shown:
                shown.add(flat)
                kept.append(flat)
        compacted.append(p.model_copy(update={"text": " ".join(kept)}))
    return compacted


_OPENS_WITH_QUOTE = re.compile(r"^\s*[\"“”‘']")
_SAYS = re.compile(r"\b(said|says|say|told|added|according to|wrote|stated)\b", re.I)
_OPENS_WITH_PRONOUN = re.compile(
    r"^\s*(he|she|it|they|his|her|its|their"
    r"|(?:this|these)(?!\s+(?:year|week|month|quarter|morning|time)\b)"
    r"|the\s+(?:[\w-]+\s+)?(?:company|firm|startup|giant|group|maker|agency|lab))\b",
    re.I,
)


def leans_on_previous(sentence: str) -> bool:
    """Does `sentence` need the one before it to be understood? A quotation that does not
    say who speaks ("“Neutrality is no longer optional.”", after "… said Jonathan Siddharth,
    CEO of Turing.") or a sentence opening with a pronoun or with a description standing
    for a name ("He will join Meta.", "The search giant held talks with rivals.")."""
    if _OPENS_WITH_QUOTE.match(sentence) and not _SAYS.search(sentence):
        return True
    return bool(_OPENS_WITH_PRONOUN.match(sentence))


def focus_passages(
    question: str, passages: Sequence[RetrievedPassage], embed: Embed, *, top: int = 3
) -> list[RetrievedPassage]:
    """Copies of `passages` keeping only the `top` sentences of the whole context most
    relevant to `question` (`score_sentences`), each shown once, in order, under its own
    passage's number; the other passages get empty text. The context of the focused second
    attempt after the model finds no answer in the compacted one."""
    scored = score_sentences(question, passages, embed)
    ranked = sorted(range(len(scored.text)), key=lambda k: -scored.score[k])
    chosen: list[int] = []
    seen: set[str] = set()
    for k in ranked:
        flat = " ".join(scored.text[k].split())
        if flat not in seen and len(chosen) < top:
            seen.add(flat)
            chosen.append(k)
    kept: dict[int, list[str]] = {}
    for k in sorted(chosen):
        kept.setdefault(scored.passage[k], []).append(" ".join(scored.text[k].split()))
    return [
        p.model_copy(update={"text": " ".join(kept.get(i, []))}) for i, p in enumerate(passages)
    ]
