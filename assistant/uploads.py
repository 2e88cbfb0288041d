"""Corpus uploads: files added through the app, kept in the data folder (never the source tree).

A replacement is a small transaction: a journal names the files, the files they replace are kept aside, then the
new files are moved in and indexed. A process killed at any point leaves the journal behind; `recover` (run
before the next upload, ingest or app start) puts the previous files back and re-indexes them, so the files on
disk and the index always agree.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from assistant.documents import Failure, display_path
from assistant.index import Index, IngestReport, corpus_actor
from assistant.readers import SUPPORTED_SUFFIXES

Progress = Callable[[int, int, str], None]


@dataclass
class UploadResult:
    report: IngestReport
    added: list[Path] = field(default_factory=list)
    refused: list[Failure] = field(default_factory=list)


def uploads_dir(settings: Any) -> Path:
    return (Path(settings.data_dir) / "uploads").resolve()


def _work_dir(settings: Any) -> Path:
    return (Path(settings.data_dir) / "uploads-work").resolve()


def _journal(settings: Any) -> Path:
    return _work_dir(settings) / "journal.json"


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _name_problem(name: str) -> str | None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8 text: rename it"
    if not name or name != Path(name).name or name in {".", ".."}:
        return "not a plain file name"
    if name.startswith((".", "_")):
        return "names starting with '.' or '_' are never indexed: rename the file"
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"unsupported file type '{Path(name).suffix or name}'"
    return None


def _write_journal(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def recover(index: Index) -> bool:
    """Undo an upload that was interrupted (killed) half way: previous files back, new ones out, re-indexed.
    Returns True when there was something to undo."""
    settings = index.settings
    journal = _journal(settings)
    work = _work_dir(settings)
    if not journal.exists():
        if work.exists():  # staging left by a kill before the journal was written: nothing was touched
            shutil.rmtree(work, ignore_errors=True)
        return False
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {"files": []}
    target = uploads_dir(settings)
    touched: list[Path] = []
    for entry in data.get("files", []):
        final = target / entry["name"]
        backup = work / data["id"] / (entry["name"] + ".previous")
        if entry.get("had_previous") and backup.exists():
            os.replace(backup, final)
        elif not entry.get("had_previous"):
            final.unlink(missing_ok=True)
        touched.append(final)
    if touched and target.is_dir():
        index.ingest([target], user=None)  # brings the index back in line with the files as they now are
    journal.unlink(missing_ok=True)
    shutil.rmtree(work, ignore_errors=True)
    return True


def add_files(
    index: Index, files: Sequence[str | Path], *, user: str | None, progress: Progress | None = None
) -> UploadResult:
    """Copy uploaded files into the uploads folder and index them, as `user` (who must hold a corpus role).

    A file that fails (unreadable, an id or reference owned by another document) is taken out again and the file
    it would have replaced is put back, so the index and the folder stay as they were for it."""
    settings = index.settings
    corpus_actor(settings, user)  # refuse before anything is written
    recover(index)
    target = _private_dir(uploads_dir(settings))
    refused: list[Failure] = []
    chosen: list[Path] = []
    for f in files:
        src = Path(f)
        problem = _name_problem(src.name)
        if problem:
            refused.append(Failure(display_path(src.name), problem, "refused"))
        elif src.name in {c.name for c in chosen}:
            refused.append(Failure(src.name, "the same file name is uploaded twice", "refused"))
        else:
            chosen.append(src)
    if not chosen:
        return UploadResult(IngestReport(failures=list(refused)), [], refused)
    txn = uuid.uuid4().hex[:12]
    stage = _private_dir(_work_dir(settings) / txn)
    entries = []
    for src in chosen:
        staged = stage / src.name
        shutil.copyfile(src, staged)
        os.chmod(staged, 0o600)
        entries.append({"name": src.name, "had_previous": (target / src.name).exists()})
    _write_journal(_journal(settings), {"id": txn, "user": user or "", "files": entries})
    # From here a kill is undone by recover(): previous files kept aside, then the new ones moved in.
    for entry in entries:
        final = target / entry["name"]
        if entry["had_previous"]:
            shutil.copy2(final, stage / (entry["name"] + ".previous"))
    for entry in entries:
        os.replace(stage / entry["name"], target / entry["name"])
    finals = [target / e["name"] for e in entries]
    try:
        report = index.ingest(finals, progress=progress, user=user)
    except BaseException:
        recover(index)
        raise
    failed = {os.path.abspath(f.path) for f in report.failures}
    to_restore = [e for e in entries if os.path.abspath(target / e["name"]) in failed]
    for entry in to_restore:
        final = target / entry["name"]
        backup = stage / (entry["name"] + ".previous")
        if entry["had_previous"] and backup.exists():
            os.replace(backup, final)
        else:
            final.unlink(missing_ok=True)
    # A bad file kept its previous units and a refused copy never had any: folder and index agree again.
    _journal(settings).unlink(missing_ok=True)
    shutil.rmtree(stage, ignore_errors=True)
    report.failures = refused + report.failures
    added = [p for p in finals if os.path.abspath(p) not in failed]
    return UploadResult(report, added, refused)


def corpus_roots(settings: Any, paths: Sequence[Path] | None = None) -> list[Path]:
    """What `foi ingest` reads: the given paths (default the corpus folder) and always the uploads folder, so a
    rebuild keeps what was uploaded through the app."""
    roots = [Path(p) for p in paths] if paths else [Path(settings.corpus_dir)]
    up = uploads_dir(settings)
    if up.is_dir() and not any(os.path.abspath(up).startswith(os.path.abspath(r) + os.sep) or os.path.abspath(up) == os.path.abspath(r) for r in roots):
        roots.append(up)
    return roots
