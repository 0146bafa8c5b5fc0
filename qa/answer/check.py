"""The answer check: from the generator's raw text to a cited answer, or to a refusal.

Each sentence of the answer is a claim, checked against the sentences of the passages it
cites (`qa.answer.grounding`). Per claim: keep it; repair it (re-cite it to the sentence that
supports it, or quote the cleanest sentence saying the same thing when the model garbled a
figure); or leave it out. The answer as a whole must hold what the question asks for (a time
for "when", an amount for "how much"): otherwise the sentence of the context that does is
quoted, or the answer says what is known and what is not, and counts as a refusal. In an
answer that is otherwise complete, a claim that only restates a wh-question ("AI companies
fear what Meta could learn" for "What do AI companies fear Meta could learn?") answers
nothing and is left out (yes/no questions and questions offering alternatives aside).
Citations
point at the supporting sentences and are numbered from [1] in order of first use.

A pure function of the raw text, the context passages and the embedding function (and an
optional yes/no judge), so it is tested on its own; the chain only calls it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from index.metadata import asked_header_line
from index.normalize import normalize, spaced_figures, tokens
from qa.answer.conflicts import flag_conflicts
from qa.answer.context import restates_question
from qa.answer.extractive import (
    AnswerType,
    answer_type,
    asked_part,
    asks_a_count,
    asks_speaker,
    asks_why,
    fits_type,
    gives_reason,
    later_parts,
    what_was_said,
)
from qa.answer.grounding import (
    ROLE_WORDS,
    Choose,
    Entails,
    SentenceRef,
    about_the_question,
    claim_entities,
    context_name_sets,
    entity_found,
    figure_of_another,
    figures_only_in,
    is_role,
    is_time,
    measure_of_another,
    negated,
    passage_units,
    question_entities,
    quotation_speaker,
    role_of_another,
    supported_by,
)
from qa.answer.markers import CitedSentence, renumber, split_cited, with_markers
from qa.answer.prompts import finds_nothing
from qa.answer.verification import figures, resembles_a_figure_in, word_support
from qa.types import Citation, Embed, RetrievedPassage

__all__ = ["CheckedAnswer", "check_answer", "says_not_known"]

# Ways an answer declines: the prompt's own phrase and what models write instead.
_NOT_KNOWN = re.compile(
    r"not in (the )?articles"
    r"|(do|does|did) not (contain|provide|mention|include|say|specify)"
    r"|(don'?t|doesn'?t|do not|does not) know"
    r"|no (information|mention)"
    r"|(cannot|can'?t|unable to) (be )?(answer|determine|find|be determined)"
    r"|not (mentioned|specified|provided|stated|available)"
    r"|unknown|unclear|not clear",
    re.I,
)
# An answer this short (in content words) that declines is a refusal, not a partial answer.
_SHORT_ANSWER_WORDS = 8
# A claim's words must be this present in the passage, or the claim this close to the
# sentence (cosine), unless its entities and numbers say it all.
_MIN_WORD_SUPPORT = 0.5
_MIN_SIMILARITY = 0.55
# A sentence quoted to answer in the model's place must be this close to the question.
_MIN_QUOTE_RELEVANCE = 0.3
_WHAT_IS_MISSING = {"date": "when", "number": "how much", "name": "who"}
# The answer types whose claims may leave the question's subject to the context.
_TOPIC_TYPES = ("date", "number", "yes/no")
_OPENING_QUOTES = ("“", '"')
_ATTRIBUTION = re.compile(r"[”\"],?\s+(?:said|says|told)\b")  # a quotation's speaker follows
# A pronoun standing for a sentence's actor ("it may hurt a lot if it loses ..."); a possessive
# ("her business strategy") may be anyone's.
_THIRD_PERSON = re.compile(r"\b(?:it|he|she|they)\b", re.I)
_WH_WORD = re.compile(r"\b(who|whom|whose|what|which|when|where|why|how)\b", re.I)
_ASKS_A_NAME = re.compile(r"^\W*(who|whom|whose|which)\b", re.I)
_ALTERNATIVES = re.compile(r"\bor\b|\b(which|who|what) of\b|\bwhether\b", re.I)
_ASKS_WHO = re.compile(r"^\W*(who|whom)\b", re.I)
# Words of a who answer that say no one: verb forms, adverbs and words of time ("Scale AI was
# established in 2016", "... was hacked last year").
_ROLE_NOUNS = ROLE_WORDS - {"ai"}
_NO_ONE_WORD = re.compile(
    r"^(?:\w{4,}(?:ed|ing)|\w+ly|years?|months?|weeks?|days?|ago|quarters?|decades?|times?"
    r"|earlier|later|recently|already|still|also|first|last|next)$"
)


def says_not_known(text: str) -> bool:
    """True when `text` declines to answer ("not in the articles", "I don't know", ...)."""
    return bool(_NOT_KNOWN.search(normalize(text)))


@dataclass(frozen=True)
class CheckedAnswer:
    """An answer that passed the check: text with `[n]` markers, its citations, whether the
    sources disagree on what it states, and whether it holds what the question asks for
    (False: it says what the articles hold and that the asked fact is not among it)."""

    text: str
    citations: list[Citation]
    conflict: bool
    complete: bool = True


@dataclass(frozen=True)
class _Grounded:
    """A claim kept in the answer, with the sentences that support it."""

    text: str
    refs: tuple[SentenceRef, ...]
    entities: tuple[str, ...] = ()
    score: float = 0.0  # cosine similarity of the claim and its closest supporting sentence

    @property
    def passages(self) -> list[int]:
        return list(dict.fromkeys(r.passage for r in self.refs))


@dataclass(frozen=True)
class _Context:
    """What every claim of one answer is checked against (embedded once)."""

    question: str
    passages: Sequence[RetrievedPassage]
    units: list[SentenceRef]
    names: frozenset[str]
    inner_names: frozenset[str]  # those also capitalised inside a sentence (`context_names`)
    asked: list[str]
    unit_vecs: np.ndarray
    question_vec: np.ndarray
    entails: Entails | None = None
    choose: Choose | None = None

    def judge(self, claim: str, refs: Sequence[SentenceRef]) -> bool:
        """The judge's verdict on a claim and its sentences (True without a judge)."""
        if self.entails is None:
            return True
        return self.entails(self.question, claim, " ".join(r.text for r in refs))

    def relevance(self, claim_vec: np.ndarray, k: int) -> float:
        """How well unit `k` matches a claim, with the question as a tie-breaker."""
        return float(self.unit_vecs[k] @ claim_vec) + 0.5 * float(
            self.unit_vecs[k] @ self.question_vec
        )

    def window_text(self, refs: Sequence[SentenceRef]) -> str:
        """The sentences and the one before each in its passage (for a question about an
        article's own lines, `asked_header`, their whole passages)."""
        if self.asked_header is not None:
            return self.passage_text(refs)
        out: list[str] = []
        for ref in refs:
            before = self._before(ref)
            if before is not None:
                out.append(before.text)
            out.append(ref.text)
        return " ".join(out)

    def _before(self, ref: SentenceRef) -> SentenceRef | None:
        """The sentence before `ref` in its passage, or None when `ref` opens it."""
        k = self.units.index(ref)
        if k == 0 or self.units[k - 1].passage != ref.passage:
            return None
        return self.units[k - 1]

    def passage_text(self, refs: Sequence[SentenceRef]) -> str:
        """The passages the sentences lie in."""
        return " ".join(self.passages[n - 1].text for n in dict.fromkeys(r.passage for r in refs))

    @cached_property
    def wanted(self) -> AnswerType:
        """The kind of answer the question asks for (`answer_type`)."""
        return answer_type(self.question)

    @cached_property
    def asks_what(self) -> bool:
        """Does the question ask for something its words do not hold? A wh-question that
        offers no alternatives: not "Did X deny it?", nor "Which company, X or Y?", nor
        "Which of X, Y and Z ...?", whose answers may repeat the question's words."""
        return (
            self.wanted != "yes/no"
            and _WH_WORD.search(self.question) is not None
            and _ALTERNATIVES.search(self.question) is None
        )

    def restated(self, claim: str) -> bool:
        """Does the claim say nothing the question does not (`restates_question`), the
        question asking for something (`asks_what`)?"""
        return self.asks_what and restates_question(claim, self.question)

    @cached_property
    def topics(self) -> frozenset[str]:
        """The question's entities that every context passage names: what the story is
        about, which its sentences often leave unsaid ("Openai decided to back off a few
        months ago", from Scale AI). A claim need not find them in its own sentence when the
        question asks for a time, an amount or a yes/no; when it asks for a name, it must,
        or another company's CEO would pass for the asked one's."""
        if self.wanted not in _TOPIC_TYPES:
            return frozenset()
        return self.story_topics

    @cached_property
    def story_topics(self) -> frozenset[str]:
        """The question's entities that every context passage names, whatever it asks."""
        return frozenset(
            e for e in self.asked if all(entity_found(e, p.text) for p in self.passages)
        )

    def to_find(self, entities: Sequence[str], refs: Sequence[SentenceRef]) -> list[str]:
        """The claim's entities the sentences `refs` must name (`_must_name`), except those
        the attribution of a quotation that a sentence goes on with names: the speaker and
        whom it gives with them ("..., CEO of Tourist"; `_speaker_before`)."""
        speakers = " ".join(self._speaker_before(r) for r in refs)
        return [e for e in self._must_name(entities, refs) if not entity_found(e, speakers)]

    def _speaker_before(self, ref: SentenceRef) -> str:
        """The sentence before `ref` in its passage when `ref` goes on with a quotation that
        one attributes ("“Meta -scale contracts indicate a turning point,” said Jonathan
        Siddhartha ... “The well -known AI labs realizes that neutrality is no longer
        optional.”"), else ""."""
        before = self._before(ref)
        if before is None or not ref.text.lstrip().startswith(_OPENING_QUOTES):
            return ""
        return before.text if _ATTRIBUTION.search(before.text) else ""

    def quotation_speaker(self, ref: SentenceRef) -> tuple[str, tuple[SentenceRef, ...]]:
        """The speaker of the quotation `ref` is (or goes on with), and the sentences that
        give the quotation and its attribution: ("Jonathan Siddhartha", (the sentence "“...
        a turning point,” said Jonathan Siddhartha, CEO of Tourist", `ref`)) for `ref` "“The
        well -known AI labs realizes that neutrality is no longer optional.”", the attribution
        taken from another passage of the article when `ref` opens its own); ("", ()) when
        `ref` is no attributed quotation."""
        speaker = quotation_speaker(ref.text)
        if speaker:
            return speaker, (ref,)
        for same in self._copies(ref):  # overlapping passages: one may open with `ref`
            before = self._before(same)
            if before is not None and self._speaker_before(same):
                speaker = quotation_speaker(before.text)
                if speaker:
                    return speaker, (before, same)
        return "", ()

    def _copies(self, ref: SentenceRef) -> list[SentenceRef]:
        """`ref` and the same sentence in the other passages of its article (overlapping
        chunks), `ref` first."""
        source = self.passages[ref.passage - 1].source
        text = " ".join(ref.text.split())
        return [ref] + [
            u
            for u in self.units
            if u != ref
            and self.passages[u.passage - 1].source == source
            and " ".join(u.text.split()) == text
        ]

    def _must_name(self, entities: Sequence[str], refs: Sequence[SentenceRef]) -> list[str]:
        """The claim's entities the sentences `refs` must name. For a time, an amount or a
        yes/no, the story's `topics` may go unsaid, and so may a question entity the
        sentence before names ("Meta takes a large share ... The scale was worth $ 14
        billion before the deal."), unless the sentences name something neither the
        question nor the claim does: "OpenAI had paid Scale AI $150 million" is about
        OpenAI, and does not say what Google paid."""
        if self.asked_header is not None:
            # An article's own line names the article only through its passage: "© Thomson
            # Writers 2025" is the credit line of "the NDTV version of the story".
            passage = self.passage_text(refs)
            return [e for e in entities if not (self.is_asked(e) and entity_found(e, passage))]
        if self.wanted not in _TOPIC_TYPES:
            return (
                self._anchored(entities, refs)
                if self.asks_a_name
                else self._referred(entities, refs)
            )
        said = " ".join([self.question, *entities])
        if self._names_another(" ".join(r.text for r in refs), said):
            return list(entities)
        window = self.window_text(refs)
        before = not self._names_another(window, said)  # "It paid ..." after "X lost to Y."
        return [
            e
            for e in entities
            if e not in self.topics
            and not (before and self.is_asked(e) and entity_found(e, window))
        ]

    def _referred(self, entities: Sequence[str], refs: Sequence[SentenceRef]) -> list[str]:
        """For a question asking neither a name nor a time, amount or yes/no ("Why could
        losing Google hurt Scale AI?"): every entity of the claim, except a story topic the
        sentences refer to by a subject pronoun ("it", not "her") and the sentence before
        names, when they name no one the question and the claim do not: "it may hurt a lot
        if it loses key users like Google", after "Scale AI intends to continue its
        business", is said of Scale AI. Not for who or which (`_anchored`): "His CEO, Manu
        Sharma" is not Scale AI's CEO."""
        text = " ".join(r.text for r in refs)
        said = " ".join([self.question, *entities])
        if _THIRD_PERSON.search(text) is None or self._names_another(text, said):
            return list(entities)
        window = self.window_text(refs)
        return [
            e
            for e in entities
            if not (
                e in self.story_topics and not entity_found(e, text) and entity_found(e, window)
            )
        ]

    def _anchored(self, entities: Sequence[str], refs: Sequence[SentenceRef]) -> list[str]:
        """For who or which: every entity of the claim, except that the story's topics may
        go unsaid when the sentences name another of the question's entities and no one
        else ("Elon Musk's XAI also strives to get out" answers "Which Elon Musk company
        wants out of Scale AI?"). A sentence that names none of them must name the topic:
        "His CEO, Manu Sharma" is not Scale AI's CEO."""
        text = " ".join(r.text for r in refs)
        anchors = [
            e
            for e in entities
            if self.is_asked(e) and e not in self.story_topics and entity_found(e, text)
        ]
        # ... and names nothing else: "Elon Musk's XAI also strives to get out of its Oracle
        # contract" is about Oracle, not Scale AI
        if not anchors or self._names_another(text, " ".join([self.question, *entities])):
            return list(entities)
        return [e for e in entities if e not in self.story_topics]

    def _names_another(self, text: str, said: str) -> bool:
        """Does `text` name someone `said` does not? ("AI" or "CEO" is no one.)"""
        return any(
            not is_role(n) and not entity_found(n, said) for n in claim_entities(text, self.names)
        )

    def is_asked(self, entity: str) -> bool:
        """Is `entity` one the question names (either spelling holding the other)?"""
        return any(_same_entity(entity, a) for a in self.asked)

    @cached_property
    def asks_a_name(self) -> bool:
        """Does the question ask who, or which one ("Which company ...?")?"""
        return _ASKS_A_NAME.match(asked_part(self.question)) is not None

    @property
    def missing(self) -> str:
        """What an answer without the asked fact does not say: "when", "how much", "how
        many", "who"."""
        if asks_a_count(self.question):
            return "how many"
        return _WHAT_IS_MISSING[self.wanted]

    @cached_property
    def asks_who(self) -> bool:
        """Does the question ask who (not which one, nor who of several it names, nor who
        wrote an article line)? Then an answer must name someone: `names_someone`."""
        return (
            _ASKS_WHO.match(asked_part(self.question)) is not None
            and _ALTERNATIVES.search(self.question) is None
            and self.asked_header is None
        )

    def names_someone(self, claim: _Grounded) -> bool:
        """Does the claim say who: name an entity the question does not (a weekday or a
        month is no one), or add a word to the question's other than a time, a figure, a
        verb form or an adverb (`_NO_ONE_WORD`)? "Tom Reed is a journalist", "The court
        blocked it", "He is the CEO" say who; "Scale AI was founded in 2016" says not who
        founded it."""
        own = [e for e in claim.entities if not self.is_asked(e)]
        if any(not is_role(e) and not is_time(e) for e in own):
            return True
        asked = set(tokens(self.question))
        # a role the question's entity holds says who ("The OpenAI CEO")
        asked |= {
            w for e in claim.entities if e not in own for w in tokens(e) if w not in _ROLE_NOUNS
        }
        return any(
            w not in asked and not figures(w) and not _NO_ONE_WORD.match(w) and not is_time(w)
            for w in tokens(claim.text)
        )

    @cached_property
    def asked_header(self) -> Callable[[str], bool] | None:
        """The test for the article line the question asks about (`asked_header_line`),
        worked out once per answer rather than for every candidate sentence."""
        return asked_header_line(self.question)

    def states_asked_header(self, refs: Sequence[SentenceRef]) -> bool:
        """For a question about the article's own lines ("Who wrote the story?",
        `asked_header`), is one of the sentences that line? A name elsewhere in the story
        (a CEO it quotes) is not its author. True for any other question."""
        header = self.asked_header
        return header is None or any(header(r.text) for r in refs)

    @cached_property
    def asked_role(self) -> str:
        """The asked part of a who-question ("Who is Meta's CEO?"), whose role a claim naming
        none answers (`role_of_another`); empty for any other question."""
        return asked_part(self.question) if self.asks_who else ""

    @cached_property
    def asks_about_a_denial(self) -> bool:
        """Does the question ask what was denied, refused or not done ("What has Microsoft
        denied?")? Then only a sentence that denies something answers it. A yes/no question
        ("Did the spokesperson deny ...?") may be answered either way. A statement before
        the question ("Rules no longer apply. How much ...?") is not what it asks
        (`asked_part`)."""
        return negated(asked_part(self.question)) and self.wanted != "yes/no"

    def about_question(self, refs: Sequence[SentenceRef]) -> bool:
        """Are these sentences about the question's entities? (`about_the_question`)"""
        return about_the_question(
            self.window_text(refs), self.passage_text(refs), self.asked, self.story_topics
        )


