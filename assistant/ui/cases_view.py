"""The Cases tab: every request with its state and statutory deadline, most urgent first; a click opens one."""
from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.cases import STATES
from assistant.wording import state_words as state_label
from assistant.ui import html
from assistant.ui.context import AppContext

ALL_OWNERS = "Everyone"


def state_choices() -> list[tuple[str, str]]:
    return [(state_label(s), s) for s in STATES]


def build(ctx: AppContext) -> dict[str, Any]:
    with gr.Row():
        states = gr.Dropdown(
            label="State", choices=state_choices(), multiselect=True, value=[], scale=3, elem_id="case-filter-state",
            info="Empty: every state.",
        )
        owner = gr.Dropdown(label="Owner", choices=[ALL_OWNERS], value=ALL_OWNERS, scale=2, elem_id="case-filter-owner")
        new_button = gr.Button("New case", variant="primary", scale=1, elem_id="new-case")
        refresh = gr.Button("Refresh", scale=1)
    table = gr.HTML(elem_id="cases-list", js_on_load=html.CASES_TABLE_JS)
    # A click on a row puts its case id here and presses the hidden button (see html.CASES_TABLE_JS).
    choose = gr.Textbox(elem_id="open-case-id", elem_classes=["offscreen"], show_label=False, container=False)
    open_button = gr.Button("Open", elem_id="open-case-go", elem_classes=["offscreen"])

    def load(wanted: list[str] | None, who: str | None) -> tuple[str, Any]:
        rows = ctx.store.list_cases(state=wanted or None, owner=None if who in (None, "", ALL_OWNERS) else who)
        return html.cases_table(rows), gr.Dropdown(choices=[ALL_OWNERS, *ctx.store.owners()])

    filters = [states, owner]
    for trigger in (refresh.click, states.input, owner.input):
        trigger(load, filters, [table, owner])
    chasing = gr.HTML(elem_id="service-chasing-list")

    def load_chasing() -> str:
        from assistant.ui.service_view import chasing_table

        return chasing_table(ctx.store.outstanding_service_requests())

    refresh.click(load_chasing, None, [chasing])
    return {"table": table, "choose": choose, "open": open_button, "new": new_button, "load": load,
            "filters": filters, "owner": owner, "chasing": chasing, "load_chasing": load_chasing}
