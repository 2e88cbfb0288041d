"""The officer confirms the questions before drafting: the proposed split of the pasted request, with its
sub-parts, scope lines and anything left out, and the corrections (edit, merge, split, promote, remove).

A thin shell over `assistant.requests` (parse_request, and the pure edits in `assistant.requests.editing`):
the split lives in a `gr.State` while the officer works on it; pressing Draft stores it with the case
(`CaseStore.confirm_split`, with who and when in the audit trail) and drafting uses exactly these questions.
All request text is escaped before it is shown.
"""
from __future__ import annotations

from html import escape
from typing import Any, Callable

import gradio as gr

from assistant.requests import ParsedRequest, RequestError, parse_request
from assistant.requests.editing import (
    REMOVED,
    SplitEditError,
    edit_question,
    merge_questions,
    parse_edited_question,
    promote_left_out,
    remove_question,
    split_at_blank_line,
)
from assistant.ui.context import AppContext

#: Every correction goes through one queue, in the order the officer made them (a text edit, then the merge
#: clicked straight after it): the split is read and written by one event at a time.
QUEUE = {"concurrency_id": "proposed-questions", "concurrency_limit": 1}

# -- pure helpers (state <-> split, HTML) ----------------------------------------------------------------


def state_for(
    text: str, split: ParsedRequest | None, error: str = "", version: int = 0, edits: int = 0
) -> dict[str, Any] | None:
    """What the panel keeps between events: the request text the split came from, the split, a version that
    changes with the structure (so the boxes are drawn afresh) and how many corrections the officer made."""
    if not (text or "").strip():
        return None
    return {"text": text, "split": split.to_json() if split else None, "error": error, "version": version, "edits": edits}


def split_of(state: dict[str, Any] | None) -> ParsedRequest | None:
    if not state or not state.get("split"):
        return None
    return ParsedRequest.from_json(state["split"])


def question_box_text(text: str, parts: list[tuple[str, str]]) -> str:
    """One box per question: its text, then one line per sub-part ("a) …"), as `parse_edited_question` reads it."""
    return "\n".join([text, *(f"{label}) {body}" for label, body in parts)])


def lines_html(title: str, lines: list[str], css: str) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f"<div class='{css}'><strong>{escape(title)}</strong><ul>{items}</ul></div>"


def summary_html(split: ParsedRequest, edits: int = 0) -> str:
    left = [item for item in split.left_out if item.where != REMOVED]
    note = (
        f"{len(split.questions)} question(s) proposed. Check them, correct them if needed, then press Draft: "
        "the questions below are what gets drafted and saved with the case."
    )
    if edits:
        note += f" {edits} correction(s) made."
    if left:
        note += f" ⚠️ {len(left)} sentence(s) outside the questions read like a question: see below."
    return f"<div class='split-summary'>{escape(note)}</div>"


def confirmed_note(ctx: AppContext, case_id: int) -> str:
    """The line shown above the answers of a case whose questions were confirmed."""
    confirmed = ctx.store.confirmed_split(case_id)
    if confirmed is None:
        return ""
    when = confirmed.confirmed_at[:16].replace("T", " ")
    split = confirmed.split
    left = [item.text for item in split.left_out if item.where != REMOVED]
    return (
        f"<div class='confirmed-split'>{len(split.questions)} question(s) confirmed by "
        f"{escape(confirmed.confirmed_by)} on {escape(when)} UTC before drafting."
        + lines_html("Scope lines", split.scope_lines, "scope-lines")
        + lines_html("Fallback lines", split.fallback_lines, "fallback-lines")
        + lines_html("Read like a question but not drafted (possible_question_left_out)", left, "left-out-kept")
        + "</div>"
    )


# -- drafting with the confirmed questions ----------------------------------------------------------------


def confirmed_split(ctx: AppContext, text: str, state: dict[str, Any] | None) -> ParsedRequest:
    """The split the officer saw and corrected for this text; a fresh proposal when the panel is out of date
    (the text changed after the last proposal). Raises RequestError on a request with no question."""
    split = split_of(state)
    if split is not None and state and state.get("text") == text:
        return split
    return parse_request(text, max_chars=ctx.settings.max_request_chars, max_questions=ctx.settings.max_questions)


# -- the panel --------------------------------------------------------------------------------------------


