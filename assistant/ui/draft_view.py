"""The Draft tab: a new request goes in, one card per question comes out, and every edit is saved as it is made."""
from __future__ import annotations

import time
from datetime import date
from typing import Any, Callable

import gradio as gr

from assistant.cases import ENGINES
from assistant.exemptions import load as load_exemptions
from assistant.intake import REQUEST_SUFFIXES, request_text_from_file
from assistant.models import Draft
from assistant.readers import ReadError
from assistant.ui import html, questions_view
from assistant.ui.context import AppContext, open_case


def opened(case_id: int | None) -> dict[str, Any]:
    """The value of the shared case state; a fresh tick makes every view re-read the case."""
    return {"id": case_id, "tick": time.time_ns()}


def exemption_choices() -> list[tuple[str, str]]:
    return [(f"{e.heading}", e.id) for e in load_exemptions() if e.kind != "outcome"]


def resolve_exclusions(values: list[str], doc_ids: list[str]) -> list[str]:
    """Document ids from what the officer typed: an exact id, or a fragment (a reference number) naming one document."""
    resolved: list[str] = []
    for value in (v.strip() for v in values):
        if not value:
            continue
        if value in doc_ids:
            resolved.append(value)
            continue
        matches = [d for d in doc_ids if value.lower() in d.lower()]
        if len(matches) == 1:
            resolved.append(matches[0])
        elif not matches:
            raise ValueError(f"No indexed document matches '{value}' (see the Corpus tab for document ids).")
        else:
            raise ValueError(f"'{value}' matches several documents ({', '.join(matches[:5])}): choose one.")
    return list(dict.fromkeys(resolved))


def follow(ctx: AppContext, case_id: int, poll: float = 0.25):  # noqa: ANN201 - a generator of UI updates
    """Watch a drafting job, yielding the case state whenever another answer has been stored."""
    reference = ctx.store.get_case(case_id).reference
    job = ctx.jobs.get(case_id)
    seen = -1
    while job is not None:
        if job.done != seen or job.finished:
            seen = job.done
            if job.finished:
                break
            yield opened(case_id), f"Drafting {reference}: {job.done} of {job.total} questions…", gr.Accordion(open=False)
        time.sleep(poll)
    if job is None:
        yield opened(case_id), "", gr.update()
        return
    if job.error:
        yield opened(case_id), f"⚠️ Drafting stopped after {job.done} of {job.total} questions: {job.error}", gr.update()
        return
    yield (
        opened(case_id),
        f"Drafted {job.done} answer(s) for {reference} in {job.seconds:.1f} s. Edits are saved as you make them.",
        gr.update(),
    )


