"""The `foi` command: a thin shell over the library, sharing every behaviour with the app and the evals."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from assistant.settings import get_settings

MAX_REFERENCE = 100

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Draft FOI replies from past decisions and policies.")


def display_path(path: str) -> str:
    from assistant.documents import display_path as shown

    return shown(path)


def _index():  # noqa: ANN202 - imported lazily: loading the embedding stack takes seconds
    from assistant.index import Index

    return Index(get_settings())


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="Files or folders; default: the corpus folder."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Build the index again from the files given (the old index's document owners are not consulted; it is kept if nothing can be read)."),
    strict: bool = typer.Option(False, "--strict", help="Exit non-zero when any file fails."),
) -> None:
    """Index corpus files: unchanged units are skipped, edited ones replaced, deleted files' units removed."""
    from assistant.index import CorpusAccessDenied, IndexBusy, IndexUnavailable
    from assistant.uploads import corpus_roots, recover

    settings = get_settings()
    missing = [str(p) for p in (paths or []) if not p.exists()]
    if missing:
        _fail(f"not found: {', '.join(missing)}")
    roots = corpus_roots(settings, paths)
    index = _index()
    try:
        recover(index)  # an upload interrupted by a crash is undone first
        report = index.ingest(roots, rebuild=rebuild, show_bar=sys.stderr.isatty())
    except (CorpusAccessDenied, IndexBusy, IndexUnavailable) as exc:
        _fail(str(exc))
    typer.echo(f"Documents read: {report.documents}")
    typer.echo(
        f"Units added: {report.added}, updated: {report.updated}, removed: {report.removed}, unchanged: {report.unchanged}"
        + (f" ({report.relocated} at a new path)" if report.relocated else "")
    )
    typer.echo(f"Failures: {len(report.failures)}")
    for failure in report.failures:
        typer.echo(f"  skipped {display_path(failure.path)}: {failure.reason}")
    typer.echo(f"Seconds: {report.seconds:.2f}")
    if report.kept:
        typer.secho(report.kept, fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
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
    from assistant.index import IndexUnavailable

    if not query.strip():
        _fail("the query is empty")
    if k < 1 or k > 100:
        _fail(f"-k must be between 1 and 100, not {k}")
    if doc_type is not None and doc_type not in {"decision", "policy"}:
        _fail(f"--type must be decision or policy, not '{doc_type}'")
    types = [doc_type] if doc_type else None
    try:
        passages = _index().search(query, k=k, exclude=exclude, doc_types=types)
    except (IndexUnavailable, ValueError) as exc:
        _fail(str(exc))
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


def _read_request(source: str) -> str:
    """The request from a file or stdin, refusing binary or undecodable input with a clear message."""
    from assistant.readers import ReadError, decode_text

    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(source)
        if not path.is_file():
            _fail(f"request file not found: {source}")
        if path.suffix.lower() in {".pdf", ".docx", ".eml"}:
            from assistant.intake import request_text_from_file

            try:
                return request_text_from_file(path)
            except ReadError as exc:
                _fail(str(exc))
        data = path.read_bytes()
    try:
        return decode_text(data)
    except ReadError as exc:
        _fail(f"the request {exc}")
    return ""


def _parse_day(value: str, name: str):  # noqa: ANN202
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{name} must be a date as YYYY-MM-DD, not '{value}'")


@app.command()
def draft(
    source: str = typer.Argument(..., help="Request file (.txt, .eml, .docx, .pdf) or - for stdin."),
    engine: Optional[str] = typer.Option(None, help="extractive (default), llm or naive."),
    received: Optional[str] = typer.Option(None, help="Date received, YYYY-MM-DD (default today)."),
    reference: str = typer.Option("", help="The request's reference."),
    exclude: list[str] = typer.Option([], "--exclude", help="Document ids to leave out."),
    fmt: str = typer.Option("json", "--format", help="json, md or docx."),
    copy: str = typer.Option("reviewer", help="requester or reviewer (md/docx)."),
    out: Optional[Path] = typer.Option(None, help="Write here instead of stdout (required for docx)."),
) -> None:
    """Draft a reply to every question of a request, with verified citations and flags."""
    from datetime import date

    from assistant.deadlines import due_date
    from assistant.drafting import Drafter
    from assistant.index import IndexUnavailable
    from assistant.letter import LetterContext, letter_docx, render_letter
    from assistant.requests import RequestError, parse_request

    if fmt not in {"json", "md", "docx"}:
        _fail("--format must be json, md or docx")
    if copy not in {"requester", "reviewer"}:
        _fail("--copy must be requester or reviewer")
    if fmt == "docx" and out is None:
        _fail("--format docx needs --out FILE")
    reference = reference.strip()
    if len(reference) > MAX_REFERENCE or any(not ch.isprintable() for ch in reference):
        _fail(f"--reference must be one line of at most {MAX_REFERENCE} printable characters")
    if out is not None:
        _check_out(out)
    settings = get_settings()
    text = _read_request(source)
    day = _parse_day(received, "--received") if received else date.today()
    if day > date.today():
        _fail(f"--received {day.isoformat()} is in the future: give the date the request arrived")
    drafter = Drafter(settings)
    try:
        split = (engine or settings.engine) != "naive"  # the baseline drafts the whole request as one question
        parsed = parse_request(text, max_chars=settings.max_request_chars, max_questions=settings.max_questions) if split else None
        drafts = list(drafter.draft_request(text, engine=engine, exclude=exclude, received=day))
    except (RequestError, ValueError, IndexUnavailable) as exc:
        _fail(str(exc))
    for item in parsed.left_out if parsed else []:  # nothing dropped silently, whatever the format
        typer.echo(f"Possible question left out ({item.where}): {item.text}", err=True)
    due = due_date(day)
    if fmt == "json":
        payload = json.dumps(
            {
                "reference": reference,
                "received": day.isoformat(),
                "due": due.isoformat(),
                "questions": [d.to_json() for d in drafts],
                # what the splitter kept around the questions, and any ask it left outside them
                "request": {k: v for k, v in parsed.to_json().items() if k != "questions"} if parsed else {},
            },
            indent=2,
            ensure_ascii=False,
        )
        _write_out(payload.encode("utf-8"), out)
        return
    ctx = LetterContext.from_settings(
        settings, reference=reference or "(not yet assigned)", received=day, reply_date=date.today()
    )
    if fmt == "md":
        _write_out(render_letter(ctx, drafts, copy).encode("utf-8"), out)  # type: ignore[arg-type]
    else:
        _write_out(letter_docx(ctx, drafts, copy), out)  # type: ignore[arg-type]


def _write_out(data: bytes, out: Optional[Path]) -> None:
    """Write whole or not at all: a temp file renamed into place, so a failure leaves no half file."""
    if out is None:
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.write("\n")
        return
    _check_out(out)
    tmp = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(out)
    except OSError as exc:
        if tmp.is_file():
            tmp.unlink()
        _fail(f"cannot write {out}: {exc.strerror or exc}")
    typer.echo(f"Wrote {out}", err=True)


def _check_out(out: Path) -> None:
    """Refuse an --out that cannot take a file before any work is done (a folder, a missing or read-only place)."""
    import os

    if out.is_dir():
        _fail(f"--out {out} is a folder: give a file name")
    parent = out.parent if str(out.parent) else Path(".")
    existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        _fail(f"--out {out}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        _fail(f"--out {out}: no permission to write there")


@app.command()
def deadline(
    received: str = typer.Argument(..., help="Date received, YYYY-MM-DD."),
    clarified: Optional[str] = typer.Option(None, help="Date a requested clarification arrived (restarts the clock)."),
    extension: int = typer.Option(0, help="Public-interest extension in working days (0-20)."),
) -> None:
    """The statutory due date: the 20th working day after receipt (UK bank holidays excluded)."""
    from datetime import date

    from assistant.deadlines import deadline_for

    day = _parse_day(received, "the received date")
    clar = _parse_day(clarified, "--clarified") if clarified else None
    try:
        info = deadline_for(day, date.today(), clarified=clar, extension_working_days=extension)
    except ValueError as exc:
        _fail(str(exc))
    state = "overdue" if info.overdue else "working days remaining"
    typer.echo(f"Received {info.received.isoformat()}; {abs(info.days_remaining)} {state if not info.overdue else 'working days overdue'}")
    typer.echo(info.due.isoformat())


@app.command()
def serve(
    host: Optional[str] = typer.Option(None, help="Default from settings (127.0.0.1)."),
    port: Optional[int] = typer.Option(None, help="Default from settings (7860)."),
) -> None:
    """Start the web app."""
    from assistant.ui.app import launch

    launch(host=host, port=port)


@app.command("hash-password")
def hash_password_command() -> None:
    """Print a bcrypt hash of a password typed at the prompt, for a user's password_hash in the settings."""
    from assistant.signin import hash_password

    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        typer.echo(hash_password(password))
    except ValueError as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(2) from None


@app.command("eval")
def eval_(
    cases: Optional[Path] = typer.Option(None, "--cases", help="Folder (or file) of evaluation cases; default evals/cases."),
    engine: list[str] = typer.Option([], "--engine", help="Engine to evaluate, repeatable; default extractive and naive."),
    k: int = typer.Option(5, "--k", help="Retrieval recall is measured in the top k passages."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder; default evals/runs/<timestamp>."),
    compare: Optional[Path] = typer.Option(None, "--compare", help="An earlier results.json to report deltas against."),
    calibrate: bool = typer.Option(False, "--calibrate", help="Only check the support judge against the hand labels."),
    subset: Optional[int] = typer.Option(None, "--subset", help="Run N cases spread over the set."),
    fast: bool = typer.Option(False, "--fast", help="Run the CI gate's fast subset (evals/thresholds.yaml)."),
    judge: str = typer.Option("checker", "--judge", help="checker (offline, default) or llm (the configured model)."),
    split: str = typer.Option("all", "--split", help="dev (tune on this), test (baseline and CI gate) or all."),
    real_only: bool = typer.Option(False, "--real-only", help="Only the real requests: splitting score and known outcomes."),
) -> None:
    """Evaluate drafting: correct / abstained / confident error per question, citations, key facts, retrieval, status."""
    from datetime import datetime

    from assistant.evaluation.cases import CaseError
    from assistant.evaluation.runner import CASES_DIR, evaluate
    from assistant.index import IndexUnavailable
    from assistant.settings import REPO_ROOT

    if subset is not None and fast:
        _fail("use --subset N or --fast, not both")
    if compare is not None and not compare.is_file():
        _fail(f"--compare file not found: {compare}")
    out_dir = out or REPO_ROOT / "evals" / "runs" / datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        results, paths = evaluate(
            get_settings(),
            cases_dir=cases or CASES_DIR,
            out_dir=out_dir,
            engines=engine or ("extractive", "naive"),
            k=k,
            compare=compare,
            calibrate_only=calibrate,
            subset_size=subset,
            fast=fast,
            judge_name=judge,
            split=split,
            real_only=real_only,
            progress=lambda msg: typer.echo(msg, err=True),
        )
    except (CaseError, ValueError, FileNotFoundError, IndexUnavailable) as exc:
        _fail(str(exc))
    for name, data in results["engines"].items():
        for split_name, o in [*(data.get("splits") or {}).items(), ("all", data["summary"])]:
            typer.echo(
                f"{name} / {split_name}: correct {_pct(o['correct_rate'])}, confident errors {_pct(o['confident_error_rate'])}, "
                f"truthfulness {_pct(o['truthfulness'])}, abstention (no evidence) {_pct(o['abstention_no_evidence'])}, "
                f"period accuracy {_pct(o['period_accuracy'])}, sub-part coverage {_pct(o['sub_part_coverage'])}"
            )
        s = data["summary"]
        typer.echo(
            f"{name}: validity {_pct(s['citation_validity'])}, precision {_pct(s['citation_precision'])}, "
            f"recall {_pct(s['citation_recall'])}, unsupported {_pct(s['unsupported_rate'])}, key facts {_pct(s['key_fact_recall'])}, "
            f"recall@{k} {_pct(s['retrieval_recall_at_k'])}, status {_pct(s['status_agreement'])}, "
            f"abstention {_pct(s['abstention'])}, ROUGE-L {_pct(s['rouge_l'])}, {s['seconds_per_question'] or 0:.2f} s/question"
        )
        if name != "naive":
            _echo_misses(name, [(c["id"], c.get("split", ""), q) for c in data["cases"] for q in c["questions"]])
    real = results.get("real_requests")
    if real:
        sp = real["splitting"]["summary"]
        typer.echo(
            f"real requests: {sp['requests']}, question count match {_pct(sp['question_count_match'])}, "
            f"sub-part count match {_pct(sp['sub_part_count_match'])}, items lost {sp['items_lost']} of {sp['items']}"
        )
        for name, data in real.get("outcomes", {}).items():
            o = data["summary"]
            typer.echo(
                f"real requests / {name}: {len(data['questions'])} questions with known answers, correct {_pct(o['correct_rate'])}, "
                f"abstained {_pct(o['abstained_rate'])}, confident errors {_pct(o['confident_error_rate'])}"
            )
            if name != "naive":
                _echo_misses(f"real requests / {name}", [(q["id"], "real", q) for q in data["questions"]])
    if results.get("search"):
        typer.echo(f"hybrid search hit@{results['search']['k']}: {_pct(results['search']['hit_rate'])}")
    if results.get("calibration"):
        c = results["calibration"]
        typer.echo(
            f"judge: kappa {c['at_threshold']['kappa']:.3f} at threshold {c['threshold']:.2f}; "
            f"best threshold {c['best_threshold']:.2f} (kappa {c['best_kappa']:.3f})"
        )
    typer.echo(f"Report: {paths['markdown']}")


def _pct(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _echo_misses(label: str, rows: list) -> None:
    """One line: the questions with evidence not answered correctly, counted by first cause (report.md lists each)."""
    from assistant.evaluation.misses import CAUSES, count_by_cause, misses

    counts = count_by_cause(misses(rows))
    if counts:
        typer.echo(f"{label} misses by cause: " + ", ".join(f"{CAUSES[c][0]} {n}" for c, n in counts.items()))


if __name__ == "__main__":  # pragma: no cover
    app()
