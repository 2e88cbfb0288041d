"""A verdict per question and sub-part, from scored evidence: answered, other_period, related or none.

- answered: a past answer to the same measure and group, with items for the period asked;
- other_period: the measure fits but no item states the period asked; the newest figures are shown with their
  period and the officer updates them;
- related: same topic, another measure or group; nothing is claimed, the officer's note lists what differs;
- none: nothing close enough.
The status follows from the verdict (`status_for`), never from copied wording alone: only an answered verdict
lets the status rules read the drafted text (so `not_held` needs a past answer to the same measure).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Sequence

from assistant.drafting.analysis import Analysis, stem, terms
from assistant.drafting.evidence import CHILD_LIKE, Scored, counts_zero, figure_of_type, is_none_statement, period_coverage, states_count_of_type, when
from assistant.drafting.periods import Period, day_label, describe, is_open, label_list, missing_years, within
from assistant.models import DocType, Passage, Status, VerdictRecord

ANSWERED, OTHER_PERIOD, RELATED, NONE = "answered", "other_period", "related", "none"
OTHER_PERIOD_REASON = "figures to update for the period asked"


@dataclass(frozen=True)
class VerdictConfig:
    match_floor: float = 0.60  # question to past question/answer likeness needed to treat it as the same question
    related_floor: float = 0.45  # likeness below which a passage is not even named as related
    coverage_floor: float = 0.5  # share of the measure terms the evidence must cover
    weighted_floor: float = 0.45  # for figures: the share of the measure words covered, each weighted by its rarity
    reverse_floor: float = 0.3  # share of the past question's terms the question must share (else another measure)
    paraphrase_match: float = 0.75  # above this likeness the past question is a paraphrase: its own wording may differ
    period_coverage: float = 0.75  # share of the period asked the chosen items must cover
    recency_margin: float = 0.05  # among near-equal matches, the most recent reply wins
    current_window_days: int = 365  # a question with no period asks for current figures: evidence this recent fits


@dataclass
class Verdict:
    kind: str
    analysis: Analysis
    items: list[Scored] = field(default_factory=list)  # evidence to draft from, in order
    nearest: list[Scored] = field(default_factory=list)  # for related / other_period: what was found
    differs: list[str] = field(default_factory=list)
    reason: str = ""
    held: list[Period] = field(default_factory=list)  # several periods asked: the years drafted …
    missing: list[Period] = field(default_factory=list)  # … and the years of the span asked that no reply gives
    notes: list[str] = field(default_factory=list)  # for the officer, beside the drafted figures
    in_words: bool = False  # other_period from a statement ("not held", "not recorded"), not from figures

    @property
    def passages_used(self) -> list[int]:
        return list(dict.fromkeys(s.passage for s in self.items))


def _unit_fit(analysis: Analysis, scored: list[Scored], cfg: VerdictConfig) -> tuple[bool, list[str]]:
    """Does this passage answer the same measure and group? (what differs, when not)."""
    if not scored:
        return False, ["no text"]
    best = max(scored, key=lambda s: s.coverage)
    differs = list(scored[0].unit_conflicts)
    if scored[0].extra_groups:
        differs.append(f"the past question is about {', '.join(scored[0].extra_groups)}, which the question does not ask about")
    if best.coverage < cfg.coverage_floor or analysis.period_bound and max(s.weighted_coverage for s in scored) < cfg.weighted_floor:
        # Half the measure's words and, for figures, nearly half by weight: figures that miss the rare words saying
        # what is counted ("transracial placements", "S31 orders", "forced marriage") count something else.
        differs.append("it covers too little of what is asked")
    elif scored[0].reverse_coverage < cfg.reverse_floor and scored[0].same_question < cfg.paraphrase_match:
        differs.append("the past question asked about something else")
    if not scored[0].counts_asked:
        differs.append(f"it does not count {analysis.counted}s")
    if analysis.period_bound and not any(s.type_fit for s in scored):
        differs.append(f"gives no {analysis.answer_type} figure")
    return not differs, differs


def _period_items(analysis: Analysis, scored: list[Scored], cfg: VerdictConfig) -> tuple[list[Scored], list[Scored]]:
    """(items whose figures fit the period asked, items with figures for another period)."""
    asked = analysis.period
    tolerance = 45 if analysis.period_explicit else cfg.current_window_days
    fit, other = [], []
    for s in scored:
        if not usable_figure(s, analysis):
            continue
        guessed = s.item.period_source == "decision"  # the reply's date says when it was written, not the figures' period
        if asked and s.item.period and (within(s.item.period, asked, tolerance_days=tolerance) or _zero_over(s, asked)) and not (guessed and analysis.period_explicit):
            fit.append(s)
        else:
            other.append(s)
    return fit, other


def doubtful(s: Scored) -> bool:
    """A figure the past reply itself marks as printed in error ("23063 [sic]"): never re-used as an answer."""
    return "[sic]" in s.item.text.lower()


def doubtful_note(analysis: Analysis, scored: Sequence[Scored]) -> str:
    """The officer's note on figures left out because the past reply marks them [sic] (periods only, not the figure)."""
    left = [s for s in scored if doubtful(s) and has_figure(s, analysis)]
    if not left:
        return ""
    periods = ", ".join(dict.fromkeys(s.item.period.label if s.item.period else "an undated period" for s in left))
    return f"a past reply marks its figure for {periods} “[sic]” (printed in error), so it is left out: confirm it with the service"