def check_answer(
    raw: str,
    passages: Sequence[RetrievedPassage],
    embed: Embed,
    *,
    question: str,
    requote_garbled: bool = True,
    entails: Entails | None = None,
    choose: Choose | None = None,
) -> CheckedAnswer | None:
    """Check a generated answer against its context; None means: refuse.

    Args:
        raw: the generator's text with `[n]` markers (1-based numbers of `passages`).
        passages: the numbered context passages.
        embed: the embedding function.
        question: the standalone question (its entities and answer type are checked).
        requote_garbled: quote the passage's own sentence for a claim whose figure the
            model garbled (for generated answers).
        entails: a yes/no judge asked about each claim naming several entities, if given.
        choose: a reader asked which of the names its cited sentences give answers a
            who/which question, for a claim naming one of them (`_chosen`), if given.

    Returns:
        The checked answer with citations of the supporting sentences (numbered from 1 in
        order of first use), or None.
    """
    if not raw or finds_nothing(raw):
        return None
    claims = split_cited(raw)
    if not claims or not passages:
        return None
    units = passage_units(passages)
    vectors = embed([question, *(c.text for c in claims), *(u.text for u in units)])
    names, inner_names = context_name_sets([p.text for p in passages], question)
    ctx = _Context(
        question,
        passages,
        units,
        names,
        inner_names,
        question_entities(question, names),
        vectors[1 + len(claims) :],
        vectors[0],
        entails,
        choose,
    )
    grounded = [
        g
        for i, claim in enumerate(claims)
        if (g := _ground(claim, vectors[1 + i], ctx, requote_garbled)) is not None
    ]
    grounded = [g for g in grounded if _judged(g, ctx)]
    if grounded:  # the claim that answers; the others back it up
        grounded[0] = _chosen(grounded[0], ctx)
    if not any(g.refs for g in grounded):
        return None  # nothing in the context backs the answer
    grounded, complete = _with_answer_type(grounded, ctx)
    if complete:
        grounded = _with_reason(_unrestated(_with_later_parts(grounded, ctx), ctx), ctx)
        if not any(g.refs for g in grounded):
            return None  # the answer only restates the question
    return _assemble(grounded, complete, ctx, embed)


