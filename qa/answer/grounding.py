"""Claim-level grounding: each sentence of an answer (a claim) must be backed by the
sentence(s) of the passage it cites, not merely by a passage that shares its words.

A claim is supported by a cited sentence when the sentence holds the claim's named entities
(capitalised spans or known aliases; matched case- and space-insensitively, small edits
tolerated), its numbers (or their sum or difference), a negation when the claim denies
something (with the verb it denies), and the question's own entities (in the sentence or
the one before it, which a pronoun may point back to). Everything here is a pure function
of texts, so it is tested on its own; `check_answer` decides what to do with a claim that
fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from itertools import combinations

from rapidfuzz import fuzz

from index.chunker import sentence_spans
from index.normalize import stem
from qa.answer.verification import counts, figures, is_multiple
from qa.types import RetrievedPassage

__all__ = [
    "ALIASES",
    "ROLE_WORDS",
    "Choose",
    "Entails",
    "SentenceRef",
    "about_the_question",
    "claim_entities",
    "context_name_sets",
    "context_names",
    "course_not_backed",
    "dated_together",
    "denials_found",
    "entity_found",
    "figure_of_another",
    "figures_only_in",
    "is_role",
    "is_time",
    "measure_of_another",
    "negated",
    "numbers_found",
    "passage_units",
    "question_entities",
    "quotation_speaker",
    "role_of_another",
    "supported_by",
    "times_found",
]

Entails = Callable[[str, str, str], bool]
"""A yes/no judge: (question, claim, cited sentences) -> does the text state the claim?"""
Choose = Callable[[str, str, Sequence[str]], str | None]
"""A reader's choice: (question, cited sentences, the names they give) -> the name the
sentences answer the question with, or None when it cannot tell."""

# Names an article may use for one another (a company and its parent, a translation's
# respelling that edit distance alone does not bridge).
ALIASES: dict[str, tuple[str, ...]] = {
    "google": ("alphabet", "search giant"),
    "alphabet": ("google",),
    "llama": ("lama",),
    "openai": ("openi",),
}

# Capitalised words that begin sentences or name roles rather than things.
_COMMON = frozenset(
    [
        "a",
        "an",
        "the",
        "it",
        "its",
        "he",
        "she",
        "his",
        "her",
        "they",
        "their",
        "them",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "according",
        "in",
        "on",
        "at",
        "as",
        "after",
        "before",
        "yes",
        "no",
        "however",
        "also",
        "both",
        "some",
        "many",
        "most",
        "other",
        "several",
        "all",
        "each",
        "one",
        "two",
        "three",
        "four",
        "five",
        "sources",
        "source",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "and",
        "but",
        "so",
        "if",
        "while",
        "though",
        "although",
        "because",
        "since",
        "by",
        "for",
        "from",
        "with",
        "without",
        "into",
        "of",
        "to",
        "i",
        "we",
        "you",
        "our",
        "your",
        "my",
        "me",
        "us",
        "not",
        "nor",
        "neither",
        "never",
        "only",
        "just",
        "even",
        "still",
        "yet",
        "then",
        "thus",
        "instead",
        "rather",
        "about",
        "around",
        "roughly",
        "nearly",
        "almost",
        "over",
        "under",
        "more",
        "less",
        "first",
        "last",
        "reuters",
        "article",
        "articles",
        "passage",
        "passages",
    ]
)
# Role words: a question naming one ("Scale AI's CEO") does not need it in the sentence.
ROLE_WORDS = frozenset(
    [
        "ceo",
        "cfo",
        "coo",
        "cto",
        "chief",
        "executive",
        "financial",
        "operating",
        "officer",
        "president",
        "chairman",
        "founder",
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "ai",
    ]
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9&\-]*(?:\.[A-Za-z]\.?)*")
_NEGATION = re.compile(
    r"\b(not|no|never|none|nor|neither|without|cannot|declined|declines|refused|refuses"
    r"|denied|denies|fail|fails|failed|unable)\b|n[’']t\b",
    re.I,
)
_TIME = re.compile(
    r"\b(?:(?:this|next|last|previous|coming|past)\s+(?:year|month|week|quarter|decade)"
    r"|(?:days?|weeks?|months?|years?)\s+ago"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|january|february|march|april|june|july|august|september|october|november|december"
    r"|yesterday|today|tomorrow)\b",
    re.I,
)
_ANSWER_PARTICLE = re.compile(r"^\W*(yes|no)\b[,.;:!]?\s*", re.I)
_MIN_FUZZY_CHARS = 5
_FUZZY_RATIO = 80.0


@dataclass(frozen=True)
class SentenceRef:
    """One sentence of a context passage: its passage number (1-based, as cited) and its
    offsets inside that passage's text."""

    passage: int
    start: int
    end: int
    text: str


