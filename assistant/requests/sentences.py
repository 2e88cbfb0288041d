"""Sentences of a request paragraph, for finding the questions asked in running text and what was left out."""
from __future__ import annotations

import re

# A sentence ends at ".", "?" or "!" before a capital, digit or quote; pasted text that lost its spaces
# ("...young people.Please could you...") ends one too when a word of two or more letters precedes.
_SENTENCE_END = re.compile(r"[.?!]+[\"'”’)\]]*\s+(?=[A-Z0-9\"'“‘(£])|(?<=[a-z]{2}\.)(?=[A-Z][a-z])")
_ABBREVIATIONS = frozenset(
    "e.g i.e etc no nos vs approx st mr mrs ms dr cllr ref para sec inc ltd co fig cf al ibid q".split()
)


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, not breaking after "e.g." or "No." and the like."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        if match.group().startswith(".") and not match.group().startswith(".."):
            word = paragraph[start:match.start()].rsplit(None, 1)[-1:] or [""]
            if word[0].lstrip("(\"'“‘").lower() in _ABBREVIATIONS:
                continue
        out.append(paragraph[start:match.end()].strip())
        start = match.end()
    out.append(paragraph[start:].strip())
    return [sentence for sentence in out if sentence]