def _ground(
    claim: CitedSentence, vec: np.ndarray, ctx: _Context, requote: bool
) -> _Grounded | None:
    """Keep, re-cite or requote one claim; None leaves it out of the answer."""
    entities = tuple(claim_entities(claim.text, ctx.names))
    if not entities and not figures(claim.text) and len(tokens(claim.text)) < 2:
        # Too short to state a fact ("Yes."): it keeps the best cited sentence, if any.
        cited = [k for k, u in enumerate(ctx.units) if u.passage in claim.cited]
        best = max(cited, key=lambda k: ctx.relevance(vec, k), default=None)
        return _Grounded(claim.text, () if best is None else (ctx.units[best],))
    run = _list_run(claim.text, entities)
    if run is not None:
        return _ground_list(claim, vec, entities, run, ctx)
    refs = _cited_or_any(claim.text, vec, entities, ctx, claim.cited)
    if refs is not None:
        score = max(float(ctx.unit_vecs[ctx.units.index(r)] @ vec) for r in refs)
        return _Grounded(_cleaner_figure(claim.text, refs, ctx), refs, entities, score)
    if not requote:
        return None
    return _requote(claim.text, vec, entities, ctx) or _requote_speaker(claim.text, vec, ctx)


def _cited_or_any(
    claim: str, vec: np.ndarray, entities: Sequence[str], ctx: _Context, cited: Sequence[int]
) -> tuple[SentenceRef, ...] | None:
    """The supporting sentences in the cited passages, else anywhere in the context."""
    pool = [k for k, u in enumerate(ctx.units) if u.passage in cited]
    refs = _find_refs(claim, vec, entities, ctx, pool)
    if refs is None:
        refs = _find_refs(claim, vec, entities, ctx, list(range(len(ctx.units))))
    return refs