def passage_units(passages: Sequence[RetrievedPassage]) -> list[SentenceRef]:
    """Every sentence of the context passages, in order."""
    return [
        SentenceRef(n, s.start, s.end, p.text[s.start : s.end])
        for n, p in enumerate(passages, start=1)
        for s in sentence_spans(p.text)
    ]


# "PhDs", "CEOs", "GPUs", and a model code's plural: "H100s", "747s" is not one (no letter)
_ACRONYM_PLURAL = re.compile(r"\b([A-Z][A-Za-z0-9]*[A-Z0-9])s\b")


# Initials a translation or the model spaced out: "U. S." for "U.S."
_SPACED_INITIALS = re.compile(r"\b([A-Z])\.\s+(?=[A-Z]\.)")


def _norm_tokens(text: str) -> list[str]:
    """Lower-case word tokens with possessives, the plural of an acronym, the spaces between
    initials and punctuation dropped ("Openai’s" -> openai, "PhDs" -> phd, "U. S." -> us)."""
    text = _ACRONYM_PLURAL.sub(r"\1", re.sub(r"[’']s\b", "", _SPACED_INITIALS.sub(r"\1.", text)))
    return [t.lower().replace(".", "") for t in _WORD.findall(text)]


def context_names(
    texts: Sequence[str], question: str = "", *, inside: bool = False
) -> frozenset[str]:
    """Lower-cased words the texts use as names: always written with a capital
    ("Microsoft", "xAI"; not "Sources", also written "sources"), or capitalised inside a
    sentence at least twice ("Scale", though a rough translation also writes "a scale of
    AI"). The question's words count too, but not its first ("Besides AI labs, ..."). A
    claim's first word counts as a name only if it is one of these. With `inside`, only
    those of them also capitalised inside a sentence at least once ("OpenAI", not a
    "Prior" that only ever opens one)."""
    names, within = context_name_sets(texts, question)
    return within if inside else names


def context_name_sets(
    texts: Sequence[str], question: str = ""
) -> tuple[frozenset[str], frozenset[str]]:
    """Both sets of `context_names` in one pass over the texts: (the names, those of them
    also capitalised inside a sentence)."""
    capitalised: set[str] = set()
    lowered: set[str] = set()
    within: dict[str, int] = {}
    opener = _WORD.search(question)
    asked = question[opener.end() :] if opener else question
    for text in [*texts, asked]:
        text = re.sub(r"[’']s\b", "", text)
        for m in _WORD.finditer(text):
            word = m.group()
            low = word.lower().replace(".", "")
            if not _capitalised(word):
                lowered.add(low)
                continue
            capitalised.add(low)
            before = text[: m.start()].rstrip(" \t\"“‘'(")
            if before and before[-1] not in ".!?:;\n":
                within[low] = within.get(low, 0) + 1
    twice = {w for w, count in within.items() if count >= 2}
    names = ((capitalised - lowered) | twice) - _COMMON
    return frozenset(names), frozenset(names & within.keys())


def is_role(name: str) -> bool:
    """True when a name is only role words ("CEO", "Chief Executive", "AI"): no one's name."""
    return all(w in ROLE_WORDS for w in _norm_tokens(name))


def _capitalised(word: str) -> bool:
    return any(c.isupper() for c in word) and not word.isdigit()


def claim_entities(claim: str, names: frozenset[str]) -> list[str]:
    """The named entities of a claim: runs of capitalised words ("Alexander Wang", "xAI",
    "U.S."). Its first word is one only when `names` (see `context_names`) holds it."""
    found: list[str] = []
    run: list[str] = []
    last_end = -1
    text = re.sub(r"[’']s\b", " ; ", _SPACED_INITIALS.sub(r"\1.", claim))  # a possessive ends a run
    for i, m in enumerate(_WORD.finditer(text)):
        word = m.group().rstrip(".") if m.group().count(".") == 1 else m.group()
        low = word.lower().replace(".", "")
        is_name = _capitalised(word) and low not in _COMMON
        if i == 0 and low not in names:
            is_name = False
        adjacent = run and text[last_end : m.start()].strip() == ""
        if is_name and (adjacent or not run):
            run.append(word)
        else:
            if run:
                found.append(" ".join(run))
            run = [word] if is_name else []
        last_end = m.end()
    if run:
        found.append(" ".join(run))
    return list(dict.fromkeys(found))


