"""HTML fragments for the app: pure functions from data to escaped markup, so they can be tested without a browser.

Everything from the corpus or the officer is escaped; the only markup added is ours (tables, <mark>, badges).
"""
from __future__ import annotations

import difflib
import re
from datetime import date
from html import escape
from typing import Sequence

from assistant.cases import Activity, Case, CaseSummary, Version
from assistant.citations import SentenceCheck
from assistant.wording import STATUS_WORDS as STATUS_LABELS
from assistant.wording import flag_words as flag_label
from assistant.wording import flags_to_show, version_kind_words, without_scores
from assistant.wording import state_words as state_label
from assistant.wording import status_words as status_label
from assistant.models import Citation, Draft, Flag, Passage

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
    """The case list; each row carries its case id so a click on it opens the case."""
    if not rows:
        return '<p class="empty">No cases match: start one with "New case".</p>'
    head = "".join(
        f"<th>{h}</th>" for h in ("Reference", "Requester", "Received", "Due", "Working days left", "Questions", "State", "Owner")
    )
    body = []
    for r in rows:
        if r.sent_on is not None:
            days = f"sent {r.sent_on:%d %b %Y}" + (" (late)" if r.sent_on > r.due else " (on time)")
        elif r.state in ("closed", "withdrawn", "cancelled"):
            days = "—"
        else:
            days = days_html(r.days_remaining, r.overdue)
        body.append(
            f'<tr class="case-row{" overdue-row" if r.overdue else ""}" data-case="{r.id}" tabindex="0" title="Open this case">'
            f"<td>{escape(r.reference)}</td><td>{escape(r.requester)}</td><td>{r.received:%d %b %Y}</td>"
            f"<td>{r.due:%d %b %Y}</td><td>{days}</td><td>{r.questions}</td>"
            f"<td class='case-state'>{escape(state_label(r.state))}</td><td>{escape(r.created_by)}</td></tr>"
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
        f"<div>Engine: {escape(case.engine)} · questions: {len(case.drafts)} · state: <strong class='case-state'>{escape(state_label(case.state))}</strong>"
        f"{sent_note(case)}"
        f" · opened by {escape(case.created_by or 'unknown')} on {escape(case.created_at[:16].replace('T', ' '))}</div>"
        f"{excluded}</div>"
    )


def sent_note(case: Case) -> str:
    if case.sent_on is None:
        return f" ({escape(case.state_reason)})" if case.state_reason and case.state in ("withdrawn", "cancelled") else ""
    late = case.sent_late_by() or 0
    return f" on {case.sent_on:%d %b %Y}, " + (f"<span style='color:{RED}'>{late} working day(s) late</span>" if late else "on time")


def question_html(draft: Draft) -> str:
    q = draft.question
    parts = "".join(f"<li><strong>{escape(label)})</strong> {escape(text)}</li>" for label, text in q.parts)
    parts_html = f"<ul class='parts'>{parts}</ul>" if parts else ""
    reason_text = without_scores(draft.status_reason)
    reason = f"<div class='status-reason'>Suggested: {escape(status_label(draft.status))}" + (
        f" — {escape(reason_text)}</div>" if reason_text else "</div>"
    )
    return (
        f"<div class='question'><h4>Question {escape(q.number)}</h4><p>{escape(q.text)}</p>{parts_html}</div>{reason}"
    )


def flags_html(flags: Sequence[Flag], case: Case | None = None, number: str = "") -> str:
    """Flags in plain words; a resolved one stays listed, greyed, with who resolved it, when and why."""
    if not flags:
        return f'<div class="flags none" style="color:{GREEN}">No flags.</div>'
    items, open_count = [], 0
    for f in flags:
        resolved = case.resolution(number, f) if case is not None else None
        text = f'<span class="flag-kind">{escape(flag_label(f.kind))}</span>: {escape(f.message)}'
        if resolved is None:
            open_count += 1
            items.append(f'<li class="flag open">{text}</li>')
        else:
            when = resolved.at[:16].replace("T", " ")
            items.append(
                f'<li class="flag resolved" style="color:#888"><s>{text}</s> — resolved by {escape(resolved.user)} on '
                f"{escape(when)} UTC: {escape(resolved.reason)}</li>"
            )
    title = f"Flags ({open_count} open)" if open_count != len(flags) else f"Flags ({len(flags)})"
    return f'<div class="flags"><strong>{title}</strong><ul>{"".join(items)}</ul></div>'


def draft_flags_html(draft: Draft, case: Case | None = None) -> str:
    """A draft's flags as shown on its cards: a needs-review answer's reason comes first."""
    return flags_html(flags_to_show(draft), case, draft.question.number)


def returned_html(case: Case, number: str) -> str:
    """The reviewer's comment where the officer edits: shown until a later decision replaces it."""
    review = case.returned_comment(number)
    if review is None:
        return ""
    when = review.at[:16].replace("T", " ")
    since = (
        " You have changed the answer since; send the case for review again when it is ready."
        if case.meta[number].version != review.version
        else ""
    )
    return (
        f"<div class='returned-comment' style='border-left:4px solid {RED};padding:4px 8px;background:#fff4f4'>"
        f"<strong>Returned by {escape(review.user)}</strong> on {escape(when)} UTC (version {review.version}): "
        f"“{escape(review.comment)}”{since}</div>"
    )


