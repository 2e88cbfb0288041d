"""The Draft tab: a new request goes in, one card per question comes out, and every edit is saved as it is made."""
from __future__ import annotations

import time
from datetime import date
from html import escape
from typing import Any, Callable

import gradio as gr

from assistant.cases import ENDED_STATES, Case, EditConflict, EditWouldBeLost
from assistant.exemptions import load as load_exemptions
from assistant.intake import REQUEST_SUFFIXES, request_text_from_file
from assistant.wording import flag_words as flag_label
from assistant.wording import state_words as state_label
from assistant.models import Draft
from assistant.readers import ReadError
from assistant.service import casework
from assistant.ui import html, questions_view
from assistant.ui.context import AppContext, open_case


def error(exc: Exception) -> gr.Error:
    """A toast for a refused action; its text is escaped (toasts render HTML)."""
    return gr.Error(escape(str(exc)))


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


def redraw_now(done: int, total: int, seconds: float, since_drawn: float, every: float) -> bool:
    """Whether to redraw the cards while a draft runs: at most every `every` seconds, and not when the remaining
    questions, at the pace so far, should be done within half of that (the final redraw is about to come, and a
    redraw of every card costs the drafting thread time it would spend on the last answers)."""
    if done <= 0 or since_drawn < every:
        return False
    remaining = max(total - done, 0) * seconds / done
    return remaining >= every / 2


def follow(ctx: AppContext, case_id: int, redraw_every: float = 2.0):  # noqa: ANN201 - a generator of UI updates
    """Watch a drafting job: a progress note as each answer is stored, and the cards redrawn at most every
    `redraw_every` seconds while it runs (see `redraw_now`), then once at the end.

    Redrawing every card for every answer made a ten-question request cost ten full redraws, most of the time
    between the click and the last card; a fast draft now shows all its cards in one redraw."""
    reference = html.md_escape(ctx.store.get_case(case_id).reference)
    job = ctx.jobs.get(case_id)
    if job is None:
        yield opened(case_id), "", gr.update()
        return
    seen, drawn_at = -1, time.perf_counter()
    first = True
    while not job.finished:
        job.wait(seen, timeout=redraw_every)
        if job.finished:
            break
        note = f"Drafting {reference}: {job.done} of {job.total} questions…"
        redraw = job.done != seen and redraw_now(job.done, job.total, job.seconds, time.perf_counter() - drawn_at, redraw_every)
        seen = job.done
        if redraw:
            drawn_at = time.perf_counter()
            yield opened(case_id), note, gr.Accordion(open=False)
        else:
            yield gr.update(), note, gr.Accordion(open=False) if first else gr.update()
        first = False
    if job.error:
        yield opened(case_id), f"⚠️ Drafting stopped after {job.done} of {job.total} questions: {html.md_escape(job.error)}", gr.update()
        return
    yield (
        opened(case_id),
        f"Drafted {job.done} answer(s) for {reference} in {job.seconds:.1f} s. Edits are saved as you make them.",
        gr.Accordion(open=False),
    )


def build(ctx: AppContext, case_state: gr.State) -> dict[str, Any]:
    """Lay out the tab inside the current Blocks context; returns components other tabs wire to."""
    engines = ctx.settings.officer_engines()
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
                engine = gr.Radio(
                    engines,
                    value=ctx.settings.engine if ctx.settings.engine in engines else "extractive",
                    label="Engine",
                    elem_id="case-engine",
                    visible=len(engines) > 1,
                )
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
            return gr.update(), f"⚠️ The file was not used: {html.md_escape(str(exc))}."
        return text, f"Read {len(text.split())} words from the file; check the text above, then press Draft."

    upload.upload(read_upload, [upload], [request_box, upload_note])

    def run_draft(
        text: str, ref: str, received_text: str, requester_name: str, engine_name: str, excluded: list[str] | None,
        split_state: dict | None, request: gr.Request,
    ):  # noqa: ANN202 - a generator of UI updates
        viewer = ctx.viewer(request)
        if not (text or "").strip():
            raise gr.Error("The request is empty: paste the request text or upload a file.")
        if engine_name not in ctx.settings.officer_engines():
            raise gr.Error(f"The engine '{escape(str(engine_name))}' is not offered for drafting here.")
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
        except ValueError as exc:  # RequestError, AccessDenied are ValueErrors too
            raise error(exc) from exc
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
    def cards(state: dict | None, request: gr.Request) -> None:
        case = open_case(ctx, state, "No case is open: draft a new request above, or open one from the Cases tab.")
        if case is None:
            return
        viewer = ctx.viewer(request)
        _lifecycle(ctx, case, case_state, viewer)
        if case.is_open:
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
        if not ctx.jobs.running(case.id) and case.is_open:
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
            _card(ctx, case, draft, choices, known, case_state)

    return {
        "exclude": exclude, "form": form, "progress": progress_note, "request": request_box, "reference": reference,
        "received": received, "requester": requester, "upload": upload, "upload_note": upload_note, "engine": engine,
    }


