"""The service-request panel of the Draft tab, and the chasing list of the Cases tab.

A thin shell over `assistant.service.casework`: prepare the request to the service (email text and .docx), record
it as sent, attach the service's return (file or pasted), redraft the answers it covers and accept each change.
Everything shown is escaped: requests, returns and answers are data.
"""
from __future__ import annotations

import time
from datetime import date
from html import escape
from typing import Any, Sequence

import gradio as gr

from assistant.cases import SentServiceRequest, as_date
from assistant.markup import escape_inline
from assistant.readers import ReadError
from assistant.service import casework
from assistant.service.returns import RETURN_SUFFIXES
from assistant.ui.context import AppContext


# -- pure fragments (tested without a browser) -------------------------------------------------------------------
def chasing_table(rows: Sequence[SentServiceRequest], today: date | None = None) -> str:
    """Outstanding service requests, earliest due first; those past their internal due date marked overdue."""
    today = today or date.today()
    if not rows:
        return '<p class="empty" id="service-chasing-empty">No service requests are waiting for figures.</p>'
    head = "".join(f"<th>{h}</th>" for h in ("Case", "Service area", "Sent to", "Questions", "Sent", "Due from service", ""))
    body = []
    for r in rows:
        late = r.overdue(today)
        flag = f'<strong class="overdue">overdue by {(today - r.due).days} day(s): chase</strong>' if late else "waiting"
        body.append(
            f'<tr class="service-row{" overdue-row" if late else ""}" data-case="{r.case_id}">'
            f"<td>{escape(r.case_reference)}</td><td>{escape(r.area)}</td><td>{escape(r.recipient or '—')}</td>"
            f"<td>{escape(', '.join(r.numbers))}</td><td>{r.sent_on:%d %b %Y}</td><td>{r.due:%d %b %Y}</td><td>{flag}</td></tr>"
        )
    late_count = sum(r.overdue(today) for r in rows)
    caption = f"Service requests waiting for figures: {len(rows)}" + (f", {late_count} past their due date" if late_count else "")
    return (
        f'<table class="foi-table" id="service-chasing"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def case_service_html(requests: Sequence[SentServiceRequest], returns: Sequence[Any], today: date | None = None,
                      shared: dict[int, str] | None = None) -> str:
    """What was sent to whom for this case, what came back, and which returns the officer added to the corpus."""
    shared = shared or {}
    today = today or date.today()
    parts = []
    for r in requests:
        state = "answered" if r.answered_at else ("overdue" if r.overdue(today) else "waiting")
        parts.append(
            f"<li>Questions {escape(', '.join(r.numbers))} sent to <strong>{escape(r.area)}</strong>"
            f"{' (' + escape(r.recipient) + ')' if r.recipient else ''} on {r.sent_on:%d %b %Y} by {escape(r.sent_by)}; "
            f"due {r.due:%d %b %Y}: <span class='service-{state}'>{state}</span></li>"
        )
    for ret in returns:
        parts.append(
            f"<li>Return from <strong>{escape(ret.area)}</strong> of {ret.received:%d %b %Y}"
            f"{' (' + escape(ret.source_name) + ')' if ret.source_name else ''}: {len(ret.items)} item(s), added by {escape(ret.added_by)}"
            + (f"; <span class='service-shared'>{escape(shared[ret.id])}</span>" if ret.id in shared else "; kept with the case only")
            + "</li>"
        )
    if not parts:
        return "<p class='empty'>Nothing sent to a service for this case yet.</p>"
    return f"<ul id='service-case-log'>{''.join(parts)}</ul>"


def proposals_html(proposals: Sequence[Any]) -> str:
    """Each redraft as a diff, with its check result and the flags it resolves."""
    if not proposals:
        return "<p class='empty'>The returns attached do not answer any question waiting for figures.</p>"
    out = []
    for p in proposals:
        lines = []
        for line in p.diff.splitlines()[2:]:
            cls = "diff-add" if line.startswith("+") else "diff-del" if line.startswith("-") else "diff-ctx"
            lines.append(f"<div class='{cls}'>{escape(line)}</div>")
        checks = "passes every check" if p.passes_checks else "does not pass its checks: " + escape(
            "; ".join(f.message for f in p.draft.flags if f.kind in ("unsupported", "figure_not_in_source", "invalid_citation"))
        )
        how = "past wording with the new figure" if p.mode == "frame" else "the return's figures as they stand"
        resolved = "".join(f"<li>{escape(r.message)} — <em>{escape(r.reason)}</em></li>" for r in p.resolved)
        out.append(
            f"<div class='service-proposal' id='service-proposal-{escape(p.number)}'><h4>Question {escape(p.number)} ({how}; {checks})</h4>"
            f"<div class='diff'>{''.join(lines)}</div>"
            + (f"<div>Flags this resolves:</div><ul>{resolved}</ul>" if resolved else "")
            + "</div>"
        )
    return "".join(out)