def diff_html(old: str, new: str) -> str:
    """Word-level changes from one version to the next: removed words struck through, added ones underlined."""
    a, b = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del style='color:{RED}'>{escape(' '.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins style='color:{GREEN}'>{escape(' '.join(b[j1:j2]))}</ins>")
    return " ".join(out)


def versions_html(versions: Sequence[Version]) -> str:
    """Every version of one answer, newest first, each with who, when, how and its changes from the one before."""
    if not versions:
        return "<p>No versions yet.</p>"
    rows = []
    for i in range(len(versions) - 1, -1, -1):
        v = versions[i]
        previous = versions[i - 1] if i else None
        changes = []
        if previous is None:
            changes.append(escape(v.answer))
        else:
            if previous.answer != v.answer:
                changes.append(diff_html(previous.answer, v.answer))
            if previous.status != v.status:
                changes.append(f"Status: {escape(status_label(previous.status))} → {escape(status_label(v.status))}")
            if previous.exemptions != v.exemptions:
                changes.append(f"Exemptions: {escape(', '.join(previous.exemptions) or 'none')} → {escape(', '.join(v.exemptions) or 'none')}")
        when = v.at[:16].replace("T", " ")
        rows.append(
            f"<tr class='version' data-version='{v.version}'><td>Version {v.version}</td><td>{escape(version_kind_words(v.kind))}"
            f" by {escape(v.user or 'the drafting service')}<br><small>{escape(when)} UTC</small></td>"
            f"<td class='version-diff'>{'<br>'.join(changes) or 'no change'}</td></tr>"
        )
    return (
        "<table class='foi-table version-table'><thead><tr><th>Version</th><th>What, who, when</th><th>Changes from the"
        f" version before</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


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
            verdict = f"<span class='check ok' style='color:{GREEN}'>✓ backed by the quote</span>"
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


def activity_html(activity: Sequence[Activity]) -> str:
    """Who opened, drafted, edited, approved, returned and sent, and when, in time order."""
    lines = [
        f"<li>{escape(a.at[:16].replace('T', ' '))} UTC — <strong>{escape(a.user or 'the drafting service')}</strong> {escape(a.what)}</li>"
        for a in activity
    ]
    return f"<div class='activity'><strong>Activity</strong><ul>{''.join(lines)}</ul></div>"


def match_words(similarity: float) -> str:
    """How close a passage is to the search, in words rather than a score."""
    if similarity >= 0.6:
        return "close match"
    if similarity >= 0.45:
        return "related"
    return "loosely related"


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
            f"<td>{match_words(p.similarity)}</td><td class='excerpt'>{escape(excerpt)}</td></tr>"
        )
    return (
        "<table class='foi-table' id='search-results'><thead><tr><th>#</th><th>Document</th><th>Reference</th><th>Date</th>"
        f"<th>Match</th><th>Passage</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_escape(text: str) -> str:
    """Text from a requester, the corpus or a user made inert for a Markdown renderer: no HTML, links or images."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escape(text or "", quote=True))


def chat_markdown(text: str, citations: Sequence[Citation], flags: Sequence[Flag]) -> str:
    """A chat reply as Markdown: the answer, then its sources and any flags under it, every piece of text escaped."""
    out = [md_escape(text.strip()) if text.strip() else "_No answer could be drafted from the corpus._"]
    if citations:
        out.append("\n**Sources**")
        for c in citations:
            details = ", ".join(x for x in (c.title, c.reference, c.date) if x)
            out.append(f"- \\[{c.marker}\\] {md_escape(details)}: “{md_escape(c.quote)}”")
    if flags:
        out.append("\n**Flags**")
        out.extend(f"- {md_escape(flag_label(f.kind))}: {md_escape(f.message)}" for f in flags)
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
.case-row { cursor: pointer; }
.case-row:hover { background: #eef3ff; }
.offscreen { position: absolute !important; left: -10000px !important; width: 1px; height: 1px; overflow: hidden; }
.flag.resolved { color: #888; }
ins { text-decoration: underline; }
"""

#: Opens a case when a row of the case list is clicked (or Enter is pressed on it): the row's id goes into a
#: hidden box and a hidden button runs the same "open" handler as everywhere else.
CASES_TABLE_JS = """
function openRow(row) {
  const box = document.querySelector('#open-case-id textarea, #open-case-id input');
  const go = document.querySelector('#open-case-go');
  if (!row || !box || !go) return;
  box.value = row.dataset.case;
  box.dispatchEvent(new Event('input', { bubbles: true }));
  setTimeout(() => go.click(), 50);
}
element.addEventListener('click', (e) => openRow(e.target.closest('tr[data-case]')));
element.addEventListener('keydown', (e) => { if (e.key === 'Enter') openRow(e.target.closest('tr[data-case]')); });
"""