def entity_found(entity: str, text: str) -> bool:
    """True when `text` names `entity`: the same words ignoring case, spaces and
    possessives, a respelling within a small edit ("Kenrik Kai" for "Kenrick Cai", "label
    box" for "Labelbox"), or a known alias."""
    words = _norm_tokens(text)
    wanted = _norm_tokens(entity)
    if not wanted:
        return True
    if _phrase_in(wanted, words):
        return True
    joined = "".join(wanted)
    if any(_phrase_in(_norm_tokens(alias), words) for alias in ALIASES.get(joined, ())):
        return True
    # Each word on its own ("Wang, CEO Alexander" for "Alexander Wang").
    parts = [w for w in wanted if len(w) >= 3 and w not in ROLE_WORDS]
    return len(wanted) > 1 and bool(parts) and all(_phrase_in([w], words) for w in parts)


def _phrase_in(wanted: list[str], words: list[str]) -> bool:
    joined = "".join(wanted)
    for size in range(max(1, len(wanted) - 1), len(wanted) + 2):
        for i in range(len(words) - size + 1):
            window = "".join(words[i : i + size])
            if window == joined:
                return True
            if (
                min(len(joined), len(window)) >= _MIN_FUZZY_CHARS
                and fuzz.ratio(joined, window) >= _FUZZY_RATIO
            ):
                return True
    return False


def numbers_found(claim: str, text: str, question: str = "") -> bool:
    """True when every number of the claim is in `text`, or is the sum or difference of two
    of its numbers ("$50 million more" from $200 million and $150 million), and every count
    it gives ("three sources", "3 sources") is there in words or digits ("three sources" is
    not "five sources"), unless it is the count a wh-question asks for by name ("What two
    valuations ...?"). A number the claim gives in dollars that `text` gives only as a
    percentage, or the reverse, is not there ("$49 per share" is not "a 49% share")."""
    if _unit_changed(claim, text):
        return False
    have = figures(text)
    counted = counts(text)
    given = _asked_count(question)
    if counts(claim) - counted - have - given:
        return False
    missing = figures(claim) - have - given
    missing -= {n for n in missing & counted if _bare_count(n, claim)}
    if not missing:
        return True
    derived = set()
    for a, b in combinations(sorted(n for n in have if not is_multiple(n)), 2):
        x, y = float(a), float(b)
        derived.update({_fmt(x + y), _fmt(abs(x - y))})
    return missing <= derived


_MONEY = re.compile(r"[$€£]\s?(\d[\d,]*(?:\.\d+)?)")
_PERCENT = re.compile(r"(?<![\d.,])(\d[\d,]*(?:\.\d+)?)\s?(?:%|percent\b|per cent\b)", re.I)


def _unit_changed(claim: str, text: str) -> bool:
    """Does the claim give a number in dollars (or a percentage) that `text` gives only as
    a percentage (or in dollars)?"""

    def found(pattern: re.Pattern[str], t: str) -> set[str]:
        return {m.replace(",", "") for m in pattern.findall(t)}

    money, shares = found(_MONEY, text), found(_PERCENT, text)
    return bool(
        (found(_MONEY, claim) & shares) - money or (found(_PERCENT, claim) & money) - shares
    )


def _bare_count(figure: str, claim: str) -> bool:
    """Is `figure` a bare count in the claim ("3 sources"), not money, a share, a multiple or
    an amount in millions, which a count in words ("three sources") cannot back?"""
    return (
        re.search(
            rf"(?<![$\d.,]){re.escape(figure)}(?![\d.,]|\s*(?:%|percent|per cent|million"
            rf"|billion|thousand|times|x\b))",
            claim,
            re.I,
        )
        is not None
    )


_ASKED_COUNT = re.compile(
    r"^\W*(?:what|which|name|list|give)\s+(?:the\s+)?(?P<n>\d+|two|three|four|five|six|seven"
    r"|eight|nine|ten|eleven|twelve)\b",
    re.I,
)


def _asked_count(question: str) -> set[str]:
    """The count a wh-question gives for what it asks ("What two valuations ...?" -> {"2"});
    empty for any other question (a yes/no question's count is a claim to check)."""
    m = _ASKED_COUNT.match(question)
    return set() if m is None else counts(m.group("n")) | figures(m.group("n"))


def is_time(name: str) -> bool:
    """True when `name` is nothing but time expressions ("Friday", "last year", "April"),
    not a name that holds one ("August Capital", "Friday Harbor")."""
    return bool(_times(name)) and not re.search(r"\w", _TIME.sub(" ", name))


def times_found(claim: str, text: str) -> bool:
    """True when every time expression of the claim ("next year", "months ago", "Friday",
    "April"; "May" is left out, being also a verb) is in `text`: "this year" is no support
    for "next year"."""
    return _times(claim) <= _times(text)


