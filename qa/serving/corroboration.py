"""Corroboration across versions of one story, for the formatting layers (the UI and the
OpenAI footnotes): "3 versions agree" when versions of the cited article hold the same
passage, "versions disagree" when the answer notes a conflict between versions.

The counting is on the citations alone (their `version_group` and `corroborated_by`), so the
answer chain need not know about it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from qa.types import Citation

__all__ = ["claim_agreement", "version_agreement"]


def version_agreement(
    citation: Citation, citations: Sequence[Citation], conflict: bool = False
) -> str | None:
    """How the versions of the cited article stand on what it says.

    Args:
        citation: the cited passage.
        citations: all of the answer's citations.
        conflict: the answer notes a conflict between its sources (`Answer.conflict`).

    Returns:
        "versions disagree" when `conflict` and another citation is a different version of
        the same story; "N versions agree" when N > 1 versions hold a near-duplicate of the
        passage; None when nothing is known (no version group, or a single version).
    """
    if citation.version_group is None:
        return None
    if conflict and any(
        c.version_group == citation.version_group and c.source != citation.source for c in citations
    ):
        return "versions disagree"
    versions = {citation.source, *(citation.corroborated_by or [])}
    return f"{len(versions)} versions agree" if len(versions) > 1 else None


def claim_agreement(
    numbers: Iterable[int], citations: Sequence[Citation], conflict: bool = False
) -> str | None:
    """The agreement note for a claim citing the sources `numbers` (`[n]` markers): any
    "versions disagree" wins, else the largest "N versions agree", else None."""
    by_number = {c.n: c for c in citations}
    notes = [
        version_agreement(by_number[n], citations, conflict) for n in numbers if n in by_number
    ]
    if "versions disagree" in notes:
        return "versions disagree"
    agree = [int(note.split()[0]) for note in notes if note]
    return f"{max(agree)} versions agree" if agree else None
