"""Redraft an answer from the service's return, re-check it, and show the change for the officer to accept.

The past answer's sentence frame is re-used with the new figure only when the mapping is unambiguous: the past
answer states one figure in one sentence, the return gives one figure for the question, and any period in the frame
can be replaced by the one period the return's row states. Otherwise the return's figures are stated as they stand.
Every sentence cites the return and goes through the same checks as any draft; a frame sentence that fails them
falls back to the figures as they stand. Flags the return answers (stale source, unsupported, figure not in source,
other period) resolve themselves with the reason; nothing is stored until the officer accepts.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Sequence

from assistant.citations import content_words, lexical_support, strip_markers
from assistant.drafting.periods import Found, find_periods, within
from assistant.models import DocType, Draft, Flag, Passage, Status
from assistant.service.requests import template_for
from assistant.status import suggest_status
from assistant.text import figures, split_sentences

#: Flags a service return can answer, and so resolve.
RESOLVABLE = ("stale_source", "undated_source", "unsupported", "figure_not_in_source", "other_period", "figure_mismatch")
#: Flags that mean the redrafted answer does not pass its checks.
FAILING = ("unsupported", "figure_not_in_source", "invalid_citation", "stale_source", "other_period", "figure_mismatch")

@dataclass
class Resolution:
    kind: str
    message: str
    reason: str


@dataclass
class RedraftProposal:
    """A redrafted answer, checked, with its diff against the current one; stored only when accepted."""

    number: str
    old_answer: str
    draft: Draft
    mode: str  # "frame": past sentence with the new figure; "as_stated": the return's figures as they stand
    items: list[str] = field(default_factory=list)
    resolved: list[Resolution] = field(default_factory=list)
    source_title: str = ""  # "Service return — Children's Services, 2 June 2025"

    @property
    def new_answer(self) -> str:
        return self.draft.answer

    @property
    def diff(self) -> str:
        return answer_diff(self.old_answer, self.new_answer)

    @property
    def passes_checks(self) -> bool:
        return not any(f.kind in FAILING for f in self.draft.flags)


def answer_diff(old: str, new: str) -> str:
    """A line diff of two answers, sentence per line, for the officer to read before accepting."""
    a = [s for s in split_sentences(old)] or [""]
    b = [s for s in split_sentences(new)] or [""]
    return "\n".join(difflib.unified_diff(a, b, "current answer", "redrafted from the return", lineterm="", n=1))


# -- which rows of the return answer the question --------------------------------------------------------------------
def _stated(text: str) -> list[Found]:
    """The periods a text states, read by drafting's period reader (no reference date: only periods written out)."""
    return find_periods(text)


def _value_spans(text: str) -> list[tuple[int, int]]:
    """Where the figures that are values (not periods or dates) stand in the text."""
    periods = [f.span for f in _stated(text)]
    return [m.span() for m in re.finditer(r"(?<![A-Za-z0-9/])(?:£\s?)?\d[\d,]*(?:\.\d+)?%?(?![/\d])", text)
            if not any(s <= m.start() < e for s, e in periods)]


def _value_figures(text: str) -> list[str]:
    return [text[a:b] for a, b in _value_spans(text)]


def relevant_items(question_text: str, passages: Sequence[Passage], period: str = "") -> list[Passage]:
    """The return's items that answer the question: the closest in words, and those naming the period asked."""
    scored = [(lexical_support(question_text, p.unit.text), p) for p in passages]
    scored = [(s, p) for s, p in scored if _value_figures(p.unit.answer or p.unit.text) or s > 0]
    if not scored:
        return []
    asked = [f.period for f in _stated(period) + _stated(question_text)]
    in_period = [(s, p) for s, p in scored
                 if any(within(f.period, a) for f in _stated(p.unit.answer or p.unit.text) for a in asked)]
    pool = in_period or scored
    best = max(s for s, _ in pool)
    return [p for s, p in pool if s >= max(0.1, best * 0.6)]


# -- drafting ---------------------------------------------------------------------------------------------------------
def frame_sentence(past_answer: str, item: str) -> str | None:
    """The past sentence with the return's figure (and period) in it, or None when the mapping is ambiguous."""
    figured = [s for s in split_sentences(strip_markers(past_answer)) if _value_figures(s)]
    if len(figured) != 1:
        return None
    sentence = figured[0].strip()
    old_values, new_values = _value_figures(sentence), _value_figures(item)
    if len(old_values) != 1 or len(new_values) != 1:
        return None
    old_periods, new_periods = _stated(sentence), _stated(item)
    if len({f.period for f in old_periods}) > 1 or (old_periods and len({f.period for f in new_periods}) != 1):
        return None
    # the figure, and the period if the sentence names one, replaced where they stand (the later one first)
    swaps = [(_value_spans(sentence)[0], new_values[0])]
    if old_periods:
        c, d = new_periods[0].span
        swaps.append((old_periods[0].span, item[c:d]))
    out = sentence
    for (a, b), new_text in sorted(swaps, key=lambda x: -x[0][0]):
        out = out[:a] + new_text + out[b:]
    if out == sentence:
        return None
    return out