def _times(text: str) -> set[str]:
    """The time expressions of a text, lower case, spaces collapsed ("this year")."""
    return {" ".join(t.lower().split()) for t in _TIME.findall(text)}


_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")


def _dates(text: str) -> set[str]:
    """The time expressions and years of a text, lower case ("this year", "2024")."""
    return _times(text) | {f for f in figures(text) if _YEAR.match(f)}


def dated_together(claim: str, texts: Sequence[str]) -> bool:
    """When a claim states an amount and a time ("$200 million ... in 2024"), no sentence
    backing it (`texts`) may give that amount another time: "$ 200 million this year" in one
    sentence and "in 2024" in another do not make "$200 million in 2024". True when the
    claim states no amount or no time, or the amount's sentence gives no time or the
    claim's ("Scale AI, founded in 2016, is selling a 49% stake" joins two facts)."""
    when = _dates(claim)
    amounts = {f for f in figures(claim) if not _YEAR.match(f) and not is_multiple(f)}
    if not when or not amounts:
        return True
    return not any(amounts & figures(t) and _dates(t) and not when & _dates(t) for t in texts)


def figures_only_in(claim: str, text: str, others: Sequence[str]) -> set[str]:
    """The claim's figures and times ("2016", "$200 million", "months ago") that `text`
    gives and none of `others` does: what `text` alone lends a claim that a pair of
    sentences backs."""
    given = _dates(text) | figures(text)
    for other in others:
        given -= _dates(other) | figures(other)
    return (_dates(claim) | figures(claim)) & given


def _fmt(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:g}"


# What a claim says was not done: the verb after "not", "never", "n't", "cannot", "neither",
# "nor", "declined to", "without" ("did not respond", "has never publicly commented",
# "wasn't available", "neither confirmed nor denied"), adverbs and "want to" passed over.
_SKIPPED = (
    r"(?:(?:yet|even|ever|also|be|been|have|to|\w+ly"
    r"|(?:want|wish|plan|intend|care|need|choose)s?(?:ed)?\s+to)\s+)*"
)
_DENIED = re.compile(
    rf"(?:\b(?:not|never|cannot|neither|nor|without|(?:declined|refused|failed|unable|opted)\s+to)"
    rf"|n[’']t)\s+{_SKIPPED}(?P<verb>[a-z][a-z\-]*)",
    re.I,
)
# Where a sentence denies something: the words after its negation, up to the clause's end.
_DENIAL_CUE = re.compile(
    r"\b(?:not|never|no longer|cannot|without|neither|nor|declined|declines|refused|refuses"
    r"|denied|denies|failed|fails|unable)\b|n[’']t\b",
    re.I,
)
_DENIAL_WINDOW = 6  # words
# Words after "not" that are no verb of their own ("did not only ...", "is not a ...").
_AUXILIARIES = frozenset(
    {
        "a", "an", "the", "any", "only", "just", "all", "yet", "even", "ever", "also", "so",
        "as", "that", "this", "to", "for", "in", "on", "at", "by", "with",
    }
)  # fmt: skip
# Irregular forms, read as the verb they are a form of.
_IRREGULAR = {
    "said": "say", "says": "say", "spoke": "speak", "spoken": "speak", "bought": "buy",
    "sold": "sell", "told": "tell", "paid": "pay", "made": "make", "held": "hold",
    "left": "leave", "went": "go", "gone": "go", "gave": "give", "given": "give",
    "took": "take", "taken": "take", "knew": "know", "known": "know", "saw": "see",
    "seen": "see", "met": "meet", "brought": "bring", "thought": "think", "found": "find",
    "began": "begin", "begun": "begin", "won": "win", "lost": "lose", "kept": "keep",
    "sent": "send", "spent": "spend", "built": "build", "did": "do", "does": "do",
    "done": "do", "wrote": "write", "written": "write", "chose": "choose", "chosen": "choose",
    "broke": "break", "broken": "break", "got": "get", "gotten": "get", "had": "have",
    "has": "have", "led": "lead", "ran": "run", "stood": "stand", "sought": "seek",
}  # fmt: skip


def _stem(word: str) -> str:
    """A verb without its inflection, for matching "denied" with "deny", "given" with
    "gave", "commented" with "comment": an irregular form read as its verb, then its
    Porter2 stem (`stem`)."""
    word = word.lower()
    return stem(_IRREGULAR.get(word, word))


