"""The officers' and reviewers' workspace: cases, drafting, chat, review, export and the corpus, in one Gradio app.

The app only arranges the library's parts on screen: drafting and checking live in `Drafter`, cases (and who may
change them) in `CaseStore`, letters in `assistant.letter`. Nothing here reaches the internet: analytics are off,
fonts are the system's, no share link is made, and the Content-Security-Policy loads nothing from elsewhere.
"""
from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
import time
from datetime import date
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr  # noqa: E402

from assistant.cases import CaseStore  # noqa: E402
from assistant.export import app_temp_dir, remove_private_files  # noqa: E402
from assistant.settings import Settings, get_settings  # noqa: E402
from assistant.signin import check_users  # noqa: E402
from assistant.ui import cases_view, chat_view, corpus_view, draft_view, export_view, review_view, service_view  # noqa: E402
from assistant.ui.context import AppContext  # noqa: E402
from assistant.ui.draft_view import opened  # noqa: E402
from assistant.ui.html import CSS, md_escape  # noqa: E402

TITLE = "FOI reply drafting"
SIGN_IN_OFF = (
    "⚠️ **Sign-in is off**: no users are configured, so everyone using this app acts as the local account "
    "with every role. The app only listens on this computer (loopback). Configure users to share it."
)
log = logging.getLogger("assistant.app")


def make_context(settings: Settings, drafter: Any = None, store: CaseStore | None = None) -> AppContext:
    if drafter is None:
        from assistant.drafting import Drafter

        drafter = Drafter(settings)
    return AppContext(settings=settings, drafter=drafter, store=store or CaseStore.from_settings(settings))


def build_app(settings: Settings, drafter: Any = None, store: CaseStore | None = None) -> gr.Blocks:
    """The whole app as a Blocks; `launch()` serves it, tests may mount it themselves."""
    return _build(make_context(settings, drafter, store))


def _build(ctx: AppContext) -> gr.Blocks:
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        case_state = gr.State(opened(None))
        review_tick = gr.State(0)
        with gr.Row():
            gr.Markdown(f"## {TITLE} — {ctx.settings.council}")
            with gr.Column(scale=0, min_width=220):
                who = gr.Markdown(elem_id="signed-in")
                if ctx.auth_enabled:
                    gr.Button("Sign out", link="/logout", size="sm", variant="secondary", elem_id="sign-out")
        if not ctx.auth_enabled:
            gr.Markdown(SIGN_IN_OFF, elem_id="sign-in-off")
        with gr.Tabs(selected="cases") as tabs:
            with gr.Tab("Cases", id="cases", elem_id="tab-cases") as cases_tab:
                cases = cases_view.build(ctx)
            with gr.Tab("Draft", id="draft", elem_id="tab-draft"):
                draft = draft_view.build(ctx, case_state)
                service_view.build(ctx, case_state)
            with gr.Tab("Chat", id="chat", elem_id="tab-chat"):
                chat_view.build(ctx, case_state)
            with gr.Tab("Review", id="review", elem_id="tab-review") as review_tab:
                review_view.build(ctx, case_state, review_tick)
            with gr.Tab("Export", id="export", elem_id="tab-export"):
                export_view.build(ctx, case_state)
            with gr.Tab("Corpus", id="corpus", elem_id="tab-corpus") as corpus_tab:
                corpus = corpus_view.build(ctx)

        def open_case(case_id: Any):  # noqa: ANN202 - a generator of UI updates
            if not str(case_id or "").strip():
                raise gr.Error("Choose a case to open.")
            try:
                case = ctx.store.get_case(int(str(case_id).strip()))
            except ValueError as exc:
                raise gr.Error(html_escape(str(exc))) from exc
            yield opened(case.id), gr.Tabs(selected="draft"), gr.Accordion(open=False), ""
            if ctx.jobs.running(case.id):  # drafting started elsewhere: follow it here too
                for state, note, form in draft_view.follow(ctx, case.id):
                    yield state, gr.update(), form, note

        def new_case() -> tuple[Any, ...]:
            """A clean form: nothing of the previous request, reference or requester is carried over."""
            return (
                opened(None), gr.Tabs(selected="draft"), gr.Accordion(open=True), "",
                "", "", date.today().isoformat(), "", None, "", [], gr.Radio(value=ctx.settings.engine if ctx.settings.engine in ctx.settings.officer_engines() else "extractive"),
            )

        def exclude_choices() -> Any:
            return gr.Dropdown(choices=corpus_view.exclude_choices(ctx))

        def signed_in(request: gr.Request) -> str:
            viewer = ctx.viewer(request)
            return f"Signed in as **{md_escape(viewer.username)}** ({viewer.role})"

        form_fields = [draft["request"], draft["reference"], draft["received"], draft["requester"], draft["upload"],
                       draft["upload_note"], draft["exclude"], draft["engine"]]
        cases_tab.select(cases["load"], cases["filters"], [cases["table"], cases["owner"]])
        cases_tab.select(cases["load_chasing"], None, [cases["chasing"]])
        demo.load(cases["load_chasing"], None, [cases["chasing"]])
        cases["open"].click(open_case, [cases["choose"]], [case_state, tabs, draft["form"], draft["progress"]])
        cases["new"].click(new_case, None, [case_state, tabs, draft["form"], draft["progress"], *form_fields])
        review_tab.select(lambda: time.time_ns(), None, [review_tick])
        corpus_tab.select(corpus["load_documents"], None, [corpus["documents"], corpus["counts"]])
        corpus["added"].then(exclude_choices, None, [draft["exclude"]])
        demo.load(signed_in, None, [who])
        demo.load(cases["load"], cases["filters"], [cases["table"], cases["owner"]])
        demo.load(exclude_choices, None, [draft["exclude"]])
    return demo