_LIST_JOINT = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)")


def _list_run(claim: str, entities: Sequence[str]) -> tuple[int, int, list[str]] | None:
    """Where the claim lists two entities or more ("Microsoft, OpenAI and xAI"): the span's
    offsets and the items; None when it lists none."""
    found = []
    at = 0
    for e in (e for e in entities if not is_role(e)):  # "Its CEO, Alexander Wang" lists no one
        k = claim.find(e, at)
        if k < 0:
            continue
        found.append((k, k + len(e), e))
        at = k + len(e)
    best: list[tuple[int, int, str]] = []
    run: list[tuple[int, int, str]] = []
    for item in found:
        if run and _LIST_JOINT.fullmatch(claim[run[-1][1] : item[0]] + " "):
            run.append(item)
        else:
            run = [item]
        if len(run) > len(best):
            best = list(run)
    if len(best) < 2:
        return None
    return best[0][0], best[-1][1], [e for _, _, e in best]


def _ground_list(
    claim: CitedSentence,
    vec: np.ndarray,
    entities: Sequence[str],
    run: tuple[int, int, list[str]],
    ctx: _Context,
) -> _Grounded | None:
    """A listing claim keeps the items a sentence supports, each checked on its own (and by
    the judge, if any), except the question's own entities; None when no item is left."""
    start, end, items = run
    kept: list[str] = []
    refs: list[SentenceRef] = []
    # What the question is about is no answer to it ("Which companies ... from Scale AI?"),
    # unless the list holds nothing else ("Did Google and Meta invest?" "Google and Meta ...").
    own = [i for i in items if ctx.is_asked(i)]
    for item in items:
        if item in own and len(own) < len(items):
            continue
        single = claim.text[:start] + item + claim.text[end:]
        others = [e for e in entities if e not in items or e == item]
        found = _cited_or_any(single, vec, others, ctx, claim.cited)
        if found is None or not ctx.judge(single, found):
            continue
        kept.append(item)
        refs.extend(r for r in found if r not in refs)
    if not kept:
        return None
    listed = kept[0] if len(kept) == 1 else ", ".join(kept[:-1]) + " and " + kept[-1]
    text = claim.text[:start] + listed + claim.text[end:]
    score = max(float(ctx.unit_vecs[ctx.units.index(r)] @ vec) for r in refs)
    named = tuple(e for e in entities if e not in items or e in kept)
    return _Grounded(text, tuple(refs), named, score)