_KNOWN_PERIOD = ("stated", "lead_in", "response", "question")


def has_figure(s: Scored, analysis: Analysis) -> bool:
    """A figure of the type asked (a count, an amount, a rate): these are bound to a period. For a count, a zero in
    words ("None.", "has not referred any UASC") is one too when its reply says what period it is for (not only the
    date the reply was written: "None." of a reply dated May 2024 is no figure for 2023/24)."""
    if figure_of_type(s.item.text, analysis.answer_type):
        return True
    if not (states_count_of_type(s.item.text, analysis.answer_type) and s.item.period_source in _KNOWN_PERIOD and s.item.period):
        return False
    # "None remain missing today" (a position at a date) is no count over a year asked.
    at_a_date = ("point", "current")
    return s.item.period.kind not in at_a_date or (analysis.period is not None and analysis.period.kind in at_a_date)


def _zero_over(s: Scored, asked: Period) -> bool:
    """A count of nothing over a span that holds the whole period asked: nothing in the span, so nothing in it
    ("has not referred any UASC" from 1 January 2018 to 30 June 2023 answers "as at May 2021")."""
    p = s.item.period
    return bool(p and p.kind not in ("point", "current") and p.start <= asked.start and asked.end <= p.end
                and not figure_of_type(s.item.text, "count") and counts_zero(s.item.text))


def usable_figure(s: Scored, analysis: Analysis) -> bool:
    """A figure that may be drafted as the answer: of the type asked, not marked [sic], counting what is asked."""
    return has_figure(s, analysis) and not doubtful(s) and not s.counts_other


def decide(analysis: Analysis, passages: Sequence[Passage], scored: list[Scored], cfg: VerdictConfig, avoid: frozenset[int] = frozenset()) -> Verdict:
    """The verdict for one question or sub-part. `avoid`: passages another part of the same question already answers;
    among near-equal matches a part takes a past answer of its own (1b's for part b, not 1a's again)."""
    verdict = _decide(analysis, passages, scored, cfg, avoid)
    if verdict.kind == OTHER_PERIOD and not verdict.in_words or verdict.kind == RELATED and verdict.differs[:1] and verdict.differs[0].startswith(WORDED):
        verdict = _worded_for_period(analysis, passages, scored, cfg) or verdict
    if verdict.kind in (RELATED, NONE) and not verdict.items:
        verdict = _published_copy(analysis, passages, scored) or verdict
    if verdict.kind in (ANSWERED, OTHER_PERIOD) and analysis.period_bound:
        used = set(verdict.passages_used)
        note = doubtful_note(analysis, [s for s in scored if s.passage in used])
        if note:
            verdict.notes.append(note)
    return verdict


