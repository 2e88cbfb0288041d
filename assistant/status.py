"""Suggest a status and exemptions for an answer, with the reason, from what the answer itself says.

A suggestion only: the officer decides. The patterns mirror how councils word outcomes in their replies.
"""
from __future__ import annotations

import re

from assistant import exemptions
from assistant.models import Status

_NOT_HELD = re.compile(
    r"\b(?:(?:is|are|was|were)\s+not\s+held|not\s+held\s+by|does\s+not\s+hold|do\s+not\s+hold|doesn't\s+hold|don't\s+hold|"
    r"no\s+(?:recorded\s+)?information\s+(?:is\s+)?held|holds\s+no\s+(?:information|record)|"
    r"(?:does|do)\s+not\s+(?:record|collect)|not\s+recorded|is\s+not\s+available\s+separately|figures\s+for\s+this\s+are\s+(?:therefore\s+)?not\s+available|"
    r"(?:are|is)\s+(?:therefore\s+)?not\s+available|unable\s+to\s+(?:determine|provide|identify)|"
    r"^\s*no\b[^.]{0,160}\b(?:has|have)\s+been\s+(?:carried\s+out|undertaken|completed|done|produced)|"
    r"\b(?:has|have)\s+not\s+(?:been\s+)?(?:carried\s+out|undertaken|completed|produced)|\bhaven't\s+done)",
    re.I,
)
_REDIRECT = re.compile(
    r"\b(?:held\s+by\s+(?:the\s+)?(?!(?:the\s+)?council|lincolnshire\s+county)[A-Z]|(?:contact|direct\s+your\s+request\s+to|"
    r"redirect(?:ed)?\s+to|submit\s+(?:a\s+)?(?:new|fresh|separate)\s+(?:foi\s+)?request\s+to|should\s+be\s+made\s+to|"
    r"make\s+a\s+(?:new\s+)?(?:freedom\s+of\s+information|foi)\s+request\s+to|which\s+holds?\s+(?:the|this)\s+information))",
    re.I,
)
_PUBLISHED = re.compile(r"\b(?:published|available\s+(?:online|on\s+(?:our|the)\s+website|at\s+https?://)|can\s+be\s+found\s+(?:here|at|on))", re.I)
_FIGURE = re.compile(r"\b\d[\d,]*\b")


def suggest_status(answer: str) -> tuple[Status, list[str], str]:
    """(status, exemptions, reason) for a drafted answer."""
    text = answer.strip()
    if not text or text.lower().startswith("note for the officer"):
        return Status.NEEDS_REVIEW, [], "No answer could be drafted from the sources."
    found = [e for e in exemptions.find_in_text(text) if e != "not_held"]
    has_figures = bool(_FIGURE.search(re.sub(r"\[\d+\]|\b(?:19|20)\d{2}\b|s\d+|section\s+\d+", "", text, flags=re.I)))
    if "s21" in found and len(found) == 1:
        return Status.PUBLISHED_ELSEWHERE, found, "The answer points to information already published (s21)."
    if found:
        if has_figures or len(text.split()) > 80:
            return Status.PARTLY_PROVIDED, found, f"Some information is given and {', '.join(found)} is applied to the rest."
        return Status.EXEMPT, found, f"The answer applies {', '.join(found)}."
    if _NOT_HELD.search(text):
        if _REDIRECT.search(text):
            return Status.REDIRECTED, [], "The answer says another body holds the information."
        if has_figures:
            return Status.PARTLY_PROVIDED, [], "Some figures are given but part of the information is not held."
        return Status.NOT_HELD, [], "The answer says the information is not held."
    if _REDIRECT.search(text):
        return Status.REDIRECTED, [], "The answer directs the requester to another body."
    if _PUBLISHED.search(text) and not has_figures:
        return Status.PUBLISHED_ELSEWHERE, ["s21"], "The answer points to published material (s21)."
    return Status.PROVIDED, [], "The answer gives the information requested."