def _denied_in(text: str) -> set[str]:
    """The stems of the words a text denies: the few words after each of its negations
    ("declined to comment" -> "to", "comment"), within the clause."""
    found: set[str] = set()
    for cue in _DENIAL_CUE.finditer(text):
        clause = re.split(r"[.!?;]", text[cue.end() :], maxsplit=1)[0]
        found |= {_stem(w) for w in _WORD.findall(clause)[:_DENIAL_WINDOW]}
    return found


def denials_found(claim: str, text: str) -> bool:
    """True when what the claim says was not done, `text` says was not done too: the verb
    after the claim's "not" must be among the few words after a negation of `text`.
    "declined to comment" backs "did not comment" but not "did not deny"; "Meta, which
    acquired a stake, did not respond" does not back "Meta did not acquire a stake". A
    claim of absence needs support like any other."""
    denied = _denied_in(text)
    for m in _DENIED.finditer(claim):
        verb = m.group("verb")
        if verb.lower() in _AUXILIARIES:
            continue
        if _stem(verb) not in denied:
            return False
    return True


def negated(text: str) -> bool:
    """True when `text` denies something ("did not respond", "no comment", "declined"); a
    leading "No," answers a question and denies nothing by itself."""
    return bool(_NEGATION.search(_NOT_ONLY.sub(" ", _ANSWER_PARTICLE.sub("", text))))


# "not only ... but (also)", "isn't just ... but": a contrast, no denial; without the "but"
# ("would not simply stop") a denial still.
_NOT_ONLY = re.compile(
    r"(?:\bnot|n[’']t)\s+(?:only|just|merely|simply)\b(?!\s+yet\b)(?=[^.;!?]*?\bbut\b)", re.I
)


# What a company or person does about a tie: ends it ("pulled back", "withdrew", "cut
# ties") or keeps it ("would continue to work", "remains", "will still engage").
_ENDS = re.compile(
    r"\b(?:(?:pull|pulls|pulled|pulling|step|steps|stepped|stepping|back|backs|backed|backing"
    r"|scale|scales|scaled|scaling|get|gets|getting|got|move|moves|moved|moving|walk|walks"
    r"|walked|walking) (?:back|out|off|away)|(?:step|steps|stepped|stepping|scale|scales"
    r"|scaled|scaling|wind|winds|winding|wound) down|withdr[ae]w\w*|sever(?:s|ed|ing)?"
    r"|paus(?:e|es|ed|ing)|abandon\w*|terminat\w*|cut(?:s|ting)? (?:ties|back)"
    # verbs that also move prices ("shares dropped 3%") end a tie only when no figure follows
    r"|(?:exit(?:s|ed|ing)?|quit(?:s|ting)?|stop(?:s|ped|ping)?|halt(?:s|ed|ing)?"
    r"|ceas(?:e|es|ed|ing)|drop(?:s|ped|ping)?)(?!\s+(?:(?:by|to|about|nearly|almost|around"
    r"|roughly|some|over|under|another|further|as|much|more|less|than)\s+){0,3}[$€£\d])"
    r"|end(?:s|ed|ing)? (?:its|their|his|her|the) (?:tie|partnership"
    r"|relationship|contract|work|deal)s?)\b",
    re.I,
)
_KEEPS = re.compile(
    r"\b(?:continu\w*|keep(?:s|ing)?|kept|remain\w*|maintain\w*|stay(?:s|ed|ing)?|still)\b",
    re.I,
)


def course_not_backed(claim: str, text: str) -> bool:
    """True when `text` does not back the course the claim gives a tie: the claim says it
    ends and the text only that it goes on ("OpenAI is pulling back" against "OpenAI would
    continue to work with Scale"), or says nothing of a course, neither that a tie ends or
    lessens ("plans to shorten ties", "is reconsidering this partnership", "seeks to
    diversify") nor that it goes on ("Companies that compete with Meta ... are concerned"
    names Meta, but not that it pulls back); or the claim says a tie goes on and the text
    only that it ends. Word overlap and embedding similarity pass such pairs. A claim of no
    course (or of both) asks for none; a denial on either side is left to the negation
    checks."""
    if negated(claim) or negated(text):
        return False
    ends, keeps = bool(_ENDS.search(claim)), bool(_KEEPS.search(claim))
    if ends == keeps:
        return False
    text_ends, text_keeps = bool(_ENDS.search(text)), bool(_KEEPS.search(text))
    if keeps:
        return text_ends and not text_keeps  # the opposite course
    if text_keeps and not text_ends:
        return True  # the opposite course
    courses = (m for course in (_ENDS, _LESSENS, _KEEPS) for m in course.finditer(text))
    return not any(not _OTHERS_BEFORE.search(text[: m.start()]) for m in courses)


