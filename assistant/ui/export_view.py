"""The Export tab: the requester letter and the reviewer pack of the open case, as downloads."""
from __future__ import annotations

from datetime import date
from typing import Any

import gradio as gr

from assistant.cases import as_date
from assistant.export import export_case
from assistant.ui.context import AppContext


def build(ctx: AppContext, case_state: gr.State) -> None:
    with gr.Row():
        reply_date = gr.Textbox(label="Reply date (YYYY-MM-DD)", value=lambda: date.today().isoformat(), scale=1)
        prepare = gr.Button("Prepare letter and reviewer pack", variant="primary", scale=2, elem_id="export-button")
    note = gr.Markdown(elem_id="export-note")
    with gr.Row():
        letter = gr.DownloadButton("Requester letter (.docx)", visible=False, elem_id="download-letter")
        pack_docx = gr.DownloadButton("Reviewer pack (.docx)", visible=False, elem_id="download-pack-docx")
        pack_md = gr.DownloadButton("Reviewer pack (.md)", visible=False, elem_id="download-pack-md")
    with gr.Accordion("Requester letter preview", open=True):
        preview = gr.Markdown(elem_id="letter-preview")

    def export(state: dict | None, reply: str) -> tuple[Any, ...]:
        case_id = (state or {}).get("id")
        if not case_id:
            raise gr.Error("Open a case first (Cases tab).")
        try:
            case = ctx.store.get_case(case_id)
            files = export_case(case, ctx.settings, as_date(reply, "reply date"))
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        pending = [d.question.number for d in case.drafts if case.review_state(d.question.number) != "approved"]
        warning = (
            f"⚠️ Not yet approved: question(s) {', '.join(pending)}. Send the letter only after review."
            if pending
            else "✓ Every answer is approved."
        )
        return (
            f"Files written to `{files.letter_docx.parent}`. {warning}",
            gr.DownloadButton(value=str(files.letter_docx), visible=True),
            gr.DownloadButton(value=str(files.pack_docx), visible=True),
            gr.DownloadButton(value=str(files.pack_md), visible=True),
            files.letter_md.read_text(encoding="utf-8"),
        )

    prepare.click(export, [case_state, reply_date], [note, letter, pack_docx, pack_md, preview])

    def hide(_state: Any) -> tuple[Any, ...]:
        return "", gr.DownloadButton(visible=False), gr.DownloadButton(visible=False), gr.DownloadButton(visible=False), ""

    case_state.change(hide, [case_state], [note, letter, pack_docx, pack_md, preview])
