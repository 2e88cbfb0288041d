"""The Review tab: each sentence beside the quote it cites and its check, and an approve / return decision per answer."""
from __future__ import annotations

from typing import Any, Callable

import gradio as gr

from assistant.citations import SentenceCheck, check_draft
from assistant.models import Draft
from assistant.ui import html
from assistant.ui.context import AppContext, open_case


def sentence_checks(ctx: AppContext, draft: Draft) -> list[SentenceCheck]:
    """The same per-sentence check the pipeline runs, on the answer as it stands now."""
    if not draft.answer.strip():
        return []
    embed = getattr(ctx.drafter, "embed", None)
    result = check_draft(draft.answer, draft.passages, threshold=ctx.settings.support_threshold, embed=embed)
    return result.sentences


def build(ctx: AppContext, case_state: gr.State, review_tick: gr.State) -> None:
    # Re-drawn when the tab is opened, not on every change of the case: the sentence checks cost embeddings.
    @gr.render(inputs=[case_state, review_tick], triggers=[review_tick.change])
    def review(state: dict | None, _tick: Any, request: gr.Request) -> None:
        case = open_case(ctx, state, "Open a case (Cases tab) to review it.")
        if case is None:
            return
        viewer = ctx.viewer(request)
        gr.HTML(html.activity_html(case, ctx.store.history(case.id)), padding=True)
        if not viewer.can_review:
            gr.Markdown(f"You are signed in as **{viewer.username}** ({viewer.role}): only reviewers can approve or return answers.")
        for draft in case.drafts:
            number = draft.question.number
            version = case.meta[number].version
            with gr.Group(elem_id=f"review-{html.slug(number)}", elem_classes=["review-card"]):
                gr.HTML(html.question_html(draft), padding=True)
                gr.HTML(html.check_table(draft, sentence_checks(ctx, draft)), padding=True)
                gr.HTML(html.flags_html(draft.flags), padding=True)
                state_html = gr.HTML(html.review_state_html(case, number), padding=True)
                with gr.Row():
                    comment = gr.Textbox(
                        label="Review comment", placeholder="Required when returning an answer", scale=4, interactive=True,
                        key=f"review-comment-{case.id}-{number}-{version}",
                    )
                    approve = gr.Button("Approve", variant="primary", scale=1, interactive=viewer.can_review)
                    send_back = gr.Button("Return", variant="stop", scale=1, interactive=viewer.can_review)
            approve.click(_decider(ctx, case.id, number, "approved"), [comment], [state_html])
            send_back.click(_decider(ctx, case.id, number, "returned"), [comment], [state_html])


def _decider(ctx: AppContext, case_id: int, number: str, decision: str) -> Callable:
    def decide(comment: str, request: gr.Request) -> str:
        viewer = ctx.viewer(request)
        if not viewer.can_review:
            raise gr.Error(f"{viewer.username} is not a reviewer: only reviewers can approve or return answers.")
        try:
            ctx.store.review(case_id, number, decision, comment, viewer.username)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        return html.review_state_html(ctx.store.get_case(case_id), number)

    return decide
