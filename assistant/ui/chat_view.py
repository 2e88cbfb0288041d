"""The Chat tab: questions about the corpus answered with checked citations, and LLM revision of a drafted answer."""
from __future__ import annotations

from html import escape
from typing import Any

import gradio as gr

from assistant import chat as corpus_chat

from assistant.models import Draft
from assistant.ui import html
from assistant.ui.context import AppContext
from assistant.ui.draft_view import opened

#: Flags that mean a revised answer says something its sources do not; such a revision is not applied.
BLOCKING_FLAGS = ("unsupported", "invalid_citation")


def revision_problems(revised: Draft) -> list[str]:
    return [f.message for f in revised.flags if f.kind in BLOCKING_FLAGS]


def build(ctx: AppContext, case_state: gr.State) -> None:
    engines = ctx.settings.officer_engines()
    engine = gr.Radio(
        engines, value="llm" if ctx.settings.engine == "llm" and "llm" in engines else "extractive", label="Engine",
        visible=len(engines) > 1,
    )
    chatbot = gr.Chatbot(label="Ask about past decisions and policies", height=420, elem_id="chatbot")
    with gr.Row():
        message = gr.Textbox(
            label="Question", placeholder="e.g. How does the MACE process work?", scale=5, elem_id="chat-message"
        )
        send = gr.Button("Ask", variant="primary", scale=1, elem_id="chat-send")
    clear = gr.Button("Clear the conversation", size="sm")

    def respond(text: str, history: list[dict] | None, engine_name: str, state: dict | None) -> tuple[list[dict], str]:
        if not (text or "").strip():
            raise gr.Error("Type a question first.")
        exclude: list[str] = []
        case_id = (state or {}).get("id")
        if case_id:
            exclude = ctx.store.get_case(case_id).exclude
        if engine_name not in ctx.settings.officer_engines():
            raise gr.Error(f"The engine '{escape(str(engine_name))}' is not offered here.")
        try:
            answer = corpus_chat.answer(ctx.drafter, text, exclude=exclude, engine=engine_name)
        except Exception as exc:
            raise gr.Error(f"No answer: {escape(str(exc))}") from exc
        reply = html.chat_markdown(answer.text, answer.citations, answer.flags)
        history = list(history or []) + [
            {"role": "user", "content": html.md_escape(text)},
            {"role": "assistant", "content": reply},
        ]
        return history, ""

    send.click(respond, [message, chatbot, engine, case_state], [chatbot, message])
    message.submit(respond, [message, chatbot, engine, case_state], [chatbot, message])
    clear.click(lambda: [], None, [chatbot])

    with gr.Group(visible=ctx.settings.engine == "llm" and "llm" in engines) as revise_box:
        gr.Markdown("### Revise an answer of the open case\nThe revised answer is checked against the same sources; "
                    "it replaces the draft only if every sentence passes, and the previous answer stays in the history.")
        with gr.Row():
            number = gr.Dropdown(label="Question", choices=[], scale=1)
            instruction = gr.Textbox(label="Instruction", placeholder="e.g. Shorten to two sentences; use source 2 only", scale=4)
            revise = gr.Button("Revise", scale=1)
        outcome = gr.Markdown()

    engine.change(lambda name: gr.Group(visible=name == "llm"), [engine], [revise_box])

    def questions(state: dict | None) -> Any:
        case_id = (state or {}).get("id")
        if not case_id:
            return gr.Dropdown(choices=[], value=None)
        numbers = [d.question.number for d in ctx.store.get_case(case_id).drafts]
        return gr.Dropdown(choices=numbers, value=numbers[0] if numbers else None)

    case_state.change(questions, [case_state], [number])

    def run_revise(state: dict | None, chosen: str | None, text: str, request: gr.Request) -> tuple[str, Any]:
        case_id = (state or {}).get("id")
        if not case_id or not chosen:
            raise gr.Error("Open a case and choose a question to revise.")
        case = ctx.store.get_case(case_id)
        seen = case.meta[chosen].version
        try:
            revised = ctx.drafter.revise(case.draft(chosen), text, received=case.received)
        except Exception as exc:
            raise gr.Error(f"The revision failed: {escape(str(exc))}") from exc
        problems = revision_problems(revised)
        quoted = "\n".join(f"> {html.md_escape(line)}" for line in revised.answer.splitlines())
        if problems:
            listed = "\n".join(f"- {html.md_escape(p)}" for p in problems)
            return f"**Not applied**: the revision failed the source check.\n\n{quoted}\n\n{listed}", gr.update()
        try:  # the officer asked for this revision, so it may replace their own edit; never someone's newer one
            ctx.store.replace_draft(case_id, revised, ctx.viewer(request).username, reason="revised",
                                    expected_version=seen, replace_edit=True)
        except ValueError as exc:
            raise gr.Error(escape(str(exc))) from exc
        return f"**Applied** to question {html.md_escape(chosen)}; the previous answer is in its History.\n\n{quoted}", opened(case_id)

    revise.click(run_revise, [case_state, number, instruction], [outcome, case_state])
