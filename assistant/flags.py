"""Review flags: what a reviewer must look at before a reply goes out, each with its reason.

Flags never change the draft; they point the officer at unsupported sentences, figures with no source, stale
re-used answers, small numbers and personal data that may need s40(2), and exemptions named without a reason.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping, Sequence

from assistant import exemptions
from assistant.citations import source_text, strip_markers
from assistant.models import Citation, DocType, Flag, Passage
from assistant.text import figures

_PEOPLE = (
    r"(?:children|child|young\s+(?:people|persons?)|boys?|girls?|pupils?|students?|adults?|people|persons?|individuals?|"
    r"victims?|perpetrators?|families|family|care\s+leavers?|carers?|staff|employees?|workers?|officers?|cases?|"
    r"referrals?|UASC|looked[- ]after|LAC|foster\s+carers?|parents?)"
)
_SMALL_COUNT = re.compile(
    rf"(?<![\d.,/£<])\b(?P<n>[1-5]|one|two|three|four|five)\b(?![\d.,/%])(?:\s+[\w'-]+){{0,3}}?\s+{_PEOPLE}\b", re.I
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\d)(?:\+44\s?|0)(?:\d[\s-]?){9,10}(?!\d)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_STREET = re.compile(r"\b\d{1,4}\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\s+(?:Street|Road|Avenue|Lane|Close|Drive|Way|Crescent|Place|Court|Gardens)\b")
_TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Cllr|Councillor)\.?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z'-]+)?")
_TWO_CAPS = re.compile(r"\b([A-Z][a-z]{1,15})\s+([A-Z][a-z'-]{1,20})\b")
# The ICO's published address is part of every reply letter, not personal data.
_PUBLIC_ADDRESSES = ("SK9 5AF",)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    text = resources.files("assistant.data").joinpath("first_names.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def personal_data(text: str) -> list[str]:
    """Emails, phone numbers, postcodes, street addresses and names of individuals found in the text."""
    found: list[str] = []
    found += [f"email address {m}" for m in _EMAIL.findall(text)]
    found += [f"phone number {m.strip()}" for m in _PHONE.findall(text)]
    found += [f"postcode {m}" for m in _POSTCODE.findall(text) if m not in _PUBLIC_ADDRESSES]
    found += [f"street address {m}" for m in _STREET.findall(text)]
    found += [f"name {m}" for m in _TITLED_NAME.findall(text)]
    names = first_names()
    for first, last in _TWO_CAPS.findall(text):
        if first in names and f"name {first} {last}" not in found and not any(first in f for f in found):
            found.append(f"name {first} {last}")
    return list(dict.fromkeys(found))


def small_numbers(text: str) -> list[str]:
    return [m.group(0) for m in _SMALL_COUNT.finditer(text)]


def review_flags(
    answer: str,
    citations: Sequence[Citation],
    passages: Sequence[Passage],
    *,
    received: date | None,
    stale_after_days: int = 365,
    figure_periods: Mapping[str, Any] | None = None,
) -> list[Flag]:
    """Flags that depend on the answer as a whole (sentence-level support flags come from the citation check).

    `figure_periods` maps a cited source to the period of the figures drafted from it (a Period, or None when
    only the reply's date is known); `stale_source` fires only for those, with the figure's period.
    """
    plain = strip_markers(answer)
    claims = "\n".join(line for line in plain.split("\n") if not line.strip().lower().startswith("note for the officer"))
    flags: list[Flag] = []
    evidence = " ".join(source_text(p) for p in passages).replace(",", "").lower()
    loose = [f for f in figures(claims) if f.lower().lstrip("£") not in evidence]
    if loose:
        flags.append(Flag("figure_not_in_source", f"Figure(s) {', '.join(dict.fromkeys(loose))} appear in no retrieved source: check them."))
    when = received or date.today()
    by_id = {p.unit.id: p for p in passages}
    for c in citations:
        p = by_id.get(c.source_id)
        if p is None or p.unit.doc_type is not DocType.DECISION:
            continue
        ref = f" (ref {c.reference})" if c.reference else ""
        if p.unit.date is None:
            flags.append(Flag("undated_source", f"Source [{c.marker}]{ref} is an undated reply: confirm the period its figures are for."))
            continue
        # Only period-bound figures go stale: a description of how a service works does not.
        if figure_periods is None or c.source_id not in figure_periods:
            continue
        period = figure_periods[c.source_id]
        end = period.end if period else p.unit.date
        age = (when - end).days
        if age > stale_after_days:
            label = f"figures for {period.label}" if period else f"figures as at {p.unit.date:%d %B %Y}"
            flags.append(
                Flag(
                    "stale_source",
                    f"Source [{c.marker}] is a reply of {p.unit.date:%d %B %Y}{ref} giving {label}, {age // 30} months "
                    "before this request: update the figures for the period asked.",
                )
            )
    counts = small_numbers(plain)
    if counts:
        flags.append(
            Flag("small_numbers", f"Small numbers of people ({'; '.join(counts[:3])}): consider whether s40(2) applies (risk of identification).")
        )
    pii = personal_data(plain)
    if pii:
        flags.append(Flag("personal_data", f"Possible personal data: {'; '.join(pii[:4])}. Redact or justify before sending."))
    for ex_id in exemptions.find_in_text(plain):
        if ex_id != "not_held" and not exemptions.is_explained(ex_id, plain):
            flags.append(Flag("exemption_unexplained", f"{ex_id} is named without an explanation of why it applies."))
    return flags
