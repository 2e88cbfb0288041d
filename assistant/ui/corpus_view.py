"""The Corpus tab: what is indexed, a search box, and uploads of new decisions and policies."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant.readers import SUPPORTED_SUFFIXES
from assistant.ui import html
from assistant.ui.context import AppContext

DOC_HEADERS = ["Document", "Title", "Type", "Reference", "Date", "Units", "Added by", "Added"]


def document_rows(ctx: AppContext) -> list[list[Any]]:
    """One row per document, with who added it and when (provenance kept by the index)."""
    return [
        [d["doc_id"], d["title"], d["type"], d["reference"], d["date"], d["units"], d.get("added_by", ""), d.get("added_at", "")[:10]]
        for d in ctx.index.documents()
    ]


def exclude_choices(ctx: AppContext) -> list[tuple[str, str]]:
    return [(f"{d['doc_id']} — {d['title']}", d["doc_id"]) for d in ctx.index.documents() if d["type"] == "decision"]


def add_to_corpus(ctx: AppContext, uploaded: list[str], progress: Any = None, user: str | None = None) -> tuple[str, list[Path]]:
    """Add files to the corpus (the uploads folder in the data folder) and index them, as `user`.

    The library checks the user's role, refuses copies of documents already in the corpus, and puts back the
    previous file when a replacement fails; the report says what happened to each file."""
    from assistant.index import CorpusAccessDenied, IndexBusy
    from assistant.uploads import add_files

    def report_progress(done: int, total: int, stage: str) -> None:
        if progress:
            progress(done / max(total, 1), desc=f"{stage} {done}/{total} passages")

    if progress:
        progress(0.0, desc="Reading files")
    name = user if user is not None else ctx.viewer(None).username
    try:
        result = add_files(ctx.index, [Path(u) for u in uploaded], user=name, progress=report_progress)
    except (CorpusAccessDenied, IndexBusy) as exc:
        return f"❌ {html.escape(str(exc))}", []
    if progress:
        progress(1.0, desc="Done")
    report = result.report
    lines = [f"**Indexed:** {report.summary()}"]
    for f in report.failures:
        lines.append(f"- ❌ `{html.escape(Path(f.path).name)}` was not added: {html.escape(f.reason)}. The index is unchanged for this file.")
    for d in result.added:
        lines.append(f"- ✓ `{html.escape(d.name)}` saved to the corpus uploads folder")
    return "\n".join(lines), result.added


def build(ctx: AppContext) -> dict[str, Any]:
    from assistant.uploads import recover

    try:
        recover(ctx.index)  # an upload interrupted by a crash is undone before anyone uses the corpus
    except Exception as exc:  # the Corpus tab still opens; the next upload or ingest tries again
        import logging

        logging.getLogger(__name__).warning("Could not undo an interrupted corpus upload: %s", exc)
    with gr.Row():
        refresh = gr.Button("Refresh", size="sm", scale=0)
        counts = gr.Markdown(elem_id="corpus-counts")
    documents = gr.Dataframe(
        headers=DOC_HEADERS,
        interactive=False,
        wrap=True,
        max_height=400,
        column_widths=["22%", "30%", "8%", "9%", "9%", "5%", "9%", "8%"],
        elem_id="corpus-documents",
    )
    gr.Markdown("### Search")
    with gr.Row():
        query = gr.Textbox(label="Query", placeholder="e.g. number of children missing from care", scale=4, elem_id="corpus-query")
        kind = gr.Radio(["all", "decision", "policy"], value="all", label="Documents", scale=2)
        k = gr.Slider(1, 20, value=8, step=1, label="Passages", scale=1, min_width=200)
        search = gr.Button("Search", variant="primary", scale=1, elem_id="corpus-search")
    results = gr.HTML(elem_id="corpus-results")
    gr.Markdown("### Add decisions or policies")
    files = gr.File(
        label=f"Files ({', '.join(sorted(SUPPORTED_SUFFIXES))})",
        file_count="multiple",
        file_types=sorted(SUPPORTED_SUFFIXES),
        type="filepath",
        elem_id="corpus-upload",
    )
    add = gr.Button("Add to the corpus and re-index", elem_id="corpus-add")
    add_report = gr.Markdown(elem_id="corpus-add-report")

    def load_documents() -> tuple[list[list[Any]], str]:
        from assistant.index import IndexUnavailable

        try:
            rows = document_rows(ctx)
        except IndexUnavailable as exc:
            return [], f"⚠️ {html.escape(str(exc))}"
        decisions = sum(1 for r in rows if r[2] == "decision")
        units = sum(r[5] for r in rows)
        return rows, f"**{len(rows)} documents** ({decisions} decisions, {len(rows) - decisions} policies), {units} passages."

    def run_search(text: str, doc_kind: str, top: float) -> str:
        if not (text or "").strip():
            raise gr.Error("Type something to search for.")
        from assistant.index import IndexUnavailable

        types = None if doc_kind == "all" else [doc_kind]
        try:
            return html.search_results_html(ctx.index.search(text, k=int(top), doc_types=types))
        except (IndexUnavailable, ValueError) as exc:
            raise gr.Error(str(exc)) from exc

    def run_add(
        paths: list[str] | None, request: gr.Request, progress: gr.Progress = gr.Progress()
    ) -> tuple[str, list[list[Any]], str]:
        if not paths:
            raise gr.Error("Choose one or more files first.")
        report, _ = add_to_corpus(ctx, list(paths), progress, user=ctx.viewer(request).username)
        rows, summary = load_documents()
        return report, rows, summary

    refresh.click(load_documents, None, [documents, counts])
    search.click(run_search, [query, kind, k], [results])
    query.submit(run_search, [query, kind, k], [results])
    add_event = add.click(run_add, [files], [add_report, documents, counts], concurrency_limit=1, concurrency_id="ingest")
    return {"load_documents": load_documents, "documents": documents, "counts": counts, "added": add_event}
