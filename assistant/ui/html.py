"""HTML fragments for the app: pure functions from data to escaped markup, so they can be tested without a browser.

Everything from the corpus or the officer is escaped; the only markup added is ours (tables, <mark>, badges).
"""
from __future__ import annotations

import re
from datetime import date
from html import escape
from typing import Sequence

from assistant.cases import Case, CaseSummary, Edit
from assistant.citations import SentenceCheck
from assistant.models import Citation, Draft, Flag, Passage, Status

STATUS_LABELS: dict[str, str] = {
    Status.PROVIDED.value: "Provided",
    Status.PARTLY_PROVIDED.value: "Partly provided",
    Status.NOT_HELD.value: "Not held",
    Status.EXEMPT.value: "Exempt (refused)",
    Status.PUBLISHED_ELSEWHERE.value: "Published elsewhere (s21)",
    Status.REDIRECTED.value: "Redirected to another body",
    Status.NEEDS_REVIEW.value: "Needs review",
}
RED = "#b00020"
GREEN = "#1b6e20"
AMBER = "#8a5a00"


def status_choices() -> list[tuple[str, str]]:
    return [(label, value) for value, label in STATUS_LABELS.items()]


def slug(number: str) -> str:
    """A question number as a safe element id part ('7a' stays, '7a-d' and odd characters become '-')."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", number).strip("-") or "q"


def days_html(days_remaining: int, overdue: bool) -> str:
    if overdue:
        late = -days_remaining
        return f'<span class="overdue" style="color:{RED};font-weight:600">overdue by {late} working day{"s" if late != 1 else ""}</span>'
    colour = AMBER if days_remaining <= 5 else "inherit"
    return f'<span style="color:{colour}">{days_remaining}</span>'


def cases_table(rows: Sequence[CaseSummary]) -> str:
    if not rows:
        return '<p class="empty">No cases yet: start one in the Draft tab.</p>'
    head = "".join(
        f"<th>{h}</th>" for h in ("Reference", "Requester", "Received", "Due", "Working days left", "Questions", "Status", "Opened by")
    )
    body = []
    for r in rows:
        body.append(
            f'<tr class="case-row{" overdue-row" if r.overdue else ""}" data-case="{r.id}">'
            f"<td>{escape(r.reference)}</td><td>{escape(r.requester)}</td><td>{r.received:%d %b %Y}</td>"
            f"<td>{r.due:%d %b %Y}</td><td>{days_html(r.days_remaining, r.overdue)}</td><td>{r.questions}</td>"
            f"<td>{escape(r.status)}</td><td>{escape(r.created_by)}</td></tr>"
        )
    return f'<table class="foi-table" id="cases-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def case_header(case: Case, today: date | None = None) -> str:
    deadline = case.deadline(today)
    clock = []
    if case.clarified:
        clock.append(f"clock restarted on clarification {case.clarified:%d %b %Y}")
    if case.extension_days:
        clock.append(f"{case.extension_days}-working-day public interest extension")
    note = f" ({'; '.join(clock)})" if clock else ""
    excluded = f"<div>Left out of the search: {escape(', '.join(case.exclude))}</div>" if case.exclude else ""
    return (
        f'<div class="case-header" id="case-header-{case.id}">'
        f"<h3>{escape(case.reference)}{' — ' + escape(case.requester) if case.requester else ''}</h3>"
        f"<div>Received {case.received:%d %b %Y} · due <strong>{deadline.due:%d %b %Y}</strong>{note} · working days left: "
        f'<strong class="days-remaining">{days_html(deadline.days_remaining, deadline.overdue)}</strong></div>'
        f"<div>Engine: {escape(case.engine)} · questions: {len(case.drafts)} · status: {escape(case.status)}"
        f" · opened by {escape(case.created_by or 'unknown')} on {escape(case.created_at[:16].replace('T', ' '))}</div>"
        f"{excluded}</div>"
    )


def question_html(draft: Draft) -> str:
    q = draft.question
    parts = "".join(f"<li><strong>{escape(label)})</strong> {escape(text)}</li>" for label, text in q.parts)
    parts_html = f"<ul class='parts'>{parts}</ul>" if parts else ""
    reason = f"<div class='status-reason'>Suggested: {escape(STATUS_LABELS.get(draft.status.value, draft.status.value))}" + (
        f" — {escape(draft.status_reason)}</div>" if draft.status_reason else "</div>"
    )
    return (
        f"<div class='question'><h4>Question {escape(q.number)}</h4><p>{escape(q.text)}</p>{parts_html}</div>{reason}"
    )


def flags_html(flags: Sequence[Flag]) -> str:
    if not flags:
        return f'<div class="flags none" style="color:{GREEN}">No flags.</div>'
    items = "".join(f'<li><span class="flag-kind">{escape(f.kind)}</span>: {escape(f.message)}</li>' for f in flags)
    return f'<div class="flags"><strong>Flags ({len(flags)})</strong><ul>{items}</ul></div>'


def _quote_pattern(piece: str) -> re.Pattern[str] | None:
    tokens = piece.split()
    if not tokens:
        return None
    return re.compile(r"\s+".join(re.escape(t) for t in tokens), re.I)


def highlight(text: str, quote: str) -> str:
    """The passage text, escaped, with each part of the quote (parts joined by ' … ') wrapped in <mark>."""
    spans: list[tuple[int, int]] = []
    for piece in re.split(r"\s*…\s*", quote or ""):
        pattern = _quote_pattern(piece.strip())
        if pattern is None:
            continue
        match = pattern.search(text)
        if match:
            spans.append(match.span())
    spans.sort()
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def passage_for(citation: Citation, passages: Sequence[Passage]) -> Passage | None:
    for p in passages:
        if p.unit.id == citation.source_id:
            return p
    if 0 < citation.marker <= len(passages):
        return passages[citation.marker - 1]
    return None


def source_label(citation: Citation) -> str:
    bits = [escape(citation.title)]
    if citation.reference:
        bits.append(escape(citation.reference))
    if citation.date:
        bits.append(escape(citation.date))
    return ", ".join(bits)


def sources_html(draft: Draft) -> str:
    if not draft.citations:
        return '<p class="no-sources">No source is cited in this answer.</p>'
    items = []
    for c in draft.citations:
        passage = passage_for(c, draft.passages)
        if passage is not None:
            body = highlight(passage.unit.text, c.quote)
            if "<mark>" not in body:
                body = f"<blockquote><mark>{escape(c.quote)}</mark></blockquote><div class='passage-text'>{body}</div>"
            else:
                body = f"<div class='passage-text'>{body}</div>"
        else:
            body = f"<blockquote><mark>{escape(c.quote)}</mark></blockquote>"
        items.append(
            f'<div class="source" data-marker="{c.marker}"><div class="source-head"><strong>[{c.marker}]</strong> '
            f"{source_label(c)} <code>{escape(c.doc_id)}</code></div>{body}</div>"
        )
    return f'<div class="sources">{"".join(items)}</div>'


def saved_note(version: int, user: str, at: str) -> str:
    when = at[:19].replace("T", " ")
    return f'<span class="saved-note">Version {version} · saved {escape(when)} UTC by {escape(user or "system")}</span>'


def check_table(draft: Draft, checks: Sequence[SentenceCheck]) -> str:
    """Each answer sentence beside the quote it cites and whether the check passed."""
    rows = []
    for check in checks:
        cited = []
        for m in check.markers:
            citation = next((c for c in draft.citations if c.marker == m), None)
            label = source_label(citation) if citation else "unknown source"
            cited.append(f"<div><strong>[{m}]</strong> {label}</div>")
        quote = f"<blockquote class='cited-quote'><mark>{escape(check.quote)}</mark></blockquote>" if check.quote else ""
        if check.boilerplate:
            verdict = "<span class='check neutral'>no claim to check</span>"
        elif check.supported:
            verdict = f"<span class='check ok' style='color:{GREEN}'>✓ supported ({check.score:.2f})</span>"
        else:
            verdict = f"<span class='check bad' style='color:{RED}'>✗ {escape('; '.join(check.reasons))}</span>"
        rows.append(
            f"<tr><td class='sentence'>{escape(check.sentence)}</td><td>{''.join(cited) or '—'}{quote}</td><td>{verdict}</td></tr>"
        )
    if not rows:
        return "<p>The answer is empty.</p>"
    return (
        "<table class='foi-table check-table'><thead><tr><th>Answer sentence</th><th>Cited source and quote</th>"
        f"<th>Check</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def review_state_html(case: Case, number: str) -> str:
    state = case.review_state(number)
    review = case.latest_review(number)
    if review is None:
        return "<div class='review-state pending'>Not reviewed yet.</div>"
    when = review.at[:16].replace("T", " ")
    comment = f": “{escape(review.comment)}”" if review.comment else ""
    if state == "pending":
        return (
            f"<div class='review-state pending' style='color:{AMBER}'>{escape(review.decision.capitalize())} by "
            f"{escape(review.user)} on {when} UTC{comment}, but the answer has changed since: review again.</div>"
        )
    colour = GREEN if state == "approved" else RED
    return (
        f"<div class='review-state {state}' style='color:{colour}'>{escape(state.capitalize())} by {escape(review.user)} "
        f"on {when} UTC{comment}</div>"
    )


def activity_html(case: Case, edits: Sequence[Edit]) -> str:
    """Who drafted, edited, approved and returned, and when: the audit line a reviewer signs off against."""
    lines = [f"<li>Opened and drafted by <strong>{escape(case.created_by or 'unknown')}</strong> on {escape(case.created_at[:16].replace('T', ' '))} UTC</li>"]
    for e in edits:
        what = f"question {escape(e.number)} {escape(e.field)}" if e.number else escape(e.field)
        lines.append(f"<li>{escape(e.at[:16].replace('T', ' '))} UTC — <strong>{escape(e.user or 'system')}</strong> changed {what}</li>")
    for r in case.reviews:
        lines.append(
            f"<li>{escape(r.at[:16].replace('T', ' '))} UTC — <strong>{escape(r.user)}</strong> {escape(r.decision)} question "
            f"{escape(r.number)}{': “' + escape(r.comment) + '”' if r.comment else ''}</li>"
        )
    return f"<div class='activity'><strong>Activity</strong><ul>{''.join(lines)}</ul></div>"


def search_results_html(passages: Sequence[Passage]) -> str:
    if not passages:
        return "<p>No passages found.</p>"
    rows = []
    for p in passages:
        u = p.unit
        where = f"Q{', '.join(u.question_numbers)}" if u.question_numbers else " › ".join(u.heading_path[-2:])
        text = " ".join(u.text.split())
        excerpt = text[:500] + ("…" if len(text) > 500 else "")
        rows.append(
            f"<tr><td>{p.rank}</td><td><strong>{escape(u.title)}</strong><br><code>{escape(u.doc_id)}</code> {escape(where)}</td>"
            f"<td>{escape(u.reference)}</td><td>{u.date.isoformat() if u.date else ''}</td>"
            f"<td>{p.score:.4f}<br><small>sim {p.similarity:.2f}</small></td><td class='excerpt'>{escape(excerpt)}</td></tr>"
        )
    return (
        "<table class='foi-table' id='search-results'><thead><tr><th>#</th><th>Document</th><th>Reference</th><th>Date</th>"
        f"<th>Score</th><th>Passage</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def chat_markdown(text: str, citations: Sequence[Citation], flags: Sequence[Flag]) -> str:
    """A chat reply as Markdown: the answer, then its sources and any flags under it."""
    out = [text.strip() or "_No answer could be drafted from the corpus._"]
    if citations:
        out.append("\n**Sources**")
        for c in citations:
            details = ", ".join(x for x in (c.title, c.reference, c.date) if x)
            out.append(f"- [{c.marker}] {details}: “{c.quote}”")
    if flags:
        out.append("\n**Flags**")
        out.extend(f"- {f.kind}: {f.message}" for f in flags)
    return "\n".join(out)


CSS = """
.foi-table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
.foi-table th, .foi-table td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
.question-card, .review-card { border: 1px solid #ccd; border-radius: 8px; padding: 8px; margin-bottom: 14px; }
.question-card .question-card, .review-card .review-card { border: none; padding: 0; margin: 0; }
.question h4 { margin: 0 0 4px 0; }
.status-reason { font-size: 0.85em; color: #555; }
.source { border-left: 3px solid #99a; padding: 4px 8px; margin: 6px 0; }
.passage-text { max-height: 16em; overflow-y: auto; white-space: pre-wrap; font-size: 0.9em; }
mark { background: #ffe066; padding: 0 1px; }
.flags ul { margin: 2px 0 0 18px; }
.flag-kind { font-weight: 600; }
.saved-note { font-size: 0.8em; color: #666; }
"""
