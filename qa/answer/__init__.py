"""Answering: follow-up rewriting, context compaction, prompts, generation (or extraction),
citation markers, verification, conflicts, and the chain that runs them in order."""

from __future__ import annotations

from qa.answer.chain import AnswerChain, Retriever, evaluate_fixed_opening
from qa.answer.check import CheckedAnswer, check_answer, says_not_known
from qa.answer.conflicts import Conflict, add_conflict_note, find_conflicts, flag_conflicts
from qa.answer.context import (
    ScoredSentences,
    compact_passages,
    passage_sentences,
    score_sentences,
)
from qa.answer.extractive import AnswerType, Extract, answer_type, extract_answer, fits_type
from qa.answer.followups import clean_rewrite, heuristic_rewrite, is_follow_up
from qa.answer.markers import CitedSentence, marker_numbers, split_cited, with_markers
from qa.answer.prompts import (
    ANSWER_EXAMPLES,
    ANSWER_SYSTEM,
    NOT_IN_ARTICLES,
    REWRITE_INSTRUCTION,
    Example,
    build_answer_messages,
    build_rewrite_messages,
    format_passages,
)
from qa.answer.verification import (
    Verification,
    figures,
    lexical_support,
    misquoted,
    supports,
    verify_citations,
)

__all__ = [
    "ANSWER_EXAMPLES",
    "ANSWER_SYSTEM",
    "NOT_IN_ARTICLES",
    "REWRITE_INSTRUCTION",
    "AnswerChain",
    "AnswerType",
    "CheckedAnswer",
    "CitedSentence",
    "Conflict",
    "Example",
    "Extract",
    "Retriever",
    "ScoredSentences",
    "Verification",
    "add_conflict_note",
    "answer_type",
    "build_answer_messages",
    "build_rewrite_messages",
    "check_answer",
    "clean_rewrite",
    "compact_passages",
    "evaluate_fixed_opening",
    "extract_answer",
    "figures",
    "find_conflicts",
    "fits_type",
    "flag_conflicts",
    "format_passages",
    "heuristic_rewrite",
    "is_follow_up",
    "lexical_support",
    "marker_numbers",
    "misquoted",
    "passage_sentences",
    "says_not_known",
    "score_sentences",
    "split_cited",
    "supports",
    "verify_citations",
    "with_markers",
]
