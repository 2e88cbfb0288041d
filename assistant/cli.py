"""The `foi` command: a thin shell over the library, sharing every behaviour with the app and the evals."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from assistant.settings import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Draft FOI replies from past decisions and policies.")


def _index():  # noqa: ANN202 - imported lazily: loading the embedding stack takes seconds
    from assistant.index import Index

    return Index(get_settings())


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="Files or folders; default: the corpus folder."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Drop the index and build it again."),
    strict: bool = typer.Option(False, "--strict", help="Exit non-zero when any file fails."),
) -> None:
    """Index corpus files: unchanged units are skipped, edited ones replaced, deleted files' units removed."""
    settings = get_settings()
    roots = list(paths) if paths else [settings.corpus_dir]
    missing = [str(p) for p in roots if not p.exists()]
    if missing:
        _fail(f"not found: {', '.join(missing)}")
    report = _index().ingest(roots, rebuild=rebuild, show_bar=sys.stderr.isatty())
    typer.echo(f"Documents read: {report.documents}")
    typer.echo(
        f"Units added: {report.added}, updated: {report.updated}, removed: {report.removed}, unchanged: {report.unchanged}"
    )
    typer.echo(f"Failures: {len(report.failures)}")
    for failure in report.failures:
        typer.echo(f"  skipped {failure}")
    typer.echo(f"Seconds: {report.seconds:.2f}")
    if strict and report.failures:
        raise typer.Exit(1)


@app.command()
def search(
    query: str = typer.Argument(..., help="What to look for."),
    k: int = typer.Option(5, "-k", help="How many passages."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    exclude: list[str] = typer.Option([], "--exclude", help="Document ids to leave out."),
    doc_type: Optional[str] = typer.Option(None, "--type", help="decision or policy."),
) -> None:
    """Hybrid (dense + BM25) search of the corpus."""
    if not query.strip():
        _fail("the query is empty")
    types = [doc_type] if doc_type else None
    passages = _index().search(query, k=k, exclude=exclude, doc_types=types)
    if as_json:
        typer.echo(json.dumps([passage_json(p) for p in passages], indent=2, ensure_ascii=False))
        return
    if not passages:
        typer.echo("No passages found (is the index empty? run `foi ingest`).")
    for p in passages:
        u = p.unit
        date = u.date.isoformat() if u.date else "undated"
        ref = f" [{u.reference}]" if u.reference else ""
        where = f" Q{','.join(u.question_numbers)}" if u.question_numbers else (f" § {' > '.join(u.heading_path[-2:])}" if u.heading_path else "")
        typer.secho(f"{p.rank}. {u.title}{ref}{where} ({date}) score={p.score:.4f} sim={p.similarity:.2f} id={u.doc_id}", bold=True)
        text = " ".join(u.text.split())
        typer.echo(f"   {text[:400]}{'…' if len(text) > 400 else ''}")


def passage_json(p) -> dict:  # noqa: ANN001
    u = p.unit
    return {
        "rank": p.rank,
        "score": round(p.score, 6),
        "similarity": round(p.similarity, 4),
        "id": u.id,
        "doc_id": u.doc_id,
        "doc_type": u.doc_type.value,
        "title": u.title,
        "reference": u.reference,
        "date": u.date.isoformat() if u.date else None,
        "question_numbers": list(u.question_numbers),
        "heading_path": list(u.heading_path),
        "text": u.text,
    }


@app.command()
def stats(as_json: bool = typer.Option(False, "--json")) -> None:
    """Documents and units in the index."""
    index = _index()
    docs = index.documents()
    if as_json:
        typer.echo(json.dumps({"units": index.count(), "documents": docs}, indent=2))
        return
    decisions = sum(1 for d in docs if d["type"] == "decision")
    typer.echo(f"Units: {index.count()}  Documents: {len(docs)} ({decisions} decisions, {len(docs) - decisions} policies)")
    for d in docs:
        typer.echo(f"  {d['type']:<8} {d['units']:>4}  {d['doc_id']}  {d['title']}")


@app.command()
def serve(
    host: Optional[str] = typer.Option(None, help="Default from settings (127.0.0.1)."),
    port: Optional[int] = typer.Option(None, help="Default from settings (7860)."),
) -> None:
    """Start the web app."""
    from assistant.ui.app import launch

    launch(host=host, port=port)


if __name__ == "__main__":  # pragma: no cover
    app()
