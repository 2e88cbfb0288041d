"""Write a case's reply files: the requester letter (Word and Markdown, no markers) and the reviewer pack (Word
and Markdown).

The files hold requesters' names and unpublished answers, so they are private to the account running the app:
each is written 0600 (atomically, never half written) in a 0700 folder `<data dir>/exports/case-<id>/`, and
`remove_private_files` deletes the exports and the app's temporary folder when the app stops. They are rewritten
on each export so they always match the answers as saved.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assistant.cases import Case
from assistant.letter import LetterContext, letter_docx, render_letter
from assistant.settings import Settings

FILE_MODE = 0o600
FOLDER_MODE = 0o700


@dataclass(frozen=True)
class ExportFiles:
    letter_docx: Path
    letter_md: Path
    pack_docx: Path
    pack_md: Path


def letter_context(case: Case, settings: Settings, reply_date: date) -> LetterContext:
    return LetterContext.from_settings(
        settings, reference=case.reference, received=case.received, reply_date=reply_date, requester=case.requester
    )


def file_stem(reference: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", reference).strip("-").lower()[:80].strip("-") or "case"


def private_folder(path: Path) -> Path:
    """A folder only this account can open (0700), made if missing and tightened if it was looser."""
    path = Path(path)
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(path, FOLDER_MODE)
    return path.resolve()


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by this account only (0600), whole or not at all."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def exports_root(settings: Settings) -> Path:
    return private_folder(settings.data_dir / "exports")


def app_temp_dir(settings: Settings) -> Path:
    """The private folder the app gives Gradio for uploads and the copies of files it serves."""
    return private_folder(settings.data_dir / "app-temp")


def remove_private_files(settings: Settings) -> None:
    """Delete every exported letter and pack and the app's temporary files (when the app stops)."""
    for folder in (settings.data_dir / "exports", settings.data_dir / "app-temp"):
        shutil.rmtree(folder, ignore_errors=True)


def export_case(case: Case, settings: Settings, reply_date: date | None = None) -> ExportFiles:
    """Render both copies of the letter for a case; raises ValueError when the case has no answers yet."""
    if not case.drafts:
        raise ValueError(f"{case.reference} has no drafted answers to export yet.")
    ctx = letter_context(case, settings, reply_date or date.today())
    folder = private_folder(exports_root(settings) / f"case-{case.id}")
    stem = file_stem(case.reference)
    files = ExportFiles(
        letter_docx=folder / f"{stem}-letter.docx",
        letter_md=folder / f"{stem}-letter.md",
        pack_docx=folder / f"{stem}-reviewer-pack.docx",
        pack_md=folder / f"{stem}-reviewer-pack.md",
    )
    prompts = settings.prompts_dir / "letter"
    write_private(files.letter_docx, letter_docx(ctx, case.drafts, "requester", templates_dir=prompts))
    write_private(files.letter_md, render_letter(ctx, case.drafts, "requester", templates_dir=prompts).encode("utf-8"))
    write_private(files.pack_docx, letter_docx(ctx, case.drafts, "reviewer", templates_dir=prompts, resolutions=case.resolutions))
    write_private(files.pack_md, render_letter(ctx, case.drafts, "reviewer", templates_dir=prompts, resolutions=case.resolutions).encode("utf-8"))
    return files
