"""The Cases tab: every request with its statutory deadline, most urgent first; open one or start a new one."""
from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.ui import html
from assistant.ui.context import AppContext


def case_choices(ctx: AppContext) -> list[tuple[str, int]]:
    return [
        (f"{r.reference} — {r.requester or 'no requester'} (due {r.due:%d %b %Y}, {r.status})", r.id)
        for r in ctx.store.list_cases()
    ]


def build(ctx: AppContext) -> dict[str, Any]:
    table = gr.HTML(elem_id="cases-list")
    with gr.Row():
        choose = gr.Dropdown(label="Case", choices=[], scale=4, elem_id="case-choice")
        open_button = gr.Button("Open", variant="primary", scale=1, elem_id="open-case")
        new_button = gr.Button("New case", scale=1, elem_id="new-case")
        refresh = gr.Button("Refresh", scale=1)

    def load() -> tuple[str, Any]:
        return html.cases_table(ctx.store.list_cases()), gr.Dropdown(choices=case_choices(ctx))

    refresh.click(load, None, [table, choose])
    chasing = gr.HTML(elem_id="service-chasing-list")

    def load_chasing() -> str:
        from assistant.ui.service_view import chasing_table

        return chasing_table(ctx.store.outstanding_service_requests())

    refresh.click(load_chasing, None, [chasing])
    return {"table": table, "choose": choose, "open": open_button, "new": new_button, "load": load,
            "chasing": chasing, "load_chasing": load_chasing}