def _find_refs(
    claim: str, vec: np.ndarray, entities: Sequence[str], ctx: _Context, pool: list[int]
) -> tuple[SentenceRef, ...] | None:
    """The sentence (or two sentences) among `pool` that best support the claim, the
    cleanest version preferred among near-equals; None when none does."""
    singles = [(k,) for k in pool]
    pairs = [(a, b) for a in pool for b in pool if a < b]
    for shapes in (singles, pairs):
        scored = [
            (max(ctx.relevance(vec, k) for k in ks), ks)
            for ks in shapes
            if _supports(claim, vec, entities, ctx, ks)
        ]
        if scored:
            top = max(s for s, _ in scored)
            near = [(s, ks) for s, ks in scored if s >= top - 0.1]
            _, best = min(near, key=lambda sk: (_garble(claim, sk[1], ctx), -sk[0]))
            return tuple(ctx.units[k] for k in best)
    return None


def _supports(
    claim: str, vec: np.ndarray, entities: Sequence[str], ctx: _Context, ks: Sequence[int]
) -> bool:
    refs = [ctx.units[k] for k in ks]
    if not supported_by(
        claim,
        refs,
        entities=ctx.to_find(entities, refs),
        asked=ctx.asked,
        window=ctx.window_text(refs),
        passage=ctx.passage_text(refs),
        question=ctx.question,
        topics=ctx.story_topics,
    ):
        return False
    said = [*entities, *ctx.asked]
    if any(figure_of_another(claim, r.text, said, ctx.inner_names) for r in refs):
        return False  # "Google is buying 49%" from "the Meta opponent takes a 49% share"
    if role_of_another(claim, " ".join(r.text for r in refs), ctx.asked_role):
        return False  # "Scale AI's CFO said" from "Openai's CFO said"
    if measure_of_another(claim, " ".join(r.text for r in refs)):
        return False  # "valued at hundreds" from "generate hundreds of new revenue"
    if ctx.asks_about_a_denial and not negated(" ".join(r.text for r in refs)):
        return False  # a claim of absence needs support like any other
    if not ctx.states_asked_header(refs):
        return False
    if len(refs) > 1 and not all(entity_found(e, r.text) for e in entities for r in refs):
        # Two sentences join only figures about the same entities ("$200 million this
        # year" and "$150 million last year"), never one's entity to the other's figure.
        return False
    if len(refs) > 1 and not all(_speaks_of(claim, vec, k, ks, ctx) for k in ks):
        return False
    words = set(tokens(claim)) - {w for e in entities for w in tokens(e)}
    if len(words) < 2:
        return True  # its entities and numbers are the claim ("Wang", "49%")
    passage = " ".join(ctx.passages[n - 1].text for n in {r.passage for r in refs})
    similarity = max(float(ctx.unit_vecs[k] @ vec) for k in ks)
    return word_support(claim, passage) >= _MIN_WORD_SUPPORT or similarity >= _MIN_SIMILARITY


def _speaks_of(claim: str, vec: np.ndarray, k: int, ks: Sequence[int], ctx: _Context) -> bool:
    """Whether sentence `k` of a pair `ks`, when it alone gives one of the claim's figures or
    times, says by itself what the claim says of it: the claim's similarity bar, or the
    word-support bar for each clause stating such a figure (`_CLAUSE`):
    "Established in 2016, Scale AI provides labeled data ... for Openi's chat GPT" lends
    no "2016" to "OpenAI started winding down its work with Scale in 2016"."""
    text = ctx.units[k].text
    others = [ctx.units[j].text for j in ks if j != k]
    own = figures_only_in(claim, text, others)
    if not own or float(ctx.unit_vecs[k] @ vec) >= _MIN_SIMILARITY:
        return True
    clauses = [c for c in _CLAUSE.split(claim) if any(_holds(c, x) for x in own)]
    return all(word_support(c, text) >= _MIN_WORD_SUPPORT for c in clauses or [claim])


