"""The request to the service: the questions the corpus cannot answer for the period asked, grouped by service area.

In a council the figures come from the service that holds the data; the officer forwards the questions and writes
in what comes back. This module decides which questions go (`needs_service`, the one switch), suggests the service
area from the past replies that answered similar questions, states the period and breakdown asked, the date the
service must reply by, and the last answer given as a template to update. Pure, apart from writing the .docx.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from assistant.citations import strip_markers
from assistant.deadlines import add_working_days
from assistant.drafting.analysis import Analysis, analyse_question
from assistant.drafting.periods import find_periods, within
from assistant.models import DocType, Draft, Passage, Question, Status

#: Verdicts (from question analysis) that mean the corpus does not answer the question for the period asked.
SERVICE_VERDICTS = ("other_period", "related", "none")
#: Until a draft carries its verdict, these flags on a `needs_review` (or any) draft mean the same thing.
SERVICE_FLAGS = ("other_period", "stale_source", "figure_mismatch", "figure_not_in_source")
UNKNOWN_AREA = "Service area to be chosen"

#: Service areas and the words of past questions and answers that point to them. The first area with the most
#: hits wins; the officer edits the suggestion. A decision's front matter `service_area:` overrides these.
AREA_WORDS: dict[str, tuple[str, ...]] = {
    "Children's Services": (
        "child", "children", "looked after", "foster", "social worker", "safeguarding", "care leaver",
        "section 47", "child protection", "exploitation", "missing", "adoption", "unaccompanied", "uasc",
        "family group", "early help", "residential",
    ),
    "SEND and Inclusion": (
        "send", "ehcp", "education, health and care", "special educational", "tribunal", "sen ", "inclusion",
        "educational psycholog", "exclusion", "managed move", "elective home education", "home education",
    ),
    "Transport Services": ("transport", "taxi", "vehicle", "bus", "pick-up", "travel"),
    "Finance": ("budget", "spend", "£", "cost", "funding", "grant", "allowance", "payment"),
    "Public Health": ("drug", "alcohol", "detox", "treatment", "public health", "prevent"),
    "People Management (HR)": ("staff", "turnover", "vacanc", "agency worker", "fte", "workforce", "recruit"),
    "Adult Care": ("adult", "care home", "domiciliary"),
    "Housing and Planning": ("house", "housing", "hmo", "planning", "licen"),
}

@dataclass
class ServiceQuestion:
    """One question put to the service, with what it must cover and the last answer to update."""

    number: str
    text: str
    period: str
    breakdown: str
    reason: str
    last_answer: str = ""
    last_reference: str = ""
    last_date: str = ""
    last_title: str = ""


@dataclass
class ServiceRequest:
    """The questions of one case for one service area."""

    case_reference: str
    area: str
    questions: list[ServiceQuestion]
    sent_on: date
    due: date
    recipient: str = ""
    requester_due: date | None = None  # the statutory due date of the FOI reply, for the service's information


# -- which questions go --------------------------------------------------------------------------------------
def verdict_of(draft: Draft) -> str | None:
    """The question-analysis verdict of a draft when it carries one (`verdict`, or the list `verdicts`)."""
    single = getattr(draft, "verdict", None)
    if isinstance(single, str) and single:
        return single
    many = getattr(draft, "verdicts", None)
    if many:
        for kind in ("none", "related", "other_period", "answered"):  # the weakest part decides
            if kind in many:
                return kind
    return None


def service_reason(draft: Draft, received: date | None = None) -> str | None:
    """Why this question should go to the service, or None when the corpus answers it.

    The one switch between signals: the verdict when drafts carry one, else `needs_review` and the flags."""
    verdict = verdict_of(draft)
    if verdict is not None:
        return {
            "other_period": "the figures we hold are for another period than the one asked",
            "related": "past replies answer a related measure or group, not the one asked",
            "none": "no past reply answers this question",
        }.get(verdict)
    kinds = {f.kind for f in draft.flags}
    if "other_period" in kinds or "stale_source" in kinds or not states_period_asked(draft, received):
        return "the figures we hold are for another period than the one asked"
    if kinds & {"figure_mismatch", "figure_not_in_source"}:
        return "a figure in the draft is not in its sources"
    if draft.status is Status.NEEDS_REVIEW:
        return draft.status_reason or "no past reply answers this question"
    return None


def states_period_asked(draft: Draft, received: date | None = None) -> bool:
    """Does an answer with figures state the period the question names? (True when no period is named.)

    Until drafts carry verdicts, an answer whose figures state none of the periods asked (read by drafting's
    question analysis and period reader) is taken to answer another period."""
    analysis = analyse_question(draft.question, received)
    answer = strip_markers(draft.answer)
    if analysis.period is None or not analysis.period_explicit:
        return True
    found = find_periods(answer, received)
    rest = answer
    for f in sorted(found, key=lambda f: -f.span[0]):
        rest = rest[: f.span[0]] + rest[f.span[1]:]
    if not re.search(r"\d", rest):
        return True  # no figure beside the periods: nothing to be for another period
    return any(within(f.period, analysis.period) for f in found)


def needs_service(draft: Draft, received: date | None = None) -> bool:
    return service_reason(draft, received) is not None


# -- what is asked: drafting's question analysis, in words for the service ----------------------------------------
def period_words(analysis: Analysis) -> str:
    """The period asked, as the question analysis reads it, with any sub-part asking for another period."""
    if analysis.period is None:
        return "not stated: current figures"
    if not analysis.period_explicit:
        words = f"not stated: current figures ({analysis.period.label}, when the request was received)"
    else:
        words = analysis.period.label
    others = [f"part {p.label}): {p.period.label}" for p in analysis.parts
              if p.period is not None and p.period_explicit and p.period != analysis.period]
    return "; ".join([words, *others])


def breakdown_words(analysis: Analysis, question: Question) -> str:
    """The breakdown asked ("by age, by gender"), each sub-part named, or "none asked"."""
    found = [f"by {b}" for b in analysis.breakdown]
    if question.parts:
        found.append("each part: " + ", ".join(f"{label})" for label, _ in question.parts))
    return "; ".join(found) if found else "none asked"


def period_asked(question: Question, received: date | None = None) -> str:
    return period_words(analyse_question(question, received))


def breakdown_asked(question: Question, received: date | None = None) -> str:
    return breakdown_words(analyse_question(question, received), question)


# -- the past answer as a template -----------------------------------------------------------------------------
def _overlap(a: str, b: str) -> float:
    """Jaccard overlap of content words: the measure words ("agency", "spend") that embeddings blur."""
    from assistant.citations import _stem, content_words

    x, y = {_stem(w) for w in content_words(a)}, {_stem(w) for w in content_words(b)}
    return len(x & y) / len(x | y) if x and y else 0.0


def last_answer(passages: Sequence[Passage], question: Question | None = None) -> Passage | None:
    """The past reply to the same question: most alike in meaning and in measure words, newest of near-equals."""
    decisions = [p for p in passages if p.unit.doc_type is DocType.DECISION and (p.unit.answer or p.unit.text)]
    if not decisions:
        return None

    def fit(p: Passage) -> float:
        words = _overlap(question.query_text, p.unit.question or p.unit.text) if question is not None else 0.0
        return p.similarity + 0.5 * words

    best = max(fit(p) for p in decisions)
    near = [p for p in decisions if fit(p) >= best - 0.05]
    return max(near, key=lambda p: (p.unit.date or date.min, fit(p)))


def template_for(draft: Draft) -> Passage | None:
    """The last answer given to the same question: the template the service updates and the redraft re-uses."""
    return last_answer(draft.passages, draft.question)


def suggest_area(question: Question, passages: Sequence[Passage]) -> str:
    """The service area: from the metadata of the past replies to similar questions, else from their words."""
    decisions = [p for p in passages if p.unit.doc_type is DocType.DECISION][:3]
    for p in decisions:
        declared = str(p.unit.extra.get("service_area") or "").strip()
        if declared:
            return declared
    text = " ".join([question.query_text] + [f"{p.unit.title} {p.unit.question} {p.unit.answer}" for p in decisions]).lower()
    scores = {area: sum(text.count(w) for w in words) for area, words in AREA_WORDS.items()}
    area, score = max(scores.items(), key=lambda kv: kv[1])
    return area if score else UNKNOWN_AREA


# -- building the requests ---------------------------------------------------------------------------------------
def service_due(sent_on: date, working_days: int) -> date:
    """The date the service must reply by: `working_days` working days after the request was sent."""
    return add_working_days(sent_on, working_days)


def service_questions(
    drafts: Iterable[Draft], *, picked: Iterable[str] = (), left_out: Iterable[str] = (), received: date | None = None
) -> list[tuple[ServiceQuestion, str]]:
    """(question for the service, suggested area) for every draft that needs the service or that the officer picked."""
    picked, left_out = {str(n) for n in picked}, {str(n) for n in left_out}
    out: list[tuple[ServiceQuestion, str]] = []
    for draft in drafts:
        number = draft.question.number
        reason = service_reason(draft, received)
        if number in left_out or (reason is None and number not in picked):
            continue
        template = template_for(draft)
        unit = template.unit if template else None
        analysis = analyse_question(draft.question, received)
        sq = ServiceQuestion(
            number=number,
            text=draft.question.full_text,
            period=period_words(analysis),
            breakdown=breakdown_words(analysis, draft.question),
            reason=reason or "chosen by the officer",
            last_answer=strip_markers(unit.answer or unit.text).strip() if unit else "",
            last_reference=(unit.reference or unit.doc_id) if unit else "",
            last_date=f"{unit.date:%-d %B %Y}" if unit and unit.date else ("undated" if unit else ""),
            last_title=unit.title if unit else "",
        )
        out.append((sq, suggest_area(draft.question, draft.passages)))
    return out


def build_service_requests(
    case_reference: str,
    drafts: Iterable[Draft],
    *,
    sent_on: date,
    working_days: int = 10,
    picked: Iterable[str] = (),
    left_out: Iterable[str] = (),
    areas: Mapping[str, str] | None = None,
    recipients: Mapping[str, str] | None = None,
    received: date | None = None,
    requester_due: date | None = None,
) -> list[ServiceRequest]:
    """One request per service area; `areas` (question number → area) is the officer's correction of the suggestion."""
    areas, recipients = dict(areas or {}), dict(recipients or {})
    grouped: dict[str, list[ServiceQuestion]] = {}
    for sq, suggested in service_questions(drafts, picked=picked, left_out=left_out, received=received):
        area = (areas.get(sq.number) or suggested).strip() or UNKNOWN_AREA
        grouped.setdefault(area, []).append(sq)
    due = service_due(sent_on, working_days)
    return [
        ServiceRequest(case_reference, area, qs, sent_on, due, recipients.get(area, ""), requester_due)
        for area, qs in grouped.items()
    ]


