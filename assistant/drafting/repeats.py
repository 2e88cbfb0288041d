"""No copy across questions: evidence already drafted for an earlier question of the request answers a later one
only when it names what sets the later question apart; otherwise the later one refers back and is flagged.

Two questions may rightly share one sentence ("129 fixed-term exclusions and 3 permanent exclusions" answers a
question on each), but a sentence that says nothing of what the later question adds beyond the earlier is a copy.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Sequence

from assistant.drafting.analysis import terms


@dataclass(frozen=True)
class Answered:
    """An earlier question of the request with the keys of the evidence items drafted as its answer."""

    number: str
    text: str
    keys: frozenset[str]


def repeated_from(text: str, keys: Collection[str], evidence_text: str, earlier: Sequence[Answered]) -> str | None:
    """The number of the earlier question whose evidence this answer only repeats, or None.

    `evidence_text` is what the answer drafts from the evidence; the question's own words beyond the earlier
    question's (periods, framing and bare numbers left out) must all be named in it."""
    if not keys:
        return None
    named = set(terms(evidence_text))
    for prev in earlier:
        if not set(keys) <= prev.keys:
            continue
        apart = set(terms(text)) - set(terms(prev.text))
        if apart and apart <= named:
            continue
        return prev.number
    return None
