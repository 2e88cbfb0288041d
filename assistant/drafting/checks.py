"""Verdict checks on a drafted answer, whatever engine wrote it: which period each cited figure is for, and
whether each figure of the type asked rests on cited evidence of the measure and period asked.

Runs after the citation check (`assistant.citations`), which proves a sentence came from its source; this proves
the source answers the question asked (another year, measure or group is flagged, however it is worded).
"""
from __future__ import annotations

from typing import Sequence

from assistant.citations import MARKER, strip_markers
from assistant.drafting.analysis import Analysis
from assistant.drafting.evidence import figure_of_type, score_items
from assistant.drafting.periods import Period, periods_in, within
from assistant.drafting.verdicts import VerdictConfig
from assistant.models import Citation, Passage
from assistant.text import figures, split_sentences


def _sentences(answer: str) -> list[str]:
    return [s for line in answer.split("\n") for s in split_sentences(line) if not line.lower().startswith("note for the officer")]


def _figures(text: str) -> set[str]:
    return {f.lstrip("£").rstrip("%") for f in figures(text) if not (len(f) == 4 and f[:2] in ("19", "20"))}


def figure_periods_cited(answer: str, citations: Sequence[Citation], passages: Sequence[Passage], analysis: Analysis) -> dict[str, Period | None]:
    """{source unit id: the period of the figures the answer takes from it} for period-bound figures only."""
    if not analysis.period_bound:
        return {}
    by_marker = {c.marker: c.source_id for c in citations}
    units = {p.unit.id: p.unit for p in passages}
    out: dict[str, Period | None] = {}
    for sentence in _sentences(answer):
        plain = strip_markers(sentence)
        if not figure_of_type(plain, analysis.answer_type):
            continue
        for m in MARKER.findall(sentence):
            uid = by_marker.get(int(m))
            unit = units.get(uid) if uid else None
            if unit is None:
                continue
            stated = periods_in(plain, unit.received or unit.decided)
            period = max(stated, key=lambda p: p.end) if stated else _item_period(plain, unit)
            if period and analysis.period_explicit and analysis.period and within(period, analysis.period):
                continue  # the period asked: not stale however long ago it was
            if uid not in out or (period and (out[uid] is None or period.end > out[uid].end)):
                out[uid] = period
    return out


def _item_period(sentence: str, unit) -> Period | None:
    from assistant.drafting.evidence import unit_items

    wanted = _figures(sentence)
    for item in unit_items(unit):
        if wanted and wanted <= _figures(item.text):
            return item.period
    from assistant.drafting.periods import current

    return current(unit.decided) if unit.decided else None


def unfit_figures(answer: str, passages: Sequence[Passage], analysis: Analysis, cfg: VerdictConfig) -> list[str]:
    """Messages for sentences whose figures have no cited item of the measure and period asked."""
    if not analysis.period_bound:
        return []
    messages = []
    tolerance = 45 if analysis.period_explicit else cfg.current_window_days
    for sentence in _sentences(answer):
        plain = strip_markers(sentence)
        wanted = _figures(plain)
        if not wanted or not figure_of_type(plain, analysis.answer_type):
            continue
        cited = [passages[int(m) - 1] for m in MARKER.findall(sentence) if 0 < int(m) <= len(passages)]
        fits = False
        for s in score_items(analysis, cited, {}):
            if not wanted & _figures(s.item.text):
                continue
            measure = not s.conflicts and not s.extra_groups and s.coverage >= cfg.coverage_floor
            period = analysis.period is None or (s.item.period is not None and within(s.item.period, analysis.period, tolerance_days=tolerance))
            if measure and period:
                fits = True
                break
        if not fits:
            asked = analysis.period.label if analysis.period else "no period stated"
            messages.append(f"“{plain[:90]}” states a figure with no cited evidence of the measure and period asked ({asked}).")
    return messages
