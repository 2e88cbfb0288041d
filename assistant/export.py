"""Write a case's reply files: the requester letter (Word, no markers) and the reviewer pack (Word and Markdown).

Files go under `<data dir>/exports/case-<id>/`, named after the case reference, and are rewritten on each export so
they always match the answers as saved.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assistant.cases import Case
from assistant.letter import LetterContext, letter_docx, render_letter
from assistant.settings import Settings


@dataclass(frozen=True)
class ExportFiles:
    letter_docx: Path
    letter_md: Path
    pack_docx: Path
    pack_md: Path


def letter_context(case: Case, settings: Settings, reply_date: date) -> LetterContext:
    return LetterContext(
        council=settings.council,
        reference=case.reference,
        received=case.received,
        reply_date=reply_date,
        requester=case.requester,
        officer=settings.officer_title,
        review_contact=settings.review_contact,
    )


def file_stem(reference: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", reference).strip("-").lower() or "case"


def export_case(case: Case, settings: Settings, reply_date: date | None = None) -> ExportFiles:
    """Render both copies of the letter for a case; raises ValueError when the case has no answers yet."""
    if not case.drafts:
        raise ValueError(f"{case.reference} has no drafted answers to export yet.")
    ctx = letter_context(case, settings, reply_date or date.today())
    folder = (settings.data_dir / "exports" / f"case-{case.id}").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(case.reference)
    files = ExportFiles(
        letter_docx=folder / f"{stem}-letter.docx",
        letter_md=folder / f"{stem}-letter.md",
        pack_docx=folder / f"{stem}-reviewer-pack.docx",
        pack_md=folder / f"{stem}-reviewer-pack.md",
    )
    files.letter_docx.write_bytes(letter_docx(ctx, case.drafts, "requester"))
    files.letter_md.write_text(render_letter(ctx, case.drafts, "requester"), encoding="utf-8")
    files.pack_docx.write_bytes(letter_docx(ctx, case.drafts, "reviewer"))
    files.pack_md.write_text(render_letter(ctx, case.drafts, "reviewer"), encoding="utf-8")
    return files
