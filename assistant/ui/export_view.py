"""The Export tab: the requester letter and the reviewer pack of the open case, as downloads, with a preview.

The preview is the exported Markdown rendered by `assistant.markup.markdown_html`: the letter's text from
requests, requesters, the corpus and officers is escaped when the letter is built, and the renderer itself
accepts no raw HTML, links or images, so nothing in a request can change this page or load anything remote.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import gradio as gr

from assistant.cases import as_date
from assistant.export import export_case
from assistant.letter import needs_officer
from assistant.markup import markdown_html, text_html
from assistant.ui.context import AppContext


def build(ctx: AppContext, case_state: gr.State) -> None:
    with gr.Row():
        reply_date = gr.Textbox(label="Reply date (YYYY-MM-DD)", value=lambda: date.today().isoformat(), scale=1)
        prepare = gr.Button("Prepare letter and reviewer pack", variant="primary", scale=2, elem_id="export-button")
    note = gr.HTML(elem_id="export-note")
    with gr.Row():
        letter = gr.DownloadButton("Requester letter (.docx)", visible=False, elem_id="download-letter")
        pack_docx = gr.DownloadButton("Reviewer pack (.docx)", visible=False, elem_id="download-pack-docx")
        pack_md = gr.DownloadButton("Reviewer pack (.md)", visible=False, elem_id="download-pack-md")
    with gr.Accordion("Requester letter preview", open=True):
        preview = gr.HTML(elem_id="letter-preview")

    def export(state: dict | None, reply: str) -> tuple[Any, ...]:
        case_id = (state or {}).get("id")
        if not case_id:
            raise gr.Error("Open a case first (Cases tab).")
        try:
            case = ctx.store.get_case(case_id)
            files = export_case(case, ctx.settings, as_date(reply, "reply date"))
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        return (
            export_note(case, str(files.letter_docx.parent)),
            gr.DownloadButton(value=str(files.letter_docx), visible=True),
            gr.DownloadButton(value=str(files.pack_docx), visible=True),
            gr.DownloadButton(value=str(files.pack_md), visible=True),
            letter_preview(files.letter_md.read_text(encoding="utf-8")),
        )

    prepare.click(export, [case_state, reply_date], [note, letter, pack_docx, pack_md, preview])

    def hide(_state: Any) -> tuple[Any, ...]:
        return "", gr.DownloadButton(visible=False), gr.DownloadButton(visible=False), gr.DownloadButton(visible=False), ""

    case_state.change(hide, [case_state], [note, letter, pack_docx, pack_md, preview])


def export_note(case: Any, folder: str) -> str:
    """Where the files are and whether the letter may be sent, as escaped HTML."""
    unfinished = [d.question.number for d in case.drafts if needs_officer(d)]
    pending = [d.question.number for d in case.drafts if case.review_state(d.question.number) != "approved"]
    lines = [f"Files written to {folder} (readable by this account only; deleted when the app stops)."]
    if unfinished:
        lines.append(f"⚠️ Not finished: question(s) {', '.join(unfinished)}. The letter says so at the top; do not send it yet.")
    if pending:
        lines.append(f"⚠️ Not yet approved: question(s) {', '.join(pending)}. Send the letter only after review.")
    if not unfinished and not pending:
        lines.append("✓ Every answer is finished and approved.")
    return "<div class='export-note'>" + "<br>".join(text_html(line) for line in lines) + "</div>"


def letter_preview(markdown: str) -> str:
    """The letter's Markdown as safe HTML (escaped text, no raw HTML, links or images)."""
    return f"<div class='letter-preview'>{markdown_html(markdown)}</div>"