# A course a text gives others ("may prompt other companies to reconsider"): "other" or
# "another" within the three words before it.
_OTHERS_BEFORE = re.compile(r"\b(?:other|others|another)\b(?:\s+[\w-]+){0,2}\s*$", re.I)


# What a company does when it lessens a tie or looks elsewhere, short of ending it.
_LESSENS = re.compile(
    r"\b(?:reduc\w*|shorten\w*|reconsider\w*|reassess\w*|rethink\w*|diversif\w*"
    r"|displac\w*|remov\w*|replac\w*|curtail\w*|shift\w*|elsewhere|par(?:e|es|ed|ing) back"
    r"|(?:alternative|option|rival|competitor)s?\b[^.;]*\b(?:explor|seek|talk|turn)\w*"
    r"|(?:explor|seek|talk|turn)\w*\b[^.;]*\b(?:alternative|option|rival|competitor)s?)\b",
    re.I,
)


_OWNER_WORDS = 8  # words before a figure that say whose it is


def figure_of_another(claim: str, text: str, said: Sequence[str], names: frozenset[str]) -> bool:
    """True when a figure of the claim is, wherever `text` gives it, the figure of someone
    neither the claim nor the question names (`said`, their entities): a named entity
    within the few words before it, in its clause (`names`: see `context_names` with
    `inside`). "Google is buying 49% of Scale" is not backed by "... the Meta opponent
    takes a 49% share"; "Google plans to pay about $ 200 million" backs "Google will pay
    $200 million"."""
    for figure in figures(claim):
        if figure.startswith("x") or _YEAR.match(figure):
            continue  # a multiple or a year is no one's amount
        places = [m for m in _FIGURE.finditer(text) if _plain(m.group()) == figure]
        if places and all(_owned_by_another(text[: m.start()], said, names) for m in places):
            return True
    return False


def role_of_another(claim: str, text: str, question: str = "") -> bool:
    """True when the claim gives a role its owner ("Scale AI's CFO said ...", "Alexander
    Wang is the CEO of Meta") and `text`, where it names that role, does not give it to
    that owner (`_role_given_to`): "Openai's CFO said on Friday ...", "... while CEO
    Alexander Wang, along with several employees, move to Meta". A role `text` owns by a
    pronoun ("its CFO") may be anyone's.

    A claim that gives no role answers the role `question` asks, if it asks one ("Who is
    the CEO of Meta?" answered "Alexander Wang"): then the same holds for the asked owner."""
    claimed = _owned_roles(claim)
    if claimed:
        return not all(_role_given_to(o, r, text, unnamed=True) for o, r in claimed)
    return not all(_role_given_to(o, r, text) for o, r in _owned_roles(question))


def _same_owner(owner: str, other: str) -> bool:
    return entity_found(owner, other) or entity_found(other, owner)


_OWNER_BEFORE = re.compile(r"((?:[A-Z][\w.-]*\s+)*[A-Z][\w.-]*)\s*[’']s\s+$")
# "CEO of Tesla and SpaceX", "CEO of Tourist, Scale AI": each of the names owns the role
_OWNER_AFTER = re.compile(
    r"\s+(?:of|from|at)\s+((?:[A-Z][\w.-]*\s+)*[A-Z][\w.-]*"
    r"(?:(?:,\s*|\s+and\s+)(?:[A-Z][\w.-]*\s+)*[A-Z][\w.-]*)*)"
)


def _role_given_to(owner: str, role: str, text: str, *, unnamed: bool = False) -> bool:
    """Does `text` give `role` to `owner` somewhere: as "Owner's role", "role of Owner" or
    "role from Owner", by a pronoun ("His CEO, Manu Sharma"), or unowned after naming the
    owner in the sentence ("Scale Ai intends ... while CEO Alexander Wang ...", "said
    Handshek CEO Garrett Lord")? True as well when `text` does not name the role, and with
    `unnamed`, when a sentence leaves the role unowned and does not name `owner` at all
    (the sentence before may). "the AI's CEO, Wang" and "... CEO Alexander Wang ... move to
    Meta" do not give Meta its CEO."""
    text = _with_role_names(text)
    mentions = list(re.finditer(rf"\b{re.escape(role)}\b", text, re.I))
    for mention in mentions:
        before = text[: mention.start()]
        if before.split()[-1:] and before.split()[-1].lower() in _PRONOUNS:
            return True  # "His CEO, Manu Sharma": whose the pronoun means is not known
        held = _OWNER_BEFORE.search(before) or _OWNER_AFTER.match(text, mention.end())
        if held is None:
            opening = before[before.rfind(". ") + 1 :]
            if entity_found(owner, opening):
                return True
            rest = text[mention.end() :]
            closing = rest if ". " not in rest else rest[: rest.index(". ")]
            if unnamed and not entity_found(owner, opening + closing):
                return True
        elif held.group(1).lower() in _PRONOUNS or _same_owner(owner, held.group(1)):
            return True
    return not mentions