WORDED = "the past question is worded differently"


def _worded(match: float) -> str:
    return f"{WORDED} (likeness {match:.2f}): check that it asks the same"


def _by_passage(scored: list[Scored]) -> dict[int, list[Scored]]:
    """The scored items of each passage, in scoring order (a passage's first item carries its match)."""
    grouped: dict[int, list[Scored]] = {}
    for s in scored:
        grouped.setdefault(s.passage, []).append(s)
    return grouped


def _past_replies(by_passage: dict[int, list[Scored]], passages: Sequence[Passage]) -> list[int]:
    return [i for i in by_passage if passages[i].unit.doc_type is DocType.DECISION and passages[i].unit.question]


def _below_floor(by_passage: dict[int, list[Scored]], passages: Sequence[Passage], cfg: VerdictConfig) -> list[int]:
    """Past replies matched under the match floor but above the related floor, best first: worded differently."""
    return sorted(
        (i for i in _past_replies(by_passage, passages) if cfg.related_floor <= by_passage[i][0].unit_match < cfg.match_floor),
        key=lambda i: -by_passage[i][0].unit_match,
    )


def _worded_for_period(analysis: Analysis, passages: Sequence[Passage], scored: list[Scored], cfg: VerdictConfig) -> Verdict | None:
    """A reply that fits the measure and group and holds the one period asked, though its past question is worded
    too differently to be taken as the same ("The amount paid to IFAs, split into allowances and fees" for "How much
    did the council pay to independent fostering agencies in 2021/22?"): its figures for that period are drafted for
    review under a note, before a closer-worded reply's figures for another period. Figures of another period from
    it stay out, and nothing here is ever provided."""
    asked = analysis.period
    if not (analysis.period_bound and analysis.period_explicit and asked) or asks_several(analysis) or asked.kind in ("point", "current"):
        return None
    by_passage = _by_passage(scored)
    for i in _below_floor(by_passage, passages, cfg):
        group = by_passage[i]
        if not _unit_fit(analysis, group, cfg)[0]:
            continue
        fit = _without_part_years(_period_items(analysis, group, cfg)[0])
        if not fit or period_coverage([s.item for s in fit], asked) < cfg.period_coverage:
            continue
        differs = [_worded(group[0].unit_match)]
        items = _with_frame(analysis, group, fit)
        return Verdict(RELATED, analysis, items=items, nearest=fit, differs=differs, reason="; ".join(differs))
    return None


# A document asked for ("Please send me your elective home education procedures") is answered by a past reply's
# sentence saying where a document of that kind on that subject is published, whatever that reply was asked.
_PUBLISHED_AT = re.compile(
    r"\b(?:is|are)\s+(?:now\s+)?(?:published|available|online)\s+(?:at|on|from|via)\b|\bcan\s+be\s+(?:found|downloaded|viewed|read)\s+(?:at|on|from|via)\b",
    re.I,
)
_LINK = re.compile(r"https?://|\bwww\.|\b[\w-]+(?:\.[\w-]+)*\.(?:gov|org|co|nhs)\.uk\b", re.I)
_DOCUMENT_KINDS = frozenset(stem(w) for w in "policy policies procedure procedures protocol protocols guidance strategy strategies framework handbook".split())


POLICY_ONLY = "no past answer to this question; a policy document speaks of it: check that it answers what is asked"