def _lifecycle(ctx: AppContext, case: Case, case_state: gr.State, viewer: Any) -> None:
    """The moves the case can make from where it is: send for review, mark sent, close, withdraw or cancel."""
    if not viewer.can_open:
        return
    with gr.Row(elem_id="case-actions"):
        if case.state in ("drafting", "returned") and case.drafts:
            submit = gr.Button("Send for review", variant="primary", scale=1, elem_id="submit-review")
            submit.click(_mover(ctx, case.id, "submit"), None, [case_state])
        if case.state == "approved":
            sent_on = gr.Textbox(label="Date sent (YYYY-MM-DD)", value=date.today().isoformat(), scale=1, elem_id="sent-on")
            send = gr.Button("Mark as sent", variant="primary", scale=1, elem_id="mark-sent")
            send.click(_mover(ctx, case.id, "sent"), [sent_on], [case_state])
        if case.state == "sent":
            close = gr.Button("Close the case", scale=1, elem_id="close-case")
            close.click(_mover(ctx, case.id, "close"), None, [case_state])
    if case.is_open:
        with gr.Accordion("Withdraw or cancel this case", open=False):
            with gr.Row():
                reason = gr.Textbox(label="Reason", placeholder="e.g. The requester withdrew the request by e-mail", scale=4)
                how = gr.Radio([(state_label(s), s) for s in ENDED_STATES], value="withdrawn", label="Outcome", scale=2)
                end = gr.Button("End the case", variant="stop", scale=1, elem_id="end-case")
        end.click(_mover(ctx, case.id, "end"), [reason, how], [case_state])


def _mover(ctx: AppContext, case_id: int, move: str) -> Callable:
    """A lifecycle move; the store decides whether this person may make it from the case's current state."""

    def act(user: str, values: tuple) -> dict[str, Any]:
        try:
            if move == "submit":
                ctx.store.submit_for_review(case_id, user)
                gr.Info("Sent for review.")
            elif move == "sent":
                late = ctx.store.mark_sent(case_id, user, values[0] or None)
                gr.Info("Marked as sent " + (f"{late} working day(s) late." if late else "on time."))
            elif move == "close":
                ctx.store.close(case_id, user)
            else:
                ctx.store.end(case_id, values[1], values[0], user)
        except ValueError as exc:
            raise error(exc) from exc
        return opened(case_id)

    def no_input(request: gr.Request) -> dict[str, Any]:
        return act(ctx.viewer(request).username, ())

    def one_input(value: Any, request: gr.Request) -> dict[str, Any]:
        return act(ctx.viewer(request).username, (value,))

    def two_inputs(first: Any, second: Any, request: gr.Request) -> dict[str, Any]:
        return act(ctx.viewer(request).username, (first, second))

    return {"submit": no_input, "close": no_input, "sent": one_input, "end": two_inputs}[move]