def build(ctx: AppContext, request_box: gr.Textbox) -> dict[str, Any]:
    """The proposed questions under the request box; returns the state the Draft button reads."""
    split_state = gr.State(None)

    def propose(text: str) -> dict[str, Any] | None:
        if not (text or "").strip():
            return None
        try:
            split = parse_request(text, max_chars=ctx.settings.max_request_chars, max_questions=ctx.settings.max_questions)
        except RequestError as exc:
            return state_for(text, None, str(exc))
        return state_for(text, split)

    request_box.change(propose, [request_box], [split_state], trigger_mode="always_last", show_progress="hidden", **QUEUE)

    with gr.Group(elem_id="questions-panel"):

        @gr.render(inputs=[split_state])
        def panel(state: dict[str, Any] | None) -> None:
            if not state:
                gr.Markdown("The questions found in the request appear here as soon as it is pasted or uploaded.")
                return
            if state.get("error"):
                gr.HTML(f"<div class='split-error'>⚠️ {escape(state['error'])}</div>", padding=True)
                return
            split = split_of(state)
            if split is None:
                return
            version = state.get("version", 0)
            gr.HTML(summary_html(split, state.get("edits", 0)), padding=True)
            gr.HTML(lines_html("Scope lines (added to every question they govern)", split.scope_lines, "scope-lines"), padding=True)
            for index, question in enumerate(split.questions):
                _question_row(index, question, len(split.questions), version, split_state)
            gr.HTML(lines_html("Fallback lines (kept with the request, not drafted)", split.fallback_lines, "fallback-lines"), padding=True)
            for item_index, item in enumerate(split.left_out):
                with gr.Row(elem_classes=["left-out"], equal_height=True):
                    what = "Removed by you" if item.where == REMOVED else f"Possible question left out ({item.where})"
                    gr.HTML(
                        f"<div class='left-out-text'><strong>{escape(what)}:</strong> {escape(item.text)}</div>",
                        padding=True,
                    )
                    promote = gr.Button(
                        "Make it a question", size="sm", scale=0, min_width=170, elem_id=f"promote-{item_index}"
                    )
                promote.click(_editor(lambda s, k=item_index: promote_left_out(s, k)), [split_state], [split_state], **QUEUE)

    return {"state": split_state}


def _question_row(index: int, question: Any, total: int, version: int, split_state: gr.State) -> None:
    with gr.Group(elem_id=f"proposed-{index}", elem_classes=["proposed-question"]):
        box = gr.Textbox(
            value=question_box_text(question.text, question.parts),
            label=f"Question {question.number}",
            info="Sub-parts one per line as “a) …”. To split, leave an empty line where it should be cut.",
            lines=2,
            max_lines=20,
            interactive=True,
            key=f"proposed-{version}-{index}",
            elem_classes=["proposed-text"],
        )
        if question.context:
            gr.HTML(lines_html("Scope", question.context, "question-scope"), padding=True)
        with gr.Row():
            merge = gr.Button("Merge with next", size="sm", interactive=index + 1 < total, elem_classes=["merge-next"])
            split = gr.Button("Split at empty line", size="sm", elem_classes=["split-here"])
            remove = gr.Button("Remove", size="sm", variant="stop", interactive=total > 1, elem_classes=["remove-question"])

    def save_text(value: str, state: dict[str, Any] | None) -> dict[str, Any] | None:
        text, parts = parse_edited_question(value)
        return _apply(state, lambda s: edit_question(s, index, text, parts=parts), redraw=False)

    box.blur(save_text, [box, split_state], [split_state], **QUEUE)
    merge.click(_editor(lambda s: merge_questions(s, index)), [split_state], [split_state], **QUEUE)
    remove.click(_editor(lambda s: remove_question(s, index)), [split_state], [split_state], **QUEUE)

    def split_here(value: str, state: dict[str, Any] | None) -> dict[str, Any] | None:
        text, parts = parse_edited_question(value)
        return _apply(state, lambda s: split_at_blank_line(edit_question(s, index, text, parts=parts), index))

    split.click(split_here, [box, split_state], [split_state], **QUEUE)


def _apply(state: dict[str, Any] | None, edit: Callable[[ParsedRequest], ParsedRequest], redraw: bool = True) -> Any:
    """Apply one edit to the split in the state; a refused edit is explained and changes nothing."""
    split = split_of(state)
    if split is None or state is None:
        raise gr.Error("There is no proposed split to change: paste the request first.")
    try:
        edited = edit(split)
    except SplitEditError as exc:
        raise gr.Error(str(exc)) from exc
    if edited == split:
        return gr.update()
    # A text edit keeps the boxes (the officer may be moving to the next one); structure edits redraw them.
    version = state.get("version", 0) + (1 if redraw else 0)
    return state_for(state["text"], edited, version=version, edits=state.get("edits", 0) + 1)


def _editor(edit: Callable[[ParsedRequest], ParsedRequest]) -> Callable:
    def run(state: dict[str, Any] | None) -> Any:
        return _apply(state, edit)

    return run