def measure_of_another(claim: str, text: str) -> bool:
    """True when the claim calls a figure a measure (a valuation: "valued at", "worth";
    revenue: "revenue", "sales") that `text` does not name, and `text` names another one:
    "Labelbox is valued at hundreds of new revenue" is not backed by "Labelbox will
    probably generate hundreds of new revenue"; "Scale AI was worth $14 billion" is backed
    by "the scale was worth $ 14 billion". A text naming no measure is left to the other
    checks."""
    claimed, given = _measures(claim), _measures(text)
    return bool(given) and not claimed <= given


# What a money figure measures, by the words that name it (stems; see `_measures`).
_MEASURES = {
    "valuation": ("valu", "worth", "estimat"),
    "revenue": ("revenue", "sales", "earning", "income"),
}


def _measures(text: str) -> set[str]:
    """The measures (`_MEASURES` keys) a text names a word of."""
    words = [w.lower() for w in _WORD.findall(text)]
    return {m for m, stems in _MEASURES.items() if any(w.startswith(stems) for w in words)}


_OWNED_ROLE = re.compile(r"((?:[A-Z][\w.-]*\s+)*[A-Z][\w.-]*)\s*[’']s\s+([A-Za-z]+)")
# "the CEO of Meta", "chief executive of Handshake": a role, then its owner.
_ROLE_OF = re.compile(r"\b([A-Za-z]+)\s+of\s+((?:[A-Z][\w.-]*\s+)*[A-Z][\w.-]*)")
# The same role in other words: "chief executive officer" is the CEO.
_ROLE_NAMES = (
    (re.compile(r"\bchief executive(?: officer)?\b", re.I), "CEO"),
    (re.compile(r"\bchief financial officer\b|\bfinance chief\b", re.I), "CFO"),
)
_PRONOUNS = frozenset({"his", "her", "its", "their", "our", "my", "your"})


def _with_role_names(text: str) -> str:
    """`text` with a role's other names replaced by its short one ("chief executive" by
    "CEO")."""
    for pattern, name in _ROLE_NAMES:
        text = pattern.sub(name, text)
    return text


def _owned_roles(text: str) -> list[tuple[str, str]]:
    """The (owner, role word) pairs a text states as "Owner's role" ("Openai's CFO") or
    "role of Owner" ("the CEO of Meta"); a pronoun ("His CEO") names no owner."""
    text = _with_role_names(text)
    pairs = [(m.group(1), m.group(2)) for m in _OWNED_ROLE.finditer(text)]
    pairs += [(m.group(2), m.group(1)) for m in _ROLE_OF.finditer(text)]
    return [
        (owner, role.lower())
        for owner, role in pairs
        if role.lower() in ROLE_WORDS - {"ai"}  # "Meta's AI efforts" owns no role
        and owner.lower() not in _PRONOUNS
    ]


_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _plain(number: str) -> str:
    return number.replace(",", "").lstrip("0") or "0"


def _owned_by_another(before: str, said: Sequence[str], names: frozenset[str]) -> bool:
    """Does a named entity neither the claim nor the question names (`said`) stand within
    the few words before a figure (`before` is the text up to it), in its clause?"""
    # an aside between dashes is left out ("Meta — the Facebook parent — paid", "Scale AI —
    # backed by Nvidia — is valued at"); a lone dash ends a clause ("(Reuters) - ")
    before = _DASH_ASIDE.sub(" ", before)
    clause = re.split(r"[;:!?]|\.\s|\s[-–—]\s", before)[-1].split()[-4 * _OWNER_WORDS :]
    # a word this long is no name, and would make the pattern below slow
    joined = " ".join(w[:_LONGEST_WORD] for w in clause)
    words = _ATTRIBUTION.sub(lambda m: _unless_no_name_follows(m, names), joined).split()
    start = max(0, len(words) - _OWNER_WORDS)
    while start > 0 and words[start - 1][:1].isupper():
        start -= 1  # a name the cut would split: "Meta Company"
    window = " ".join(words[start:])
    # Opening its clause, a word is a name only when one of `names` ("Prior to the deal,
    # the scale was worth $ 14 billion" names no one).
    found = claim_entities(window if start == 0 else "x " + window, names)
    return any(
        not is_role(e)
        and not is_time(e)  # "Thursday" is a time, not an owner
        and not any(entity_found(e, s) or entity_found(s, e) for s in said)
        for e in found
    )