def _card(ctx: AppContext, case: Case, draft: Draft, choices: list, known: set, case_state: gr.State) -> None:
    case_id, number = case.id, draft.question.number
    meta = case.meta[number]
    key = f"{case_id}-{number}-{meta.version}"
    extra = [(e, e) for e in draft.exemptions if e not in known]
    editable = case.is_open
    base = gr.State({"version": meta.version, "text": draft.answer})
    with gr.Group(elem_id=f"card-{html.slug(number)}", elem_classes=["question-card"]):
        gr.HTML(html.question_html(draft), padding=True)
        returned = html.returned_html(case, number)
        if returned:
            gr.HTML(returned, padding=True, elem_classes=["returned-note"])
        answer = gr.Textbox(
            value=draft.answer,
            label=f"Answer to question {number}",
            lines=4,
            max_lines=40,
            interactive=editable,
            key=f"answer-{key}",
            elem_classes=["answer-box"],
        )
        with gr.Row():
            status = gr.Dropdown(
                choices=html.status_choices(), value=draft.status.value, label="Status", interactive=editable,
                key=f"status-{key}", scale=2,
            )
            exemptions = gr.Dropdown(
                choices=choices + extra, value=list(draft.exemptions), multiselect=True, allow_custom_value=True,
                label="Exemptions", interactive=editable, key=f"exemptions-{key}", scale=3,
            )
        with gr.Row(equal_height=True):
            saved = gr.HTML(html.saved_note(meta.version, meta.updated_by, meta.updated_at), padding=True, scale=4)
            regenerate = gr.Button("Regenerate", size="sm", scale=0, min_width=140, elem_classes=["regenerate"],
                                   interactive=editable)
        with gr.Row(visible=False, elem_classes=["confirm-regenerate"]) as confirm:
            confirm_note = gr.Markdown()
            replace = gr.Button("Replace my edit", variant="stop", size="sm", scale=0, elem_classes=["confirm-replace"])
            keep = gr.Button("Keep my edit", size="sm", scale=0)
        flags = gr.HTML(html.draft_flags_html(draft, case), padding=True, elem_classes=["flags-box"])
        open_flags = [f for f in draft.flags if case.resolution(number, f) is None]
        if open_flags and editable:
            with gr.Accordion("Resolve a flag", open=False, elem_classes=["resolve-flag"]):
                with gr.Row():
                    which = gr.Dropdown(
                        choices=[(f"{flag_label(f.kind)}: {f.message[:100]}", i) for i, f in enumerate(open_flags)],
                        value=0, label="Flag", scale=3,
                    )
                    why = gr.Textbox(label="How it was resolved", placeholder="e.g. Figures confirmed by Children's Services on 2 June",
                                     scale=3, elem_classes=["resolve-reason"])
                    resolve = gr.Button("Mark resolved", scale=1, elem_classes=["resolve-button"])
            resolve.click(_resolver(ctx, case_id, number, open_flags), [which, why], [case_state])
        with gr.Accordion(f"Sources ({len(draft.citations)})", open=False):
            sources = gr.HTML(html.sources_html(draft), padding=True)
        with gr.Accordion(f"History ({meta.version} version{'s' if meta.version != 1 else ''})", open=False,
                          elem_classes=["history"]):
            versions = ctx.store.versions(case_id, number)
            history = gr.HTML(html.versions_html(versions), padding=True)
            if editable:  # kept up to date by every save below, so it always offers the versions before the current one
                with gr.Row(visible=len(versions) > 1, elem_classes=["restore-row"]) as restore_row:
                    pick = gr.Dropdown(**_restore_choices(versions), label="Restore version", scale=3)
                    restore = gr.Button("Restore", scale=1, elem_classes=["restore-button"])
                restore.click(_restorer(ctx, case_id, number), [pick, base], [case_state])

    if editable:
        restorable = [pick, restore_row]
        answer.blur(_saver(ctx, case_id, number), [answer, base], [saved, flags, sources, base, history, *restorable])
        status.input(_field_saver(ctx, case_id, number, "status"), [status, base], [saved, base, history, *restorable])
        exemptions.input(_field_saver(ctx, case_id, number, "exemptions"), [exemptions, base], [saved, base, history, *restorable])
        regenerate.click(_regenerator(ctx, case_id, number, False), [base], [case_state, confirm, confirm_note])
        replace.click(_regenerator(ctx, case_id, number, True), [base], [case_state, confirm, confirm_note])
        keep.click(lambda: gr.Row(visible=False), None, [confirm])


def _restore_choices(versions: list) -> dict[str, Any]:
    """The versions before the current one, newest first offered (the one an officer most often wants back)."""
    earlier = versions[:-1]
    return {
        "choices": [(f"Version {v.version} ({v.user or 'drafting service'})", v.version) for v in earlier],
        "value": earlier[-1].version if earlier else None,
    }


def _history_updates(ctx: AppContext, case_id: int, number: str) -> tuple[Any, Any, Any]:
    """The history table, the restore picker and whether it shows, after a save made a new version."""
    versions = ctx.store.versions(case_id, number)
    return html.versions_html(versions), gr.Dropdown(**_restore_choices(versions)), gr.Row(visible=len(versions) > 1)


def _conflict_note(exc: EditConflict) -> str:
    return f'<span class="saved-note conflict" style="color:{html.RED};font-weight:600">⚠️ Not saved: {escape(str(exc))}</span>'


def _saver(ctx: AppContext, case_id: int, number: str) -> Callable:
    """Save the officer's answer with the version it was typed on, re-checked in the same transaction."""

    def save(text: str, base: dict, request: gr.Request) -> tuple[Any, ...]:
        text = text or ""
        if text == base["text"]:  # focused and left without typing: an out-of-date box must not overwrite anything
            return gr.update(), gr.update(), gr.update(), base, gr.update(), gr.update(), gr.update()
        viewer = ctx.viewer(request)
        case = ctx.store.get_case(case_id)
        draft = case.draft(number)
        citations = flags = None
        try:
            checked = ctx.drafter.recheck(draft, text, received=case.received)
            citations, flags = checked.citations, checked.flags
        except Exception as exc:  # the edit is still saved; a failed re-check must not lose it
            gr.Warning(f"Saved, but the citations could not be re-checked: {escape(str(exc))}")
        try:
            ctx.store.update_answer(case_id, number, text, viewer.username, expected_version=base["version"],
                                    citations=citations, flags=flags)
        except EditConflict as exc:
            gr.Warning(escape(str(exc)))
            return _conflict_note(exc), gr.update(), gr.update(), base, gr.update(), gr.update(), gr.update()
        except ValueError as exc:
            raise error(exc) from exc
        case = ctx.store.get_case(case_id)
        draft, meta = case.draft(number), case.meta[number]
        return (
            html.saved_note(meta.version, meta.updated_by, meta.updated_at),
            html.draft_flags_html(draft, case),
            html.sources_html(draft),
            {"version": meta.version, "text": draft.answer},
            *_history_updates(ctx, case_id, number),
        )

    return save


def _field_saver(ctx: AppContext, case_id: int, number: str, which: str) -> Callable:
    def save(value: Any, base: dict, request: gr.Request) -> tuple[Any, ...]:
        viewer = ctx.viewer(request)
        update = ctx.store.update_status if which == "status" else ctx.store.update_exemptions
        try:
            update(case_id, number, value, viewer.username, expected_version=base["version"])
        except EditConflict as exc:
            gr.Warning(escape(str(exc)))
            return _conflict_note(exc), base, gr.update(), gr.update(), gr.update()
        except ValueError as exc:
            raise error(exc) from exc
        meta = ctx.store.get_case(case_id).meta[number]
        return (
            html.saved_note(meta.version, meta.updated_by, meta.updated_at),
            {**base, "version": meta.version},
            *_history_updates(ctx, case_id, number),
        )

    return save


def _clock_saver(ctx: AppContext, case_id: int) -> Callable:
    """The clock stops for a clarification (s1(3)) and may run on for a public interest extension (s10(3))."""

    def save(clarified: str, extension: float | None, request: gr.Request) -> dict[str, Any]:
        try:
            ctx.store.update_case(
                case_id, ctx.viewer(request).username, clarified=clarified or None, extension_days=int(extension or 0)
            )
        except ValueError as exc:
            raise error(exc) from exc
        return opened(case_id)

    return save


def _regenerator(ctx: AppContext, case_id: int, number: str, replace_edit: bool) -> Callable:
    """Draft one question again; asks before replacing a person's edit, and makes no version when nothing changed."""

    def regenerate(base: dict, request: gr.Request) -> tuple[Any, ...]:
        viewer = ctx.viewer(request)
        try:
            # the case's service returns are sources too: a question the corpus answers only for another period
            # is drafted from the return when it answers it, and the flags it answers are resolved with the reason
            new, resolved = casework.regenerate(ctx.drafter, ctx.store, case_id, number)
            changed = casework.save_regenerated(
                ctx.store, case_id, new, resolved, viewer.username, expected_version=base["version"], replace_edit=replace_edit
            )
        except EditWouldBeLost as exc:
            return gr.update(), gr.Row(visible=True), f"⚠️ {escape(str(exc))}"
        except ValueError as exc:
            raise error(exc) from exc
        if not changed:
            gr.Info(f"Question {escape(number)} drafted again: the new draft is the same as the current one, so nothing changed.")
            return gr.update(), gr.Row(visible=False), ""
        gr.Info(f"Question {escape(number)} was drafted again; the previous answer is in its History.")
        return opened(case_id), gr.Row(visible=False), ""

    return regenerate


def _resolver(ctx: AppContext, case_id: int, number: str, open_flags: list) -> Callable:
    def resolve(index: Any, reason: str, request: gr.Request) -> dict[str, Any]:
        try:
            flag = open_flags[int(index)]
            ctx.store.resolve_flag(case_id, number, flag.kind, flag.message, reason, ctx.viewer(request).username)
        except (TypeError, IndexError):
            raise gr.Error("Choose the flag to resolve.") from None
        except ValueError as exc:
            raise error(exc) from exc
        return opened(case_id)

    return resolve


def _restorer(ctx: AppContext, case_id: int, number: str) -> Callable:
    def restore(version: Any, base: dict, request: gr.Request) -> dict[str, Any]:
        try:
            changed = ctx.store.restore(case_id, number, int(version), ctx.viewer(request).username,
                                        expected_version=base["version"])
        except (TypeError, ValueError) as exc:
            raise error(exc) from exc
        if not changed:
            gr.Info("That version says the same as the current one: nothing changed.")
        return opened(case_id)

    return restore
