"""The Corpus tab: what is indexed, a search box, and uploads of new decisions and policies."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.readers import SUPPORTED_SUFFIXES
from assistant.ui import html
from assistant.ui.context import AppContext

DOC_HEADERS = ["Document", "Title", "Type", "Reference", "Date", "Units"]


def document_rows(ctx: AppContext) -> list[list[Any]]:
    return [[d["doc_id"], d["title"], d["type"], d["reference"], d["date"], d["units"]] for d in ctx.index.documents()]


def exclude_choices(ctx: AppContext) -> list[tuple[str, str]]:
    return [(f"{d['doc_id']} — {d['title']}", d["doc_id"]) for d in ctx.index.documents() if d["type"] == "decision"]


def add_to_corpus(ctx: AppContext, uploaded: list[str], progress: Any = None) -> tuple[str, list[Path]]:
    """Copy files into the corpus and index them; a file that fails is taken out again, leaving the index as it was.

    A file replacing one of the same name is backed up first and restored if the new one fails.
    """
    target = ctx.uploads_dir
    target.mkdir(parents=True, exist_ok=True)
    backups = Path(tempfile.mkdtemp(prefix="foi-corpus-backup-"))
    copied: list[Path] = []

    def take_back(dest: Path) -> None:
        backup = backups / dest.name
        if backup.exists():
            shutil.copy2(backup, dest)
        else:
            dest.unlink(missing_ok=True)

    def report_progress(done: int, total: int, stage: str) -> None:
        if progress:
            progress(done / max(total, 1), desc=f"{stage} {done}/{total} passages")

    try:
        for source in uploaded:
            src = Path(source)
            dest = target / src.name
            if dest.exists():
                shutil.copy2(dest, backups / src.name)
            shutil.copy2(src, dest)
            copied.append(dest)
        if progress:
            progress(0.0, desc="Reading files")
        try:
            report = ctx.index.ingest(copied, progress=report_progress)
        except Exception:
            for dest in copied:
                take_back(dest)
            raise
        failed = {Path(f.path).resolve() for f in report.failures}
        for dest in copied:
            if dest.resolve() in failed:
                take_back(dest)
    finally:
        shutil.rmtree(backups, ignore_errors=True)
    lines = [f"**Indexed:** {report.summary()}"]
    for f in report.failures:
        lines.append(f"- ❌ `{Path(f.path).name}` was not added: {f.reason}. The index is unchanged for this file.")
    added = [d for d in copied if d.resolve() not in failed]
    for d in added:
        lines.append(f"- ✓ `{d.name}` saved to `{d.parent}`")
    return "\n".join(lines), added


def build(ctx: AppContext) -> dict[str, Any]:
    with gr.Row():
        refresh = gr.Button("Refresh", size="sm", scale=0)
        counts = gr.Markdown(elem_id="corpus-counts")
    documents = gr.Dataframe(
        headers=DOC_HEADERS,
        interactive=False,
        wrap=True,
        max_height=400,
        column_widths=["26%", "38%", "9%", "11%", "10%", "6%"],
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
        rows = document_rows(ctx)
        decisions = sum(1 for r in rows if r[2] == "decision")
        units = sum(r[5] for r in rows)
        return rows, f"**{len(rows)} documents** ({decisions} decisions, {len(rows) - decisions} policies), {units} passages."

    def run_search(text: str, doc_kind: str, top: float) -> str:
        if not (text or "").strip():
            raise gr.Error("Type something to search for.")
        types = None if doc_kind == "all" else [doc_kind]
        return html.search_results_html(ctx.index.search(text, k=int(top), doc_types=types))

    def run_add(paths: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, list[list[Any]], str]:
        if not paths:
            raise gr.Error("Choose one or more files first.")
        report, _ = add_to_corpus(ctx, list(paths), progress)
        rows, summary = load_documents()
        return report, rows, summary

    refresh.click(load_documents, None, [documents, counts])
    search.click(run_search, [query, kind, k], [results])
    query.submit(run_search, [query, kind, k], [results])
    add_event = add.click(run_add, [files], [add_report, documents, counts], concurrency_limit=1, concurrency_id="ingest")
    return {"load_documents": load_documents, "documents": documents, "counts": counts, "added": add_event}