def build(ctx: AppContext, case_state: gr.State) -> dict[str, Any]:
    """Lay out the tab inside the current Blocks context; returns components other tabs wire to."""
    with gr.Accordion("New request", open=True) as form:
        with gr.Row():
            with gr.Column(scale=3):
                request_box = gr.Textbox(
                    label="Request text",
                    lines=10,
                    max_lines=30,
                    placeholder="Paste the requester's e-mail or letter here, or upload it below.",
                    elem_id="request-text",
                )
                upload = gr.File(
                    label=f"…or upload the request ({', '.join(REQUEST_SUFFIXES)})",
                    file_types=list(REQUEST_SUFFIXES),
                    type="filepath",
                    elem_id="request-file",
                )
                upload_note = gr.Markdown(elem_id="request-file-note")
            with gr.Column(scale=2):
                reference = gr.Textbox(label="Reference", placeholder="FOI 12345", elem_id="case-reference")
                received = gr.Textbox(
                    label="Date received (YYYY-MM-DD)", value=lambda: date.today().isoformat(), elem_id="case-received"
                )
                requester = gr.Textbox(label="Requester", elem_id="case-requester")
                engine = gr.Radio(list(ENGINES), value=ctx.settings.engine, label="Engine", elem_id="case-engine")
                exclude = gr.Dropdown(
                    label="Leave out documents",
                    info="Past decisions not to draw on, e.g. an earlier reply to this same request.",
                    multiselect=True,
                    allow_custom_value=True,
                    choices=[],
                    elem_id="case-exclude",
                )
                draft_button = gr.Button("Draft", variant="primary", elem_id="draft-button")
        questions = questions_view.build(ctx, request_box)  # the officer confirms the questions before drafting
    progress_note = gr.Markdown(elem_id="draft-progress")

    def read_upload(path: str | None) -> tuple[Any, str]:
        if not path:
            return gr.update(), ""
        try:
            text = request_text_from_file(path, max_bytes=ctx.settings.max_file_bytes)
        except ReadError as exc:
            return gr.update(), f"⚠️ The file was not used: {exc}."
        return text, f"Read {len(text.split())} words from the file; check the text above, then press Draft."

    upload.upload(read_upload, [upload], [request_box, upload_note])

    def run_draft(
        text: str, ref: str, received_text: str, requester_name: str, engine_name: str, excluded: list[str] | None,
        split_state: dict | None, request: gr.Request,
    ):  # noqa: ANN202 - a generator of UI updates
        viewer = ctx.viewer(request)
        if not (text or "").strip():
            raise gr.Error("The request is empty: paste the request text or upload a file.")
        try:
            # the questions the officer confirmed; a request with no question is refused before a case is opened
            confirmed = questions_view.confirmed_split(ctx, text, split_state) if engine_name != "naive" else None
            doc_ids = [d["doc_id"] for d in ctx.index.documents()]
            case_id = ctx.store.create_case(
                text,
                reference=ref or "",
                received=received_text or None,
                requester=requester_name or "",
                engine=engine_name,
                created_by=viewer.username,
                exclude=resolve_exclusions(excluded or [], doc_ids),
            )
            if confirmed is not None:
                ctx.store.confirm_split(case_id, confirmed, viewer.username)
        except ValueError as exc:  # RequestError is a ValueError too
            raise gr.Error(str(exc)) from exc
        ctx.jobs.start(case_id, viewer.username)
        yield from follow(ctx, case_id)

    def follow_case(state: dict | None, request: gr.Request):  # noqa: ANN202 - a generator of UI updates
        case_id = (state or {}).get("id")
        if not case_id:
            raise gr.Error("No case is open.")
        ctx.jobs.start(case_id, ctx.viewer(request).username)
        yield from follow(ctx, case_id)

    draft_button.click(
        run_draft,
        [request_box, reference, received, requester, engine, exclude, questions["state"]],
        [case_state, progress_note, form],
        concurrency_limit=8,
    )

    @gr.render(inputs=[case_state])
    def cards(state: dict | None) -> None:
        case = open_case(ctx, state, "No case is open: draft a new request above, or open one from the Cases tab.")
        if case is None:
            return
        case_id = case.id
        with gr.Accordion("Deadline: clarification and extension", open=False):
            with gr.Row():
                clarified = gr.Textbox(
                    label="Clarification received (YYYY-MM-DD)",
                    value=case.clarified.isoformat() if case.clarified else "",
                    interactive=True,
                    key=f"clarified-{case.id}",
                )
                extension = gr.Number(
                    label="Public interest extension (working days)",
                    value=case.extension_days,
                    precision=0,
                    minimum=0,
                    maximum=20,
                    interactive=True,
                    key=f"extension-{case.id}",
                )
                save_clock = gr.Button("Save", scale=0, min_width=100)
        save_clock.click(_clock_saver(ctx, case.id), [clarified, extension], [case_state])
        if not ctx.jobs.running(case.id):
            try:
                missing = len(ctx.jobs.missing_questions(case.id))
            except ValueError:
                missing = 0
            if missing:
                gr.Markdown(f"⚠️ Drafting of this case stopped before the end: {missing} question(s) have no draft yet.")
                resume = gr.Button("Draft the remaining questions", elem_id="resume-button")
                resume.click(follow_case, [case_state], [case_state, progress_note, form], concurrency_limit=8)
        gr.HTML(questions_view.confirmed_note(ctx, case.id))
        choices = exemption_choices()
        known = {value for _, value in choices}
        for draft in case.drafts:
            _card(ctx, case.id, draft, case.meta[draft.question.number], choices, known, case_state)

    return {"exclude": exclude, "form": form, "progress": progress_note}