def html_escape(text: str) -> str:
    from html import escape

    return escape(text)


def theme() -> gr.themes.Base:
    """System fonts only: the default theme would fetch web fonts from the internet."""
    return gr.themes.Soft(font=["system-ui", "Segoe UI", "Arial", "sans-serif"], font_mono=["ui-monospace", "monospace"])


def _warm_up(ctx: AppContext) -> None:
    """Load the embedding model, the keyword index and the drafting path before the first officer waits for them,
    and what the first screens import on first use (bank holidays for deadlines; matplotlib, which Gradio imports
    on its event loop at the first event, holding up every page for about a second)."""
    started = time.perf_counter()
    try:
        from assistant.deadlines import due_date

        due_date(date.today())
        import matplotlib.pyplot  # noqa: F401
    except Exception:  # only a head start: each is loaded on first use anyway
        pass
    try:
        ctx.index.units()
        ctx.index.keyword()
        ctx.index.embeddings.embed_query("warm up")
        warm = getattr(ctx.drafter, "draft_request", None)
        if warm is not None:
            list(warm("1. How often does the panel meet?"))
    except Exception:  # an empty or missing index is reported in the Corpus tab, not here
        pass
    log.info("Warm-up done in %.1f s", time.perf_counter() - started)


def serving_settings(settings: Settings) -> Settings:
    """The app embeds with `app_embedding_threads` unless embedding_threads is set: one question at a time, next
    to the web server and the officer's browser, one thread is quicker than two spinning for the same cores."""
    if settings.embedding_threads or settings.app_embedding_threads <= 0:
        return settings
    return settings.model_copy(update={"embedding_threads": settings.app_embedding_threads})


def launch(host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    from assistant.ui.web import check_listen, make_server_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = serving_settings(get_settings())
    host = host or settings.host
    port = port or settings.port
    if settings.auth and not settings.users:
        raise SystemExit("Sign-in is required (FOI_AUTH) but no users are configured (FOI_USERS).")
    try:
        check_users(settings.users)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    check_listen(host, bool(settings.users))
    if not settings.users:
        log.warning("Sign-in is OFF: no users are configured; listening on %s (loopback) only.", host)
    # Gradio copies every file it serves (letters, packs) and every upload into its temp folder: make that a
    # private folder of the data dir, and delete it and the exports when the app stops (and at start, in case the
    # last run was killed before it could; uvicorn turns SIGTERM into a clean stop, so the `finally` runs).
    remove_private_files(settings)
    os.environ["GRADIO_TEMP_DIR"] = str(app_temp_dir(settings))
    atexit.register(remove_private_files, settings)
    # uvicorn stops cleanly on SIGTERM, then raises the signal again under the previous handler: make that
    # handler an interrupt, so the clean-up below runs instead of the process dying on the spot.
    signal.signal(signal.SIGTERM, _interrupt)
    ctx = make_context(settings)
    demo = _build(ctx)
    threading.Thread(target=_warm_up, args=(ctx,), daemon=True).start()
    demo.queue(default_concurrency_limit=4)
    app = make_server_app(
        demo,
        ctx,
        host,
        settings.allowed_hosts,
        server_name=host,
        server_port=port,
        auth=ctx.check_password if ctx.auth_enabled else None,
        auth_message="Sign in with your FOI drafting account." if ctx.auth_enabled else None,
        show_error=True,
        ssr_mode=False,
        theme=theme(),
        css=CSS,
        allowed_paths=[str(ctx.exports_dir)],
        max_file_size=settings.max_file_bytes,
        footer_links=[],
    )
    log.info("Serving the FOI drafting workspace on http://%s:%s/", host, port)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    except KeyboardInterrupt:
        pass
    finally:
        remove_private_files(settings)


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt
