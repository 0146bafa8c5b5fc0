"""Who holds which role where: "Scale AI's CEO, Alexander Wang", "Handshake CEO Garrett
Lord", "Jonathan Siddhartha, CEO of Turing". A claim that gives a person a company's role
is not backed by a sentence that gives that person the role at another company ("Meta's
chief executive is Wang" is not what "... under the AI's CEO, Wang, Meta's AI efforts"
says): shared words and names pass such a pair, the relation does not.

The relations are read with patterns of apposition and possession, as in pattern-based
relation extraction (Hearst, 1992; the "X's CEO, Y" and "Y, CEO of X" patterns of
ACE-style role relations); a role with no company of its own ("CEO Alexander Wang", "His
CEO, Manu Sharma") contradicts nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.grounding import entity_found, is_role

__all__ = ["RoleRelation", "role_relations", "roles_contradicted"]

# The roles, each with the words that name it; matched case-insensitively.
_ROLES = {
    "ceo": r"ceo|chief executive(?: officer)?|boss",
    "cfo": r"cfo|chief financial officer|finance chief",
    "cto": r"cto|chief technology officer",
    "coo": r"coo|chief operating officer",
    "founder": r"co-?founder|founder",
    "president": r"president",
    "chair": r"chairman|chairwoman|chairperson|chair",
    "spokesperson": r"spokes(?:man|woman|person)",
}
_ROLE = "|".join(f"(?:{words})" for words in _ROLES.values())
_NAME = r"(?-i:[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,3})"
_POSSESSIVE = r"['’]s"
_PATTERNS = (
    # "Scale AI's CEO, Alexander Wang", "Meta's chief executive is Wang"
    re.compile(
        rf"(?P<org>{_NAME}){_POSSESSIVE}\s+(?P<role>{_ROLE})\b,?\s+(?:is\s+|was\s+)?"
        rf"(?P<person>{_NAME})",
        re.I,
    ),
    # "Handshake CEO Garrett Lord"
    re.compile(rf"(?P<org>{_NAME})\s+(?P<role>{_ROLE})\s+(?P<person>{_NAME})", re.I),
    # "Jonathan Siddhartha, CEO of Turing", "Wang is the chief executive of Scale AI"
    re.compile(
        rf"(?P<person>{_NAME}),?\s+(?:is\s+|was\s+)?(?:the\s+)?(?P<role>{_ROLE})\s+(?:of|at)\s+"
        rf"(?:the\s+)?(?P<org>{_NAME})",
        re.I,
    ),
)
# "Who is Meta's chief executive?", "Who is the CEO of Mercor?"
_ASKED = (
    re.compile(rf"\bwho\s+(?:is|was)\s+(?P<org>{_NAME}){_POSSESSIVE}\s+(?P<role>{_ROLE})\b", re.I),
    re.compile(
        rf"\bwho\s+(?:is|was)\s+the\s+(?P<role>{_ROLE})\s+(?:of|at)\s+(?P<org>{_NAME})", re.I
    ),
)


@dataclass(frozen=True)
class RoleRelation:
    """A person holding a role at an organisation, as a text states it."""

    org: str
    role: str  # a key of `_ROLES`: "ceo", "cfo", ...
    person: str


def _role_key(words: str) -> str:
    for key, pattern in _ROLES.items():
        if re.fullmatch(pattern, words.lower()):
            return key
    return words.lower()


def role_relations(text: str) -> list[RoleRelation]:
    """The role relations `text` states, in the order of the patterns; an organisation
    that is only role words ("The AI") is kept: it is still not another company's name."""
    found: list[RoleRelation] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            org = re.sub(r"^(?:The|A|An)\s+", "", m["org"])
            person = m["person"].rstrip(".")
            if is_role(person) or not org:
                continue
            found.append(RoleRelation(org, _role_key(m["role"]), person))
    return found


def _asked_relation(question: str, claim: str) -> RoleRelation | None:
    """The relation a who question and a bare name answer state together ("Who is Meta's
    chief executive?" and "Wang." state that Wang is Meta's CEO)."""
    names = re.findall(_NAME, claim)
    if len(names) != 1:
        return None
    for pattern in _ASKED:
        m = pattern.search(question)
        if m is not None:
            return RoleRelation(m["org"], _role_key(m["role"]), names[0])
    return None


def roles_contradicted(claim: str, text: str, question: str = "") -> bool:
    """True when the claim gives a person a role at one organisation and `text` gives that
    person the same role at another one, and nowhere at the claim's: "Meta's chief
    executive is Wang" against "the AI's CEO, Wang". `question` lends its relation to a
    bare name ("Wang." for "Who is Meta's chief executive?")."""
    claimed = role_relations(claim)
    if not claimed and question:
        asked = _asked_relation(question, claim)
        claimed = [asked] if asked is not None else []
    stated = role_relations(text)
    for rel in claimed:
        same = [
            s
            for s in stated
            if s.role == rel.role
            and (entity_found(rel.person, s.person) or entity_found(s.person, rel.person))
        ]
        if same and not any(_same_org(rel.org, s.org) for s in same):
            return True
    return False


def _same_org(a: str, b: str) -> bool:
    return entity_found(a, b) or entity_found(b, a)