def as_stated(item: str, area: str) -> str:
    return f"Figures from {area}: {item.rstrip('.')}."


def redraft(
    drafter: Any,
    draft: Draft,
    return_passages: Sequence[Passage],
    *,
    received: date | None = None,
    period: str = "",
) -> RedraftProposal | None:
    """A checked redraft of one answer from the return, or None when the return has nothing for this question."""
    own = [p for p in return_passages]
    chosen = relevant_items(draft.question.query_text, own, period)
    if not chosen:
        return None
    base_passages = [p for p in draft.passages if p.unit.doc_type is not DocType.SERVICE_RETURN]
    chosen_ids = {p.unit.id for p in chosen}
    other_returns = [p for p in own if p.unit.id not in chosen_ids]  # stay citable for a later edit
    passages = [*chosen, *base_passages, *other_returns]
    template = template_for(replace(draft, passages=base_passages))
    area = str(chosen[0].unit.extra.get("service_area") or chosen[0].unit.title)
    attempts: list[tuple[str, str]] = []
    if template is not None and len(chosen) == 1:
        framed = frame_sentence(template.unit.answer or template.unit.text, chosen[0].unit.answer)
        if framed:
            attempts.append(("frame", f"{framed.rstrip('.')}. [1]"))
    attempts.append(("as_stated", "\n".join(f"{as_stated(p.unit.answer, area)} [{i}]" for i, p in enumerate(chosen, start=1))))
    checked, mode = None, ""
    for mode, answer in attempts:
        checked = drafter.recheck(replace(draft, passages=passages), answer, received=received)
        if not any(f.kind in FAILING for f in checked.flags):
            break
    assert checked is not None
    status, exemptions, reason = suggest_status(strip_markers(checked.answer))
    title = chosen[0].unit.title
    checked = replace(
        checked,
        status=status if not any(f.kind in FAILING for f in checked.flags) else Status.NEEDS_REVIEW,
        exemptions=exemptions,
        status_reason=f"Redrafted from the {title}. {reason}".strip(),
    )
    return RedraftProposal(
        number=draft.question.number,
        old_answer=draft.answer,
        draft=checked,
        mode=mode,
        items=[p.unit.answer for p in chosen],
        resolved=resolved_flags(draft.flags, checked.flags, title),
        source_title=title,
    )


def resolved_flags(old: Sequence[Flag], new: Sequence[Flag], title: str) -> list[Resolution]:
    """Old flags the return answers: of a resolvable kind, and gone from the redrafted answer's checks."""
    still = {f.kind for f in new}
    reason = f"Answered by the {title}: the answer now states the service's figures and cites its return."
    return [Resolution(f.kind, f.message, reason) for f in old if f.kind in RESOLVABLE and f.kind not in still]


def with_resolved_flags(draft: Draft, resolved: Sequence[Resolution]) -> Draft:
    """The redrafted answer keeps the flags its return resolved, so the reviewer sees them (greyed, with why)."""
    have = {(f.kind, f.message) for f in draft.flags}
    kept = [Flag(r.kind, r.message) for r in resolved if (r.kind, r.message) not in have]
    return replace(draft, flags=[*draft.flags, *kept]) if kept else draft


def record_resolutions(store: Any, case_id: int, number: str, resolved: Sequence[Resolution], user: str) -> None:
    """Each flag the return answered goes through the case store's own per-flag resolve action (who, when, why);
    a flag someone resolved already keeps that resolution."""
    case = store.get_case(case_id)
    for r in resolved:
        if case.resolution(number, Flag(r.kind, r.message)) is None:
            store.resolve_flag(case_id, number, r.kind, r.message, r.reason, user)


def accept(store: Any, case_id: int, proposal: RedraftProposal, user: str) -> None:
    """The officer accepts the redraft: a new version of the answer, and the resolved flags recorded with why."""
    # The officer chose this redraft, so it may replace their own earlier edit (which stays in the history).
    draft = with_resolved_flags(proposal.draft, proposal.resolved)
    store.replace_draft(case_id, draft, user, reason="redrafted from service return", replace_edit=True)
    record_resolutions(store, case_id, proposal.number, proposal.resolved, user)