# Where a claim joining two facts parts them ("$14 billion before the deal and $29 billion
# after it").
_CLAUSE = re.compile(r"[,;:]\s*|\s+(?:and|but|while|whereas)\s+")


def _holds(clause: str, figure: str) -> bool:
    """Whether a clause states a figure or time ("$ 14 billion" holds "14 billion")."""
    plain = " ".join(clause.replace("$", " ").lower().split())
    return re.search(rf"(?<![\w.]){re.escape(figure.lower())}(?![\w])", plain) is not None


def _garble(claim: str, ks: Sequence[int], ctx: _Context) -> int:
    """How untidy a version is: figures the claim does not state, and spaced-out figures."""
    text = " ".join(ctx.units[k].text for k in ks)
    return len(figures(text) - figures(claim)) + 2 * len(spaced_figures(text))


def _cleaner_figure(claim: str, refs: Sequence[SentenceRef], ctx: _Context) -> str:
    """A spaced-out figure the claim copied from one version ("70 870 million") replaced by
    the form another version of the same statement gives ("$ 870 million")."""
    for figure in spaced_figures(claim):
        tail = figure.split()[-1]
        for unit in ctx.units:
            if unit in refs or not re.search(rf"\$\s?{tail}\b", unit.text):
                continue
            if not spaced_figures(unit.text) and word_support(claim, unit.text) >= 0.4:
                return claim.replace(figure, f"${tail}")
    return claim


def _requote(
    claim: str, vec: np.ndarray, entities: Sequence[str], ctx: _Context
) -> _Grounded | None:
    """The model read the right sentence but garbled a figure (a small model "fixes" "70 870
    million" into "$70.87 billion"): quote the sentence itself, if one says the same thing
    (the claim's entities, most of its words, a figure the wrong one misreads) and holds
    what the question asks for."""
    wanted = ctx.wanted
    fits: list[int] = []
    for k, unit in enumerate(ctx.units):
        wrong = figures(claim) - figures(unit.text)
        if not wrong or not all(resembles_a_figure_in(x, unit.text) for x in wrong):
            continue
        if word_support(claim, unit.text) < _MIN_WORD_SUPPORT:
            continue
        if not fits_type(unit.text, ctx.question, wanted):
            continue
        if all(entity_found(e, unit.text) for e in entities) and ctx.about_question([unit]):
            fits.append(k)
    if not fits:
        return None
    k = min(fits, key=lambda k: (_garble("", [k], ctx), -ctx.relevance(vec, k)))
    score = float(ctx.unit_vecs[k] @ vec)
    return _Grounded(" ".join(ctx.units[k].text.split()), (ctx.units[k],), tuple(entities), score)


def _requote_speaker(claim: str, vec: np.ndarray, ctx: _Context) -> _Grounded | None:
    """For a question asking who said something (`what_was_said`), a claim that puts a
    quotation of the context in another's mouth ("Merkel's CEO Brendon Foody said that
    neutrality is no longer optional for AI labs", the quotation being Jonathan
    Siddhartha's): the quotation and its attribution, quoted, when the quotation says most
    of the claim's words (its names aside) and of what the question says was said; None
    otherwise. The check then goes on as for any claim (`_speaker_of`)."""
    said = what_was_said(ctx.question)
    if not said:
        return None
    named = {w for e in claim_entities(claim, ctx.names) for w in tokens(e)}
    words = " ".join(w for w in tokens(claim) if w not in named)
    fits: list[tuple[float, tuple[SentenceRef, ...]]] = []
    for k, unit in enumerate(ctx.units):
        speaker, refs = ctx.quotation_speaker(unit)
        if not speaker or entity_found(speaker, ctx.question):
            continue
        if word_support(words, unit.text) < _MIN_WORD_SUPPORT:
            continue
        if word_support(said, unit.text) < _MIN_WORD_SUPPORT:
            continue
        fits.append((ctx.relevance(vec, k), refs))
    if not fits:
        return None
    score, refs = max(fits, key=lambda f: f[0])
    return _quotation(refs, ctx, score)


def _judged(claim: _Grounded, ctx: _Context) -> bool:
    """The judge is asked about claims that relation words alone cannot vouch for: those
    naming two entities or more that the question does not (who did what to whom). A list's
    items were judged one by one already."""
    own = [e for e in claim.entities if not any(entity_found(e, a) for a in ctx.asked)]
    if len(own) < 2 or not claim.refs or _list_run(claim.text, claim.entities) is not None:
        return True
    return ctx.judge(claim.text, claim.refs)


def _chosen(claim: _Grounded, ctx: _Context) -> _Grounded:
    """The answer's first claim, answering a who/which question with one name, where its
    cited sentences give other names too ("Alexander Wang ... move to Meta" names Scale
    AI's CEO and Meta), is put to the reader (`ctx.choose`): words and entities alone do not
    say which name the sentences answer the question with. When it picks another of the
    names, and picks it again with the options in reverse order, the claim is repaired to
    that name, cited to the same sentences (which name it by construction). A list of
    names, a time ("Friday") or no steady pick leaves the claim as it is."""
    if ctx.choose is None or not claim.refs or not ctx.asks_a_name:
        return claim
    if ctx.wanted in _TOPIC_TYPES:  # "Which year ...?" asks a time, not a name
        return claim
    answer = [e for e in claim.entities if not entity_found(e, ctx.question)]
    if len(answer) != 1:  # a list, or no name of its own
        return claim
    text = " ".join(r.text for r in claim.refs)
    options: list[str] = []
    for name in map(_without_role, claim_entities(text, ctx.names)):
        if is_role(name) or entity_found(name, ctx.question):
            continue
        if is_time(name):
            continue  # a weekday or a month is no one's name
        if not any(_same_entity(name, o) for o in options):
            options.append(name)
    if len(options) < 2 or not any(entity_found(answer[0], o) for o in options):
        return claim
    pick = ctx.choose(ctx.question, text, options)
    if pick not in options or _same_name(pick, answer[0]):
        return claim
    # A small model leans to the first option: the pick must survive the options reversed.
    if ctx.choose(ctx.question, text, options[::-1]) != pick:
        return claim
    return _Grounded(f"{pick}.", claim.refs, (pick,), claim.score)