def _policy_passages(analysis: Analysis, passages: Sequence[Passage], by_passage: dict[int, list[Scored]], cfg: VerdictConfig, most: int = 2) -> list[int]:
    """Sections of the partnership's policy documents that fit a question no past reply answers: what is asked is
    how something is done, who does it or what exists, and such a document says it ("Which organisations sit on the
    MACE meetings and how often do they meet?": its membership section). A section is read whole (its list items
    answer together) with its document's title and headings; the closest in meaning first, a second section of the
    same document only when it covers a word of the question the first does not. Never for figures (a policy
    states no period's count). Drafted for review, never provided: a policy says what should happen, not what the
    council's records hold."""
    wanted = set(analysis.terms)
    if not wanted:
        return []

    covered = {
        i: wanted & set(terms(f"{u.title}\n{' '.join(u.heading_path)}\n{u.text}"))
        for i in by_passage if (u := passages[i].unit).doc_type is DocType.POLICY
    }
    # Words naming who (children, young people, care leavers) are in every safeguarding document: a section must
    # share at least two of the question's other words, and half of them ("The age of the child?" is no question
    # for the missing-children protocol).
    specific = wanted - CHILD_LIKE
    fitting = [
        i for i, words in covered.items()
        if by_passage[i][0].unit_match >= cfg.related_floor and not by_passage[i][0].unit_conflicts and by_passage[i][0].counts_asked
        and len(words) >= cfg.coverage_floor * len(wanted)
        and len(words & specific) >= max(2, math.ceil(len(specific) / 2))
    ]
    fitting.sort(key=lambda i: -by_passage[i][0].unit_match)  # the closest section in meaning (words only tie)
    chosen = fitting[:1]
    said = set(covered[chosen[0]]) if chosen else set()
    for i in fitting[1:]:
        if len(chosen) >= most:
            break
        if covered[i] - said and passages[i].unit.doc_id == passages[chosen[0]].unit.doc_id:
            chosen.append(i)
            said |= covered[i]
    return chosen


def _published_copy(analysis: Analysis, passages: Sequence[Passage], scored: list[Scored]) -> Verdict | None:
    """For a copy of a document of a kind the question names (policy, procedure, protocol …): a sentence of a retrieved
    past reply that says where such a document on every other word of the measure is published, with its link.
    Drafted for review under a note (the officer checks it is the document asked for), never provided."""
    if analysis.answer_type != "document":
        return None
    asked = set(analysis.terms)
    subject = asked - _DOCUMENT_KINDS
    if not subject or not asked & _DOCUMENT_KINDS:
        return None
    for s in scored:
        unit = passages[s.passage].unit
        text = s.item.text
        if unit.doc_type is not DocType.DECISION or s.conflicts or not (_PUBLISHED_AT.search(text) and _LINK.search(text)):
            continue
        said = set(terms(f"{s.item.context} {text}"))
        if subject <= said and said & _DOCUMENT_KINDS:
            differs = ["a past reply to another question says where a document of the kind asked is published: check it is the one asked for"]
            return Verdict(RELATED, analysis, items=[s], nearest=[s], differs=differs, reason="; ".join(differs))
    return None


