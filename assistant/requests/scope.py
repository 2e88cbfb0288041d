"""Scope lines and fallback lines: sentences of a request that are not questions but govern how to answer them.

* A **scope line** sets the period, breakdown or definitions for several questions ("Please answer for each of
  the five financial years 2018-19 to 2022-23", "For each of the financial quarters since January 2020",
  "broken down by gender", "By 'placement' I mean…"). It is attached to every question it governs, so the
  answer covers it and retrieval searches with it.
* A **fallback line** says what the requester will accept instead ("If it is not possible to include all the
  information, please provide what is available", "if this exceeds the cost limit, please limit the search
  to…"). It is kept with the request for the officer, never drafted as a question.

A sentence that asks for something of its own ("How many children… in each of the last five years?") is a
question, not a scope line, even if it names a period.
"""
from __future__ import annotations

import re

_PERIOD_UNIT = r"(?:financial|calendar|academic|school|fiscal|reporting)?\s*(?:years?|quarters?|months?|periods?)"
_SCOPE = re.compile(
    rf"""\b(?:for|in|over|covering)\s+(?:each|every|all|both)\s+(?:of\s+)?(?:the\s+)?(?:last|past|previous|following|
        |\w+\s+)?(?:\d+\s+|two|three|four|five|six|seven|eight|nine|ten|\(\d+\)\s*)?\s*(?:full\s+)?{_PERIOD_UNIT}
        |\bfor\s+(?:each|every|all)\s+(?:of\s+)?(?:the\s+)?(?:above|following|questions?)\b
        |\b(?:for|in|over|covering)\s+the\s+(?:period|years?)\s+(?:from\s+|of\s+)?\d
        |\bin\s+all\s+(?:instances|cases)\b|\bwhere(?:ver)?\s+(?:numbers|figures)\s+are\b
        |\b(?:for|in|during|covering)\s+(?:the\s+)?(?:financial|calendar|academic|school)\s+years?\s+\d{{4}}
        |\b(?:covering|for|over)\s+the\s+(?:last|past|previous)\s+(?:\w+\s+){{1,3}}?{_PERIOD_UNIT}\b
        |\bfrom\s+(?:\w+\s+)?\d{{4}}\s+(?:to|until|-)
        |\bfor\s+(?:two|three|four|five|\d+|\(\d+\))\s*(?:\(\d+\)\s*)?time\s+periods?
        |\b(?:broken|break(?:ing)?|split)\s+(?:(?:this|these|it|them|the\s+(?:figures?|data|information|numbers?|
        |responses?|answers?))\s+)?(?:down\s+)?(?:by|for|into)\b|\bbreakdown\s+(?:by|for)\b
        |\bresponses?\s+(?:can\s+|could\s+|should\s+)?be\s+split\b
        |\b(?:by|with|where)\s+['"‘“]?[\w\s-]{{1,40}}['"’”]?,?\s+I\s+mean\b|\bfor\s+the\s+purposes?\s+of\s+this\s+request\b
        |\bplease\s+answer\s+(?:for|in\s+respect\s+of|each)\b|\bin\s+relation\s+to\s+(?:the|each|all)\b.{{0,250}}\beach\b
        |\b(?:all\s+(?:of\s+)?the|the)\s+(?:following|above)\s+questions\s+(?:refer|relate|apply)\b
        |\b(?:for|in)\s+the\s+(?:last|past|previous|current)\s+(?:financial|calendar|academic|school)\s+years?\b
        |^(?:in|during|for|over)\s+the\s+(?:past|last|previous)\s+(?:\d+|\w+)\s+{_PERIOD_UNIT}\s*[:,]?\s*$
        |^since\s+\w+\s+\d{{4}}\s*[:,]?\s*$""",
    re.I | re.X,
)
#: A subject of its own: the sentence asks something, so it is a question that happens to name a period.
_OWN_ASK = re.compile(
    r"""\b(?:how\s+(?:many|much|often|long)|number\s+of|numbers\s+of|amount\s+of|copy\s+of|copies\s+of|list\s+of
        |the\s+number\b|total\s+(?:cost|spend|amount|number)|cost\s+of|what\b|which\b|who\b|whether\b)""",
    re.I | re.X,
)
_FALLBACK = re.compile(
    r"""^\(?(?:note:?\s*)?(?:please\s+note\s+that\s+)?(?:if|where|should|in\s+the\s+event)\b.{0,240}?
        (?:not\s+(?:be\s+)?(?:possible|able|available|held|feasible|recorded|known)|only\s+available
        |already\s+(?:publicly\s+available|published|available|in\s+the\s+public\s+domain)|in\s+the\s+public\s+domain|unable|cannot|can\s*not|can't
        |exceed|cost\s+limit|appropriate\s+limit|(?:time|cost)\s+(?:limit|threshold)|too\s+(?:costly|expensive|much
        |long|large|many)|exempt|breach|section\s+(?:12|14|40|43)|s\.?\s*(?:12|14|40|43)\b|redact|withh[oe]ld
        |not\s+in\s+the\s+format|does\s+not\s+exist|no-?one\s+has\s+not|no\s+(?:data|information|records?))
        |^(?:please\s+)?provide\s+(?:what|whatever|as\s+much|the\s+(?:rest|remainder))\b
        |\bany\s+information\s+(?:that\s+is\s+|which\s+is\s+)?exempt\b""",
    re.I | re.X,
)


_ASIDE = re.compile(r"\([^()]*\)")


def is_scope_line(sentence: str) -> bool:
    """A period, breakdown or definition meant for several questions, with no ask of its own (an aside in
    brackets, "(i.e. numbers of boys and girls)", is not an ask)."""
    text = sentence.strip()
    if not text or text.endswith("?") or not _SCOPE.search(text):
        return False
    return not _OWN_ASK.search(_ASIDE.sub("", text))


def is_fallback_line(sentence: str) -> bool:
    """What the requester will accept if the request cannot be answered in full."""
    text = sentence.strip()
    return bool(text) and bool(_FALLBACK.search(text))


_QUESTION_REF = re.compile(
    r"\bq(?:uestions?|s?\.)\s*(\d{1,3})(?:\s*(?:-|–|to|and|&)\s*(?:q(?:uestion)?\.?\s*)?(\d{1,3}))?", re.I
)


def governed_numbers(scope: str, numbers: list[str]) -> list[str] | None:
    """The questions a scope line names ("for questions 3 to 5"), or None when it names none (then it
    governs the questions around it)."""
    wanted: set[str] = set()
    for match in _QUESTION_REF.finditer(scope):
        first = int(match.group(1))
        last = int(match.group(2) or first)
        wanted.update(str(n) for n in range(first, max(first, last) + 1))
    found = [n for n in numbers if n in wanted]
    return found or None