def parse_areas(text: str) -> dict[str, str]:
    """'1: Children's Services' lines → {question number: area}."""
    out = {}
    for line in (text or "").splitlines():
        if ":" in line:
            number, area = line.split(":", 1)
            if number.strip() and area.strip():
                out[number.strip().rstrip(".")] = area.strip()
    return out


# -- the panel ---------------------------------------------------------------------------------------------------
def build(ctx: AppContext, case_state: gr.State) -> dict[str, Any]:
    prepared = gr.State([])
    proposals = gr.State([])
    with gr.Accordion("Figures from the service", open=False, elem_id="service-panel"):
        log = gr.HTML(elem_id="service-log")
        with gr.Row():
            areas = gr.Textbox(label="Service area per question (optional)", info="One 'number: area' per line; otherwise the suggestion stands.", lines=2, elem_id="service-areas")
            picked = gr.Textbox(label="Also ask about questions", info="Numbers, comma-separated", elem_id="service-picked")
            recipient = gr.Textbox(label="Send to", info="The service's contact (name or email)", elem_id="service-recipient")
        prepare_button = gr.Button("Prepare service request", elem_id="service-prepare")
        email = gr.Textbox(label="Email to the service", lines=12, interactive=False, elem_id="service-email")
        with gr.Row():
            docx_download = gr.DownloadButton("Service request (.docx)", visible=False, elem_id="service-docx")
            sent_button = gr.Button("Record as sent", elem_id="service-sent")
        with gr.Row():
            return_area = gr.Textbox(label="Return from (service area)", elem_id="service-return-area")
            return_date = gr.Textbox(label="Date returned (YYYY-MM-DD)", value=lambda: date.today().isoformat(), elem_id="service-return-date")
        return_file = gr.File(label="Returned file", file_types=list(RETURN_SUFFIXES), type="filepath", elem_id="service-return-file")
        return_text = gr.Textbox(label="…or paste the return", lines=4, elem_id="service-return-text")
        attach_button = gr.Button("Attach return", elem_id="service-attach")
        with gr.Row():
            share_choice = gr.Dropdown(label="Add a return to the shared corpus (optional)", choices=[],
                                       info="Returns stay with the case unless you choose this; it needs a corpus role.",
                                       elem_id="service-share-choice")
            share_button = gr.Button("Add to the shared corpus", elem_id="service-share")
        redraft_button = gr.Button("Redraft from the returns", variant="primary", elem_id="service-redraft")
        diffs = gr.HTML(elem_id="service-diffs")
        with gr.Row():
            accept_choice = gr.Dropdown(label="Accept the redraft of question", choices=[], elem_id="service-accept-choice")
            accept_button = gr.Button("Accept redraft", elem_id="service-accept")
        message = gr.Markdown(elem_id="service-message")

    def case_id_of(state: dict | None) -> int:
        case_id = (state or {}).get("id")
        if not case_id:
            raise gr.Error("Open a case first (Cases tab).")
        return int(case_id)

    def show_log(state: dict | None) -> str:
        case_id = (state or {}).get("id")
        if not case_id:
            return ""
        return case_service_html(ctx.store.service_requests(case_id), ctx.store.service_returns(case_id),
                                 shared=ctx.store.shared_returns(case_id))

    def share_choices(state: dict | None) -> Any:
        case_id = (state or {}).get("id")
        if not case_id:
            return gr.Dropdown(choices=[], value=None)
        shared = ctx.store.shared_returns(case_id)
        choices = [(f"{r.area}, {r.received:%d %b %Y}{' (' + r.source_name + ')' if r.source_name else ''}"
                    f"{' — in the corpus' if r.id in shared else ''}", r.id) for r in ctx.store.service_returns(case_id)]
        return gr.Dropdown(choices=choices, value=None)

    def share(state: dict | None, return_id: Any, request: gr.Request):  # noqa: ANN202
        from assistant.cases import AccessDenied
        from assistant.index import CorpusAccessDenied, IndexBusy
        from assistant.service.sharing import ShareRefused, share_return

        case_id = case_id_of(state)
        if return_id in (None, ""):
            raise gr.Error("Choose the return to add to the shared corpus.")
        try:
            doc_id = share_return(ctx.store, ctx.index, case_id, int(return_id), ctx.viewer(request).username)
        except (AccessDenied, CorpusAccessDenied, IndexBusy, ShareRefused) as exc:
            return show_log(state), share_choices(state), f"⚠️ Not added to the corpus: {escape_inline(str(exc))}"
        return show_log(state), share_choices(state), f"Added to the shared corpus as {escape_inline(doc_id)}."

    def prepare(state: dict | None, areas_text: str, picked_text: str, to: str):  # noqa: ANN202
        case_id = case_id_of(state)
        try:
            requests = casework.prepare(
                ctx.store, ctx.settings, case_id, areas=parse_areas(areas_text),
                picked=[n.strip() for n in (picked_text or "").split(",") if n.strip()],
            )
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        if not requests:
            return [], "", gr.DownloadButton(visible=False), "No question needs the service: every answer states the period asked."
        texts, last_path = [], None
        for r in requests:
            r.recipient = to.strip() if len(requests) == 1 else r.recipient
            text, last_path = casework.export_request(ctx.settings, case_id, r)
            texts.append(text)
        note = f"{len(requests)} request(s) prepared: {escape_inline(', '.join(r.area for r in requests))}. Send them, then press Record as sent."
        return requests, "\n\n".join(texts), gr.DownloadButton(value=str(last_path), visible=True), note

    def record(state: dict | None, requests: list, request: gr.Request):  # noqa: ANN202
        case_id = case_id_of(state)
        if not requests:
            raise gr.Error("Prepare the service request first.")
        user = ctx.viewer(request).username
        try:
            for r in requests:
                casework.record_sent(ctx.store, case_id, r, user)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        return [], show_log(state), f"Recorded as sent by {escape_inline(user)}."

    def attach(state: dict | None, area: str, when: str, path: str | None, text: str, request: gr.Request):  # noqa: ANN202
        case_id = case_id_of(state)
        try:
            received = as_date(when, "date returned")
            if received is None:
                raise ValueError("Give the date the service returned the figures.")
            if path:
                from pathlib import Path

                p = Path(path)
                _, ret = casework.attach_return(ctx.store, ctx.settings, case_id, area=area, received=received,
                                                user=ctx.viewer(request).username, name=p.name, data=p.read_bytes())
            else:
                _, ret = casework.attach_return(ctx.store, ctx.settings, case_id, area=area, received=received,
                                                user=ctx.viewer(request).username, text=text)
        except (ReadError, ValueError) as exc:
            return show_log(state), gr.update(), f"⚠️ The return was not stored: {escape_inline(str(exc))}."
        return (show_log(state), share_choices(state),
                f"Attached: {escape_inline(ret.title)} ({len(ret.items)} item(s)). Press Redraft from the returns.")

    def run_redraft(state: dict | None):  # noqa: ANN202
        case_id = case_id_of(state)
        found = casework.redraft_case(ctx.drafter, ctx.store, case_id)
        return found, proposals_html(found), gr.Dropdown(choices=[p.number for p in found], value=found[0].number if found else None)

    def accept(state: dict | None, found: list, number: str | None, request: gr.Request):  # noqa: ANN202
        case_id = case_id_of(state)
        chosen = next((p for p in found if p.number == number), None)
        if chosen is None:
            raise gr.Error("Redraft first, then choose the question to accept.")
        try:
            casework.accept_redraft(ctx.store, case_id, chosen, ctx.viewer(request).username)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        rest = [p for p in found if p.number != number]
        new_state = {"id": case_id, "tick": time.time_ns()}
        return (rest, proposals_html(rest) if rest else "", gr.Dropdown(choices=[p.number for p in rest], value=None),
                f"Question {number}: redraft accepted as a new version.", new_state)

    case_state.change(show_log, [case_state], [log])
    case_state.change(share_choices, [case_state], [share_choice])
    share_button.click(share, [case_state, share_choice], [log, share_choice, message], concurrency_limit=1, concurrency_id="ingest")
    prepare_button.click(prepare, [case_state, areas, picked, recipient], [prepared, email, docx_download, message])
    sent_button.click(record, [case_state, prepared], [prepared, log, message])
    attach_button.click(attach, [case_state, return_area, return_date, return_file, return_text], [log, share_choice, message])
    redraft_button.click(run_redraft, [case_state], [proposals, diffs, accept_choice])
    accept_button.click(accept, [case_state, proposals, accept_choice], [proposals, diffs, accept_choice, message, case_state])
    return {"log": log, "message": message}