# Who says or hears a figure does not own it: "according to Bloomberg,", "told Bloomberg",
# a named speaker before another name ("Bloomberg reported on Friday that Meta paid ...").
_NAME_RUN = r"[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*)*"
_ATTRIBUTION = re.compile(
    rf"\b[Aa]ccording to {_NAME_RUN},?|\b(?:told|tells|telling) {_NAME_RUN}"
    rf"|(?P<speaker>{_NAME_RUN}\s+(?:said|says|reported|reports|wrote|writes|told \w+)"
    r"(?:\s+(?:on|last|this)\s+\w+)?(?:\s+that)?\s+)(?=[A-Z])"
)
# The speaker a quotation's attribution names: "“...,” said Jonathan Siddhartha, CEO of
# ...", "“...,” Garrett Lord said", "Garrett Lord said: “...”".
_QUOTATION_SPEAKER = re.compile(
    rf"[”\"],?\s+(?:said|says|told)\s+(?P<after>{_NAME_RUN})"
    rf"|[”\"],?\s+(?P<before>{_NAME_RUN})\s+(?:said|says|told)\b"
    rf"|(?P<opening>{_NAME_RUN})\s+(?:said|says|told \w+)[:,]?\s+[“\"]"
)
_LONGEST_WORD = 40  # characters
_DASH_ASIDE = re.compile(r"\s[-–—]\s[^-–—.;:!?]{1,80}?\s[-–—]\s")


def _unless_no_name_follows(match: re.Match[str], names: frozenset[str]) -> str:
    """An attribution's replacement: a space, except that a speaker stays when no name
    follows it ("Nvidia says AI chips cost $40,000": the figure is Nvidia's)."""
    if match.group("speaker") is None:
        return " "
    following = match.string[match.end() :].split()[:4]
    found = claim_entities("x " + " ".join(following), names)
    if found and not is_role(found[0]) and " ".join(following).startswith(found[0]):
        return " "
    return match.group()


def quotation_speaker(text: str) -> str:
    """The speaker a quotation's attribution in `text` names ("Jonathan Siddhartha" in "“...
    a turning point,” said Jonathan Siddhartha, CEO of Tourist"), or "" when `text` quotes
    no one by name."""
    match = _QUOTATION_SPEAKER.search(text)
    if match is None:
        return ""
    return next(g for g in match.groups() if g).rstrip(".")


def question_entities(question: str, names: frozenset[str]) -> list[str]:
    """The question's entities an answer's sentence must be about; role words ("CEO") left
    out. A question offering alternatives ("CFO or CEO") requires none."""
    if re.search(r"\bor\b", question, re.I):
        return []
    found = claim_entities(question, names)
    return [e for e in found if not is_role(e)]


def about_the_question(
    window: str, passage: str, asked: Sequence[str], topics: Collection[str] = ()
) -> bool:
    """True when sentences are about what the question asks of: one of its entities `asked`
    is in `window` (the sentences and the one before each, which a pronoun may point back
    to) and all of them are in `passage` (the passages the sentences lie in). "Manu Sharma"
    is nobody's answer to "Who is Scale AI's CEO?" when his sentence names no Scale AI.
    The one in `window` is not one of the story's `topics` (entities every passage names)
    when the question names another: "Google spent about $150 million ... last year" is
    about Scale AI, but says nothing of what xAI spends there."""
    if not asked:
        return True
    focus = [e for e in asked if e not in topics] or asked
    return any(entity_found(e, window) for e in focus) and all(
        entity_found(e, passage) for e in asked
    )


def supported_by(
    claim: str,
    refs: Sequence[SentenceRef],
    *,
    entities: Sequence[str],
    asked: Sequence[str],
    window: str,
    passage: str,
    question: str = "",
    topics: Collection[str] = (),
) -> bool:
    """True when the sentences `refs` back `claim`: its entities, numbers and time
    expressions are in them (a count may be the `question`'s own), a denial is denied there
    too, they back the course it gives a tie (`course_not_backed`), and they are about the
    question's entities `asked` (see `about_the_question`; `window` and `passage` are the
    texts it reads, `topics` the entities every passage names)."""
    text = " ".join(r.text for r in refs)
    if not numbers_found(claim, text, question) or not times_found(claim, text):
        return False
    if len(refs) > 1 and not dated_together(claim, [r.text for r in refs]):
        return False
    if not all(entity_found(e, text) for e in entities):
        return False
    if negated(claim) and not (negated(text) and denials_found(claim, text)):
        return False
    if course_not_backed(claim, text):
        return False
    return about_the_question(window, passage, asked, topics)