# -- exports -------------------------------------------------------------------------------------------------------
def email_subject(req: ServiceRequest) -> str:
    return f"FOI {req.case_reference}: figures needed from {req.area} by {req.due:%-d %B %Y}"


def email_text(req: ServiceRequest, *, council: str = "", team: str = "", team_email: str = "") -> str:
    """The plain-text email to the service: questions, periods, breakdowns, due date and the last answers."""
    lines = [
        f"Subject: {email_subject(req)}",
        f"To: {req.recipient or req.area}",
        "",
        f"Dear colleagues in {req.area},",
        "",
        f"We have received a Freedom of Information request (reference {req.case_reference}) that asks for information "
        "held by your service. Please send us the figures below, for the period and breakdown asked, "
        f"by {req.due:%A %-d %B %Y}.",
    ]
    if req.requester_due:
        lines.append(f"The council must reply to the requester by {req.requester_due:%-d %B %Y}.")
    lines += [
        "Where a figure is not held, or would take too long to find, please say so and why.",
        "A spreadsheet is welcome: one row per period, with column headings.",
        "",
    ]
    for sq in req.questions:
        lines += [
            f"Question {sq.number}: {sq.text}",
            f"  Period asked: {sq.period}",
            f"  Breakdown asked: {sq.breakdown}",
            f"  Why we are asking: {sq.reason}",
        ]
        if sq.last_answer:
            lines += [
                f"  Last answer given (ref {sq.last_reference}, {sq.last_date}) — please update it:",
                *[f"    {line}" for line in sq.last_answer.splitlines() if line.strip()],
            ]
        else:
            lines.append("  Last answer given: none found in our past replies.")
        lines.append("")
    sign = ", ".join(x for x in (team, council) if x)
    lines += ["Thank you,", sign or "The FOI team"]
    if team_email:
        lines.append(team_email)
    return "\n".join(lines).rstrip() + "\n"