def _decide(analysis: Analysis, passages: Sequence[Passage], scored: list[Scored], cfg: VerdictConfig, avoid: frozenset[int] = frozenset()) -> Verdict:
    by_passage = _by_passage(scored)
    close = sorted((i for i in _past_replies(by_passage, passages) if by_passage[i][0].unit_match >= cfg.match_floor),
                   key=lambda i: -by_passage[i][0].unit_match)
    fitting, near_miss = [], []
    for i in close:
        ok, differs = _unit_fit(analysis, by_passage[i], cfg)
        (fitting if ok else near_miss).append((i, differs))
    if not fitting:
        # Below the match floor, a reply that fits the measure and group is the nearest evidence worth naming
        # (worded differently), before the closest-worded reply about something else.
        below = _below_floor(by_passage, passages, cfg)
        worded = [(i, [_worded(by_passage[i][0].unit_match)]) for i in below if _unit_fit(analysis, by_passage[i], cfg)[0]]
        if not worded and not analysis.period_bound:
            policy = _policy_passages(analysis, passages, by_passage, cfg)
            if policy:
                items = [s for i in policy for s in by_passage[i]]
                return Verdict(RELATED, analysis, items=items, nearest=items[:2], differs=[POLICY_ONLY], reason=POLICY_ONLY)
        related = near_miss or (worded or [(i, ["a different question"]) for i in below])[:1]
        if related:
            i, differs = related[0]
            # A description, list or yes/no answer from a reply that fits but is worded differently is drafted for
            # review (figures stay out: their period cannot be checked against a question read this loosely).
            items = list(by_passage[i]) if worded and related[0] == worded[0] and not analysis.period_bound else []
            return Verdict(RELATED, analysis, items=items, nearest=_representative(by_passage[i], analysis), differs=differs, reason="; ".join(differs))
        return Verdict(NONE, analysis, reason="No past answer to this question.")
    best = by_passage[fitting[0][0]][0].unit_match
    near = [i for i, _ in fitting if by_passage[i][0].unit_match >= best - cfg.recency_margin]
    order = sorted(near, key=lambda i: (i in avoid, -(passages[i].unit.date.toordinal() if passages[i].unit.date else 0)))
    order += [i for i, _ in fitting if i not in order]
    if not analysis.period_bound or analysis.period is None:
        first = order[0]
        if predates_period(passages[first], analysis, cfg):
            items = list(by_passage[first])
            return Verdict(OTHER_PERIOD, analysis, items=items, nearest=items, reason=f"the past reply of {when(passages[first].unit)} was written before the end of the period asked ({analysis.period.label}): confirm it still holds")
        return Verdict(ANSWERED, analysis, items=list(by_passage[first]), reason=_reuse_reason(passages[first], best))
    several = asks_several(analysis)
    if several and not analysis.period_explicit:
        every = _every_row(analysis, passages, by_passage, order, cfg)
        if every is not None:
            return every
    # Period-bound: items for the period asked, from the best replies first, one item per period.
    chosen: list[Scored] = []
    seen_periods: set[str] = set()
    others: list[Scored] = []
    # A reply whose wording covers every term of the measure comes before one that covers part of it ("outcomes of
    # those School Attendance Orders" is not "School Attendance Orders served"), then the closer match.
    whole = {i: max(s.coverage for s in by_passage[i]) >= 0.999 for i in order}
    for i in sorted(order, key=lambda i: (not whole[i], -by_passage[i][0].unit_match)):
        fit, other = _period_items(analysis, by_passage[i], cfg)
        others += other
        for s in fit:
            key = s.item.period.label if s.item.period else ""
            # The best reply's sentences all stand; another reply adds only periods not drafted yet.
            if (s.item.kind == "sentence" and (not chosen or s.passage == chosen[0].passage)) or key not in seen_periods:
                chosen.append(s)
        seen_periods |= {s.item.period.label for s in fit if s.item.period}
        if chosen and period_coverage([s.item for s in chosen], analysis.period) >= 0.999:
            break
    chosen = _without_part_years(chosen)
    if chosen and (not analysis.period_explicit or analysis.period.kind in ("point", "current")):
        # A figure as at one date: the best reply's newest figures only, not a list gathered from several replies.
        first = chosen[0].passage
        dated = [s for s in chosen if s.passage == first]
        top = max((s.item.period.end for s in dated if s.item.period), default=None)
        chosen = [s for s in dated if s.item.period and s.item.period.end == top]
    if chosen:
        covered = period_coverage([s.item for s in chosen], analysis.period) if analysis.period_explicit else 1.0
        first = chosen[0].passage
        items = _with_frame(analysis, by_passage[first], [s for s in chosen if s.passage == first])
        items += [s for s in chosen if s.passage != first]
        if several:
            return _several(analysis, items, passages[first], by_passage[first][0].unit_match, complete_by=None)
        if covered >= cfg.period_coverage:
            return Verdict(ANSWERED, analysis, items=items, reason=_reuse_reason(passages[first], by_passage[first][0].unit_match))
        figures = [s for s in chosen if has_figure(s, analysis)]
        return Verdict(OTHER_PERIOD, analysis, items=figures, nearest=figures, reason=f"{OTHER_PERIOD_REASON}: past replies cover only part of {analysis.period.label}")
    if not others:
        statements = [s for s in by_passage[order[0]] if is_none_statement(s.item.text)]
        if statements:  # "not held / not recorded": true whatever the period, so the answer stands …
            first = order[0]
            # Without the reply's figures that do not count what is asked ("6,809 … have an EHCP" beside "published in
            # the DfE statistics" for pupils without a plan): every usable figure would have been drafted above.
            items = [s for s in by_passage[first] if not has_figure(s, analysis)] or list(by_passage[first])
            if predates_period(passages[first], analysis, cfg):
                # … once the period has ended: a reply written before then speaks for its own date only (a budget
                # "not held separately" in June 2023 says nothing yet of 2024/25).
                return Verdict(OTHER_PERIOD, analysis, items=items, nearest=items, in_words=True,
                               reason=f"the past reply of {when(passages[first].unit)} was written before the end of the period asked ({analysis.period.label}): confirm it still holds")
            return Verdict(ANSWERED, analysis, items=items, reason=_reuse_reason(passages[first], best))
        return Verdict(RELATED, analysis, nearest=by_passage[order[0]][:3], differs=[f"gives no {analysis.answer_type} figure"], reason=f"gives no {analysis.answer_type} figure")
    newest = _newest(others, analysis.period if analysis.period_explicit else None, cfg.recency_margin)
    span = counted_over_span(analysis, newest)
    if span:
        differs = [f"it counts over a span ({span}), the question asks for the number {analysis.period.label}"]
        return Verdict(RELATED, analysis, nearest=newest, differs=differs, reason="; ".join(differs))
    return Verdict(OTHER_PERIOD, analysis, items=newest, nearest=newest, reason=f"{OTHER_PERIOD_REASON} ({analysis.period.label})")


def counted_over_span(analysis: Analysis, items: Sequence[Scored]) -> str:
    """The span of figures counted over months up to the date a question asks about ("2025 (to 31 August): 37"
    placed, for how many were placed outside the county "at 31 August 2025"): a flow, not the number at that date,
    so not the same measure for another period. So are counts over a span of any date for how many there are now
    ("2022 to date: 981" looked after "in this period", for "the current total number of children in care").
    '' when the figures are not of that kind."""
    asked = analysis.period
    if not (asked and items and (analysis.period_explicit and asked.kind == "point" or asked.kind == "current" and analysis.answer_type == "count")):
        return ""
    spans = {s.item.period for s in items if s.item.period}
    if not spans or not all(p.kind == "range" and p.days > 92 and (asked.kind == "current" or abs((p.end - asked.end).days) <= 45) for p in spans):
        return ""
    return label_list(sorted(spans, key=lambda p: p.end))


def _without_part_years(chosen: list[Scored]) -> list[Scored]:
    """A part-year figure ('2023 (to 30 June): 23') gives way to another reply's figure for the whole year."""
    whole = [s.item.period for s in chosen if s.item.period and s.item.period.kind in ("financial_year", "academic_year", "calendar_year")]
    return [
        s for s in chosen
        if not (s.item.period and s.item.period.kind == "range" and s.item.period.days < 366
                and any(w.start <= s.item.period.start and s.item.period.end <= w.end for w in whole))
    ]


def predates_period(passage: Passage, analysis: Analysis, cfg: VerdictConfig) -> bool:
    """A question that states its period ("in the past 3 years", "since 2018", "in 2024") is answered in words only by
    a reply written after that period ended: an older reply says what had been done by its own date, and cannot say
    whether anything was done since. A period that runs to the request's date is met by a reply as recent as the
    current window; a period that ended earlier, by a reply from its end on (45 days' grace)."""
    asked, written = analysis.period, passage.unit.date
    if not (analysis.period_explicit and asked and written):
        return False
    to_now = asked.kind in ("rolling", "current") or asked.label.startswith("since")
    grace = cfg.current_window_days if to_now else 45
    return written < asked.end - timedelta(days=grace)


def asks_several(analysis: Analysis) -> bool:
    """Figures for several periods: each year (or month, quarter), a range, 'since …', 'from … onwards'."""
    if not analysis.period_bound:
        return False
    if any(b in analysis.breakdown for b in ("year", "month", "quarter")):
        return True
    return bool(analysis.period_explicit and analysis.period and analysis.period.kind == "range")


