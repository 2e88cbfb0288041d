"""The Review tab: each sentence beside the quote it cites and its check, and an approve / return decision per answer.

Each decision carries the version of the answer the reviewer was shown: if the officer changed it meanwhile, the
store refuses the decision and the reviewer is told to look again.
"""
from __future__ import annotations

from html import escape
from typing import Any, Callable

import gradio as gr

from assistant.cases import AccessDenied, EditConflict
from assistant.citations import SentenceCheck, check_draft
from assistant.wording import state_words as state_label
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
        gr.HTML(html.activity_html(ctx.store.activity(case.id)), padding=True, elem_id="activity")
        reviewable = case.state in ("in_review", "returned", "approved")
        if not viewer.can_review:
            gr.Markdown(f"You are signed in as **{html.md_escape(viewer.username)}** ({viewer.role}): only reviewers can approve or return answers.")
        elif not reviewable:
            gr.Markdown(f"The case is **{escape(state_label(case.state).lower())}**: answers can be approved or returned "
                        "once the officer sends it for review, until it is sent.")
        for draft in case.drafts:
            number = draft.question.number
            meta = case.meta[number]
            with gr.Group(elem_id=f"review-{html.slug(number)}", elem_classes=["review-card"]):
                gr.HTML(html.question_html(draft), padding=True)
                gr.HTML(html.check_table(draft, sentence_checks(ctx, draft)), padding=True)
                gr.HTML(html.draft_flags_html(draft, case), padding=True)
                gr.HTML(
                    html.saved_note(meta.version, meta.updated_by, meta.updated_at)
                    + (" · <strong>you made this version: another reviewer must approve it</strong>"
                       if meta.updated_by == viewer.username and not ctx.store.allow_self_approval and viewer.can_review else ""),
                    padding=True,
                )
                state_html = gr.HTML(html.review_state_html(case, number), padding=True)
                with gr.Row():
                    comment = gr.Textbox(
                        label="Review comment", placeholder="Required when returning an answer", scale=4, interactive=True,
                        key=f"review-comment-{case.id}-{number}-{meta.version}",
                    )
                    can = viewer.can_review and reviewable
                    approve = gr.Button("Approve", variant="primary", scale=1, interactive=can)
                    send_back = gr.Button("Return", variant="stop", scale=1, interactive=can)
            approve.click(_decider(ctx, case.id, number, "approved", meta.version), [comment], [state_html])
            send_back.click(_decider(ctx, case.id, number, "returned", meta.version), [comment], [state_html])


def _decider(ctx: AppContext, case_id: int, number: str, decision: str, version: int) -> Callable:
    """A decision on the version shown; the store refuses it if the answer changed or the reviewer wrote it."""

    def decide(comment: str, request: gr.Request) -> str:
        viewer = ctx.viewer(request)
        try:
            ctx.store.review(case_id, number, decision, comment, viewer.username, version=version)
        except EditConflict as exc:
            raise gr.Error(escape(f"{exc} Open the Review tab again to see the current text.")) from exc
        except (AccessDenied, ValueError) as exc:
            raise gr.Error(escape(str(exc))) from exc
        return html.review_state_html(ctx.store.get_case(case_id), number)

    return decide
