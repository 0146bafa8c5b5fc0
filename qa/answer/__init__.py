"""Answering: follow-up rewriting, context compaction, prompts, generation (or extraction),
citation markers, verification, conflicts, and the chain that runs them in order."""

from __future__ import annotations

from qa.answer.chain import AnswerChain, Retriever, evaluate_fixed_opening
from qa.answer.check import CheckedAnswer, check_answer, says_not_known
from qa.answer.conflicts import Conflict, find_conflicts, flag_conflicts
from qa.answer.context import (
    ScoredSentences,
    compact_passages,
    passage_sentences,
    score_sentences,
)
from qa.answer.extractive import AnswerType, Extract, answer_type, extract_answer, fits_type
from qa.answer.followups import (
    clean_rewrite,
    elliptical_rewrite,
    heuristic_rewrite,
    is_follow_up,
    pronoun_rewrite,
    standalone_question,
)
from qa.answer.grounding import (
    ALIASES,
    Entails,
    SentenceRef,
    about_the_question,
    claim_entities,
    context_names,
    entity_found,
    negated,
    numbers_found,
    passage_units,
    question_entities,
    supported_by,
    times_found,
)
from qa.answer.markers import CitedSentence, renumber, split_cited, with_markers
from qa.answer.prompts import (
    ANSWER_EXAMPLES,
    ANSWER_SYSTEM,
    NOT_IN_ARTICLES,
    REWRITE_INSTRUCTION,
    Example,
    build_answer_messages,
    build_rewrite_messages,
)
from qa.answer.verification import counts, figures, resembles_a_figure_in, word_support

__all__ = [
    "ALIASES",
    "ANSWER_EXAMPLES",
    "ANSWER_SYSTEM",
    "NOT_IN_ARTICLES",
    "REWRITE_INSTRUCTION",
    "AnswerChain",
    "AnswerType",
    "CheckedAnswer",
    "CitedSentence",
    "Conflict",
    "Entails",
    "Example",
    "Extract",
    "Retriever",
    "ScoredSentences",
    "SentenceRef",
    "about_the_question",
    "answer_type",
    "build_answer_messages",
    "build_rewrite_messages",
    "check_answer",
    "claim_entities",
    "clean_rewrite",
    "compact_passages",
    "context_names",
    "counts",
    "elliptical_rewrite",
    "entity_found",
    "evaluate_fixed_opening",
    "extract_answer",
    "figures",
    "find_conflicts",
    "fits_type",
    "flag_conflicts",
    "heuristic_rewrite",
    "is_follow_up",
    "negated",
    "numbers_found",
    "passage_sentences",
    "passage_units",
    "pronoun_rewrite",
    "question_entities",
    "renumber",
    "resembles_a_figure_in",
    "says_not_known",
    "score_sentences",
    "split_cited",
    "standalone_question",
    "supported_by",
    "times_found",
    "with_markers",
    "word_support",
]