def _card(ctx: AppContext, case_id: int, draft: Draft, meta: Any, choices: list, known: set, case_state: gr.State) -> None:
    number = draft.question.number
    key = f"{case_id}-{number}-{meta.version}"
    extra = [(e, e) for e in draft.exemptions if e not in known]
    with gr.Group(elem_id=f"card-{html.slug(number)}", elem_classes=["question-card"]):
        gr.HTML(html.question_html(draft), padding=True)
        answer = gr.Textbox(
            value=draft.answer,
            label=f"Answer to question {number}",
            lines=4,
            max_lines=40,
            interactive=True,
            key=f"answer-{key}",
            elem_classes=["answer-box"],
        )
        with gr.Row():
            status = gr.Dropdown(
                choices=html.status_choices(),
                value=draft.status.value,
                label="Status",
                interactive=True,
                key=f"status-{key}",
                scale=2,
            )
            exemptions = gr.Dropdown(
                choices=choices + extra,
                value=list(draft.exemptions),
                multiselect=True,
                allow_custom_value=True,
                label="Exemptions",
                interactive=True,
                key=f"exemptions-{key}",
                scale=3,
            )
        with gr.Row(equal_height=True):
            saved = gr.HTML(html.saved_note(meta.version, meta.updated_by, meta.updated_at), padding=True, scale=4)
            regenerate = gr.Button("Regenerate", size="sm", scale=0, min_width=140, elem_classes=["regenerate"])
        flags = gr.HTML(html.flags_html(draft.flags), padding=True)
        with gr.Accordion(f"Sources ({len(draft.citations)})", open=False):
            sources = gr.HTML(html.sources_html(draft), padding=True)

    answer.blur(_saver(ctx, case_id, number), [answer], [saved, flags, sources])
    status.input(_field_saver(ctx, case_id, number, ctx.store.update_status), [status], [saved])
    exemptions.input(_field_saver(ctx, case_id, number, ctx.store.update_exemptions), [exemptions], [saved])
    regenerate.click(_regenerator(ctx, case_id, number), None, [case_state])


def _saver(ctx: AppContext, case_id: int, number: str) -> Callable:
    """Autosave the officer's answer, then re-check its citations against the draft's sources."""

    def save(text: str, request: gr.Request) -> tuple[str, str, str]:
        viewer = ctx.viewer(request)
        try:
            changed = ctx.store.update_answer(case_id, number, text or "", viewer.username)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        case = ctx.store.get_case(case_id)
        draft = case.draft(number)
        if changed:
            try:
                checked = ctx.drafter.recheck(draft, draft.answer, received=case.received)
                ctx.store.update_checks(case_id, number, checked.citations, checked.flags)
                draft.citations, draft.flags = checked.citations, checked.flags
            except Exception as exc:  # the edit is saved; a failed re-check must not lose it
                gr.Warning(f"Saved, but the citations could not be re-checked: {exc}")
        meta = case.meta[number]
        return html.saved_note(meta.version, meta.updated_by, meta.updated_at), html.flags_html(draft.flags), html.sources_html(draft)

    return save


def _field_saver(ctx: AppContext, case_id: int, number: str, update: Callable) -> Callable:
    def save(value: Any, request: gr.Request) -> str:
        viewer = ctx.viewer(request)
        try:
            update(case_id, number, value, viewer.username)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        meta = ctx.store.get_case(case_id).meta[number]
        return html.saved_note(meta.version, meta.updated_by, meta.updated_at)

    return save


def _clock_saver(ctx: AppContext, case_id: int) -> Callable:
    """The clock stops for a clarification (s1(3)) and may run on for a public interest extension (s10(3))."""

    def save(clarified: str, extension: float | None, request: gr.Request) -> dict[str, Any]:
        try:
            ctx.store.update_case(
                case_id, ctx.viewer(request).username, clarified=clarified or None, extension_days=int(extension or 0)
            )
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        return opened(case_id)

    return save


def _regenerator(ctx: AppContext, case_id: int, number: str) -> Callable:
    def regenerate(request: gr.Request) -> dict[str, Any]:
        viewer = ctx.viewer(request)
        case = ctx.store.get_case(case_id)
        old = case.draft(number)
        try:
            new = ctx.drafter.draft_question(old.question, engine=case.engine, exclude=case.exclude, received=case.received)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        ctx.store.replace_draft(case_id, new, viewer.username, reason="regenerated")
        gr.Info(f"Question {number} was drafted again; the previous answer is kept in the history.")
        return opened(case_id)

    return regenerate