def _with_frame(analysis: Analysis, scored: list[Scored], figures: list[Scored]) -> list[Scored]:
    """The figures of one reply with its sentences that frame them (lead-ins ending with ':' are drafted with their
    list items), in the reply's order."""
    frame = [
        s for s in scored
        if not has_figure(s, analysis) and s.item.kind == "sentence" and not s.item.text.rstrip().endswith(":")
    ]
    return sorted(frame + figures, key=lambda s: s.item.index)


def _every_row(analysis: Analysis, passages: Sequence[Passage], by_passage: dict[int, list[Scored]], order: list[int], cfg: VerdictConfig) -> Verdict | None:
    """'Each year' with no span stated: every dated figure of the best (and, among near-equal, newest) reply; the
    years run on to the request's date, so a newest year older than the current window is left to update."""
    first = order[0]
    figures = [
        s for s in by_passage[first]
        if usable_figure(s, analysis) and s.item.period and s.item.period_source != "decision"
        and not s.item.text.rstrip().endswith(":")
    ]
    if not figures:
        return None
    received = analysis.period.end if analysis.period else None
    newest = max(s.item.period.end for s in figures)
    stale = received is not None and (received - newest).days > cfg.current_window_days
    asked = Period(min(s.item.period.start for s in figures), received or newest, "each year to date", "range")
    return _several(analysis, _with_frame(analysis, by_passage[first], figures), passages[first], by_passage[first][0].unit_match,
                    complete_by=received, open_span=asked, stale=stale)


def _several(
    analysis: Analysis, items: list[Scored], passage: Passage, match: float, *, complete_by, open_span: Period | None = None, stale: bool = False,
) -> Verdict:
    """A question asking for several periods: every row held inside the span is drafted, each with its period. It
    is answered only when the rows cover every year of the span (and more than one period); else the years
    missing are named and the officer updates the figures."""
    asked = open_span or analysis.period
    figures = [s for s in items if has_figure(s, analysis) and s.item.period]
    held_periods = list(dict.fromkeys(s.item.period for s in figures))
    gaps = missing_years(asked, held_periods, complete_by=complete_by or (asked.end if is_open(asked) else None))
    if gaps is not None:
        have, missing = gaps
    else:  # not years: the share of the span covered decides
        have = held_periods
        missing = [] if period_coverage([s.item for s in figures], asked) >= 0.999 else [asked]
    reuse = _reuse_reason(passage, match)
    if len({p.label for p in held_periods}) > 1 and not missing and not stale:
        return Verdict(ANSWERED, analysis, items=items, held=have, reason=f"{reuse} Figures drafted for {label_list(have)}.")
    if stale and not missing:
        newest = max(held_periods, key=lambda p: p.end)
        why = f"{OTHER_PERIOD_REASON} ({asked.label}): the newest year held is {newest.label}"
    elif len({p.label for p in held_periods}) <= 1 and not missing:
        why = f"{OTHER_PERIOD_REASON} ({asked.label}): several periods are asked and past replies give only {label_list(held_periods)}"
    else:
        what = label_list(missing) if gaps is not None else _uncovered(asked, held_periods)
        why = f"{OTHER_PERIOD_REASON} ({asked.label}): past replies give {label_list(have) or 'no year of it'}; missing: {what}"
    return Verdict(OTHER_PERIOD, analysis, items=items, nearest=figures, held=have, missing=missing or [], reason=why)


def _uncovered(asked: Period, held: list[Period]) -> str:
    """What a span asked lacks when the replies give spans, not years: the part after the last day they cover
    ("2018 to 2025 after 30 June 2023"), else all of it."""
    if held and min(p.start for p in held) <= asked.start + timedelta(days=45):
        last = max(p.end for p in held)
        if last < asked.end:
            return f"{asked.label} after {day_label(last)}"
    return f"all of {asked.label}"