def _same_name(a: str, b: str) -> bool:
    """Does either name hold the other ("Meta" and "Meta AI")?"""
    return entity_found(a, b) or entity_found(b, a)


def _same_entity(a: str, b: str) -> bool:
    """Does each name hold the other (two spellings of one name)?"""
    return entity_found(a, b) and entity_found(b, a)


def _without_role(name: str) -> str:
    """A name without the role words that open it ("CEO Alexander Wang" -> "Alexander
    Wang")."""
    words = name.split()
    while len(words) > 1 and words[0].lower() in ROLE_WORDS:
        words = words[1:]
    return " ".join(words)


def _with_answer_type(grounded: list[_Grounded], ctx: _Context) -> tuple[list[_Grounded], bool]:
    """The claims, or the sentence of the context that holds the asked kind of fact (a time,
    an amount) when no claim does; `False` when the context holds none."""
    wanted = ctx.wanted
    if wanted == "name" and asks_speaker(ctx.question):
        first = next(g for g in grounded if g.refs)
        spoken = _speaker_of(first, ctx)
        if spoken is not None:
            return [spoken], True
    if wanted == "name":
        if not ctx.asks_who or any(ctx.names_someone(g) for g in grounded if g.refs):
            return grounded, True
        first = next(g for g in grounded if g.refs)
        quoted = _whom_it_means(first, ctx)
        if quoted is not None:
            return [quoted], True
        return [first], False  # "Scale AI was founded in 2016" says not who
    if wanted not in _WHAT_IS_MISSING:
        return grounded, True
    if any(fits_type(g.text, ctx.question, wanted) for g in grounded if g.refs):
        return grounded, True
    quoted = _fitting_sentence(grounded, ctx, ctx.question, wanted)
    if quoted is None:
        return [g for g in grounded if g.refs][:1], False
    return [quoted], True


def _speaker_of(claim: _Grounded, ctx: _Context) -> _Grounded | None:
    """For a question asking who said something (`asks_speaker`), a claim backed by a
    quotation that does not name its speaker gives what was said, not who said it ("The
    well-known AI labs realized that neutrality is no longer optional [1]"): the quotation
    and its attribution are quoted in its place. None when the claim names the speaker, or
    its sentences are no attributed quotation."""
    for ref in claim.refs:
        speaker, refs = ctx.quotation_speaker(ref)
        if not speaker:
            continue
        own = [e for e in claim.entities if not entity_found(e, ctx.question)]
        if any(entity_found(e, speaker) or entity_found(speaker, e) for e in own):
            return None
        return _quotation(refs, ctx, claim.score)
    return None


def _unrestated(grounded: list[_Grounded], ctx: _Context) -> list[_Grounded]:
    """The claims without those that only restate the question (`_Context.restated`); such
    a claim backed by one sentence that says more than the question gives way to that
    sentence, quoted: the model pointed at the answer without saying it ("AI companies fear
    Meta could learn about them through Scale [3]", sentence 3 saying what they fear). Not
    for a question about an article's own line, which its line answers (`is_asked_header`):
    "NDTV holds the copyright" is backed by "(This story has not been edited by the NDTV
    staff ...)", which does not say who holds it."""
    kept = []
    for g in grounded:
        if not ctx.restated(g.text):
            kept.append(g)
            continue
        if len(g.refs) != 1 or ctx.asked_header is not None:
            continue
        quoted = " ".join(g.refs[0].text.split())
        if not ctx.restated(quoted):
            kept.append(_Grounded(quoted, g.refs, g.entities, g.score))
    return kept


def _with_reason(grounded: list[_Grounded], ctx: _Context) -> list[_Grounded]:
    """For a question asking why (`asks_why`), the answering claim (the first backed one)
    when it gives a reason (`gives_reason`); else, when it is backed by one sentence that
    gives one, that sentence, quoted: "Scale AI could lose key users like Google [1]" gives
    way to "Because his main business is concentrated around several customers, he can
    suffer significantly if he loses key customers like Google". A claim neither gives a
    reason for stays as it is: a reason can be said without the words that mark one."""
    if not asks_why(ctx.question):
        return grounded
    at = next((i for i, g in enumerate(grounded) if g.refs), None)
    if at is None:
        return grounded
    first = grounded[at]
    if gives_reason(first.text) or len(first.refs) != 1:
        return grounded
    quoted = " ".join(first.refs[0].text.split())
    if not gives_reason(quoted):
        return grounded
    return [
        *grounded[:at],
        _Grounded(quoted, first.refs, first.entities, first.score),
        *grounded[at + 1 :],
    ]


def _with_later_parts(grounded: list[_Grounded], ctx: _Context) -> list[_Grounded]:
    """The claims, and for each later part of a question of several (`later_parts`: "...,
    and what share is it taking?") that asks a time or an amount no claim gives, the
    context's sentence that gives it (`_fitting_sentence`), when there is one: "Meta is
    taking a 49% stake", after "Scale AI's CEO is moving to Meta"."""
    for part in later_parts(ctx.question):
        wanted = answer_type(part)
        if wanted not in ("date", "number"):
            continue
        if any(fits_type(g.text, part, wanted) for g in grounded if g.refs):
            continue
        quoted = _fitting_sentence(grounded, ctx, part, wanted, of_claims=False)
        if quoted is not None:
            grounded = [*grounded, quoted]
    return grounded


def _fitting_sentence(
    grounded: Sequence[_Grounded],
    ctx: _Context,
    asked: str,
    wanted: AnswerType,
    *,
    of_claims: bool = True,
) -> _Grounded | None:
    """The context's sentence that holds the `wanted` kind of fact `asked` (the question,
    or a part of it) asks for, quoted; None when no sentence does. With `of_claims`, it
    says what the claims `grounded` say in other words: it names their entities and half
    their words. Without (another part of the question), it tells more of what they name:
    it or the sentence before names their entities, roles ("CEO") aside."""
    about = [e for g in grounded for e in g.entities if of_claims or not is_role(e)]
    said = " ".join(g.text for g in grounded)
    vec = ctx.question_vec

    def names_them(k: int) -> bool:
        text = ctx.units[k].text if of_claims else ctx.window_text([ctx.units[k]])
        return all(entity_found(e, text) for e in about)

    candidates = [
        k
        for k, unit in enumerate(ctx.units)
        if fits_type(unit.text, asked, wanted)
        and float(ctx.unit_vecs[k] @ vec) >= _MIN_QUOTE_RELEVANCE
        and names_them(k)
        and ctx.about_question([unit])
        and word_support(asked, unit.text) > 0
        and (not of_claims or word_support(said, unit.text) >= _MIN_WORD_SUPPORT)
    ]
    if not candidates:
        return None
    # The sentence that backs what the model said, when it holds the asked fact, answers
    # about that event; another one may hold a time of something else ("on Friday").
    backing = {(r.passage, r.start) for g in grounded for r in g.refs}
    own = [k for k in candidates if (ctx.units[k].passage, ctx.units[k].start) in backing]
    k = max(own or candidates, key=lambda k: ctx.relevance(vec, k))
    return _Grounded(" ".join(ctx.units[k].text.split()), (ctx.units[k],), tuple(about), 1.0)


_PRONOUNS = frozenset({"he", "she", "they", "it", "his", "her", "their", "its"})


def _whom_it_means(claim: _Grounded, ctx: _Context) -> _Grounded | None:
    """A who answer that opens with a pronoun ("He is moving to Meta [1].") means whom its
    sentence names: that sentence, quoted, when it says who; None otherwise."""
    first = claim.text.split(" ", 1)[0].lower()
    if first not in _PRONOUNS:
        return None
    for ref in claim.refs:
        quoted = _quotation((ref,), ctx, claim.score)
        if ctx.names_someone(quoted):
            return quoted
    return None


def _quotation(refs: Sequence[SentenceRef], ctx: _Context, score: float) -> _Grounded:
    """The sentences `refs` quoted as a claim (white space made single), with the entities
    they name."""
    text = " ".join(" ".join(r.text.split()) for r in refs)
    return _Grounded(text, tuple(refs), tuple(claim_entities(text, ctx.names)), score)


def _assemble(
    grounded: list[_Grounded], complete: bool, ctx: _Context, embed: Embed
) -> CheckedAnswer | None:
    """The answer text and its sentence citations, conflicts noted, numbered from [1]."""
    if complete:
        text = " ".join(with_markers(g.text, g.passages) for g in grounded)
    else:
        text = _known_not_asked(grounded[0], ctx.missing)
    spans: dict[int, list[SentenceRef]] = {}
    scores: dict[int, float] = {}
    for g in grounded:
        for ref in g.refs:
            spans.setdefault(ref.passage, []).append(ref)
            scores[ref.passage] = max(scores.get(ref.passage, 0.0), g.score)
    cited = [Citation.from_passage(n, ctx.passages[n - 1]) for n in sorted(spans)]
    text, cited, conflict = flag_conflicts(text, cited, ctx.passages, embed)
    if says_not_known(text) and len(tokens(text)) < _SHORT_ANSWER_WORDS:
        return None
    for c in cited:  # the other side of a conflict: its sentence closest to the question
        if c.n not in spans:
            own = [k for k, u in enumerate(ctx.units) if u.passage == c.n]
            if own:
                spans[c.n] = [ctx.units[max(own, key=lambda k: ctx.relevance(ctx.question_vec, k))]]
    text, order = renumber(text)
    citations = [
        _sentence_citation(new, ctx.passages[old - 1], spans.get(old, []), scores.get(old, 0.0))
        for old, new in order.items()
    ]
    return CheckedAnswer(text, citations, conflict, complete)


def _known_not_asked(claim: _Grounded, missing: str) -> str:
    """ "The articles say X [n], but not when." for a claim without the asked fact."""
    body = claim.text.rstrip(" .!?")
    if not any(body.startswith(e) for e in claim.entities):  # "Two children ..."; not "Meta"
        body = body[0].lower() + body[1:]
    markers = "".join(f"[{n}]" for n in claim.passages)
    return f"The articles say that {body} {markers}, but not {missing}."


def _sentence_citation(
    n: int, passage: RetrievedPassage, refs: Sequence[SentenceRef], score: float
) -> Citation:
    """Citation `n` of a passage: the span of its supporting sentences (the whole passage
    when none was chosen)."""
    if not refs:
        return Citation.from_passage(n, passage, score)
    span = (min(r.start for r in refs), max(r.end for r in refs))
    return Citation.from_passage(n, passage, score, span=span)
