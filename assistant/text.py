"""Small text utilities shared by chunking, checking, analysis and metrics: sentences, words, figures, stems."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "no.", "s.", "ss.", "para.", "approx.", "vs.", "cllr.", "dr.", "mr.", "mrs.", "ms.", "st.")
# A sentence ends at . ! or ?, after any citation markers that follow it ("… held. [1] Next").
_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s*\[\d{1,3}\])*[\"')\]]*\s+(?=[\"'(‘“]?[A-Z0-9£•]|\[(?!\d))")
_TRAILING_MARKERS = re.compile(r"(?:\s*\[\d{1,3}\])+$")
_WORD = re.compile(r"[A-Za-z0-9£%]+(?:['’][a-z]+)?")
# Figures worth checking: counts, money, percentages, years and ratios such as 2022/23.
_FIGURE = re.compile(r"(?<![A-Za-z0-9])(?:£\s?)?\d[\d,]*(?:\.\d+)?(?:/\d+)?%?")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; list items and lines stay separate sentences."""
    out: list[str] = []
    for line in re.split(r"\n+", text):
        line = line.strip()
        if not line:
            continue
        start = 0
        for m in _SENTENCE_END.finditer(line):
            candidate = line[start:m.end()].strip()
            core = _TRAILING_MARKERS.sub("", candidate)
            tail = core.lower().rsplit(" ", 1)[-1]
            if tail in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", tail) or re.search(r"(?:^|[\s(])[A-Z]\.$", core):
                continue
            if candidate:
                out.append(candidate)
            start = m.end()
        rest = line[start:].strip()
        if rest:
            out.append(rest)
    return out


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def word_count(text: str) -> int:
    return len(text.split())


def figures(text: str) -> list[str]:
    """Numbers as written, normalised (no thousands commas or £ spacing) so '1,060' matches '1060'."""
    found = []
    for m in _FIGURE.finditer(text):
        value = m.group(0).replace(",", "").replace("£ ", "£").rstrip(".")
        if value:
            found.append(value)
    return found


def normalise_space(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=1)
def snowball() -> Any:
    """The English Snowball stemmer (PyStemmer, as the keyword index uses): one instance for question analysis and
    key-fact grading, so both read a word's forms alike."""
    import Stemmer

    return Stemmer.Stemmer("english")