def write_docx(req: ServiceRequest, path: str | Path, *, council: str = "", team: str = "", team_email: str = "") -> Path:
    """The same request as an A4 Word document file."""
    path = Path(path)
    path.write_bytes(docx_bytes(req, council=council, team=team, team_email=team_email))
    return path


def docx_bytes(req: ServiceRequest, *, council: str = "", team: str = "", team_email: str = "") -> bytes:
    """The request as an A4 Word document, with the document properties set."""
    import io

    from docx import Document
    from docx.shared import Mm, Pt

    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin = section.bottom_margin = Mm(20)
    doc.styles["Normal"].font.size = Pt(11)
    props = doc.core_properties
    props.title = email_subject(req)[:250]
    props.author = team or council or "FOI team"
    props.subject = f"Service request for FOI {req.case_reference}"
    doc.add_heading(f"Request for information: FOI {req.case_reference}", level=1)
    doc.add_paragraph(f"To: {req.recipient or req.area}")
    doc.add_paragraph(f"Sent: {req.sent_on:%-d %B %Y}. Please reply by {req.due:%A %-d %B %Y}.")
    if req.requester_due:
        doc.add_paragraph(f"The council must reply to the requester by {req.requester_due:%-d %B %Y}.")
    doc.add_paragraph(
        "Please send the figures below for the period and breakdown asked. Where a figure is not held, please say so "
        "and why. A spreadsheet is welcome: one row per period, with column headings."
    )
    for sq in req.questions:
        doc.add_heading(f"Question {sq.number}", level=2)
        doc.add_paragraph(sq.text)
        for label, value in (("Period asked", sq.period), ("Breakdown asked", sq.breakdown), ("Why we are asking", sq.reason)):
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(f"{label}: ").bold = True
            p.add_run(value)
        if sq.last_answer:
            p = doc.add_paragraph()
            p.add_run(f"Last answer given (ref {sq.last_reference}, {sq.last_date}), to update:").bold = True
            for line in sq.last_answer.splitlines():
                if line.strip():
                    doc.add_paragraph(line.strip(), style="Quote")
        else:
            doc.add_paragraph("Last answer given: none found in our past replies.")
    sign = ", ".join(x for x in (team, council) if x)
    doc.add_paragraph(f"Thank you. {sign}".strip() + (f" ({team_email})" if team_email else ""))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