def _newest(items: list[Scored], asked: Period | None = None, margin: float = 0.05) -> list[Scored]:
    """The items of the most recent period found (the whole newest table row set when a year is broken down), among
    the replies that match the question about as well as the best one: a newer figure from a reply that matches
    less well (UASC in unregulated placements) is not the newest figure of the measure asked (UASC in care).

    Within one reply, a period an item states (or its lead-in or the reply's opening states) outranks one read
    from the reply's past question, which outranks one guessed from the reply's date: "2023/24: 7" is the newest
    figure of a reply dated June 2024, not "where a figure is below 5 …" read as of that date, and "2024/25: 1,352"
    is, not "More than 3,000 … currently known" read as the question's "2020 to 2025". Across replies the newest
    period wins: a 2021/22 reply's figures (the period its question asked) are newer than a 2019/20 reply's. When
    some figures are for periods after the one asked (May 2021 asked, a 2023 row held), the newest up to the
    period asked are the ones that speak for it.
    """
    top_match = max((s.unit_match for s in items), default=0.0)
    items = [s for s in items if s.unit_match >= top_match - margin] or items
    # A figure in digits speaks for its period before a zero in words ("None." to "… remain missing today").
    items = [s for s in items if figure_of_type(s.item.text, "count") or not counts_zero(s.item.text)] or items
    if asked is not None:
        before = [s for s in items if s.item.period and s.item.period.end <= asked.end + timedelta(days=45)]
        items = before or items
    tiers = (("stated", "lead_in", "response"), ("question",), ("decision", "document"))
    best: list[Scored] = []
    for passage in dict.fromkeys(s.passage for s in items):
        mine = [s for s in items if s.passage == passage and s.item.period]
        for tier in tiers:
            ranked = [s for s in mine if s.item.period_source in tier]
            if ranked:
                best += ranked
                break
    dated = best or [s for s in items if s.item.period]
    if not dated:
        first = items[0].passage
        return [s for s in items if s.passage == first]
    top = max(dated, key=lambda s: (s.item.period.end, s.unit_match))
    return [s for s in dated if s.passage == top.passage and s.item.period.label == top.item.period.label]


def _representative(scored: list[Scored], analysis: Analysis) -> list[Scored]:
    ranked = sorted(scored, key=lambda s: -(s.own_coverage + (0.3 if s.type_fit else 0)))
    return ranked[:2]


def _reuse_reason(passage: Passage, match: float) -> str:
    u = passage.unit
    ref = f" (ref {u.reference})" if u.reference else ""
    likeness = "the same question" if match >= 0.85 else "a very similar question" if match >= 0.72 else "a similar question"
    return f"Re-uses the answer to {likeness} (question {', '.join(u.question_numbers)} of {when(u)}{ref})."


def period_phrase(p: Period | None) -> str:
    return describe(p) if p else "in an undated past reply"


def drafted_from(verdict: Verdict, passages: Sequence[Passage]) -> str:
    """What a related verdict drafts for review all the same: a policy section ('policy'), a reply to a differently
    worded question ('worded_reply') or a reply saying where a document is published ('published_copy'); '' when it
    drafts nothing (or is not related)."""
    if verdict.kind != RELATED or not verdict.items:
        return ""
    if passages[verdict.items[0].passage].unit.doc_type is DocType.POLICY:
        return "policy"
    return "worded_reply" if verdict.differs[:1] and verdict.differs[0].startswith(WORDED) else "published_copy"


def record(verdict: Verdict, passages: Sequence[Passage], part: str = "", ask: str = "") -> VerdictRecord:
    """The verdict as plain data kept with the draft: kind, what differs, what was drafted and from which units."""
    used = verdict.items or verdict.nearest
    differs = tuple(verdict.differs) or ((verdict.reason,) if verdict.kind == NONE and verdict.reason else ())
    return VerdictRecord(
        kind=verdict.kind,
        part=part,
        ask=ask,
        differs=differs,
        drafted_from=drafted_from(verdict, passages),
        sources=tuple(dict.fromkeys(passages[s.passage].unit.id for s in used)),
        reason=verdict.reason,
    )


def status_for(kind: str) -> Status | None:
    """The status a verdict forces; None lets the status rules read the drafted text (answered only)."""
    return None if kind == ANSWERED else Status.NEEDS_REVIEW
