"""The service's return as a source: pasted text or a file read into citable items, kept with the case.

A table row is read with its column headers ("Year: 2023/24; Agency spend: £3,120,400"), so a cited row says what
its figure measures. Each item becomes a passage titled "Service return — Children's Services, 2 June 2025"; the
passages are added to what drafting and the checks see for that case's questions, and never to the shared index.
A file that cannot be used is refused with a reason and nothing is stored.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

from assistant.intake import email_body
from assistant.readers import DEFAULT_LIMITS, Limits, ReadError, check_zip, decode_text, read_checked_bytes, read_docx, read_pdf
from assistant.models import DocType, Passage, Unit

RETURN_SUFFIXES = (".txt", ".csv", ".xlsx", ".docx", ".pdf", ".eml")
MAX_ROWS = 5_000
_LIST_ITEM = re.compile(r"^(?:[-*•]|\d+[.)]|[a-z][.)])\s+")


@dataclass
class ServiceReturn:
    """A return read and checked, ready to store: its full text and its items (paragraphs, rows with headers)."""

    area: str
    received: date
    text: str
    items: list[str]
    source_name: str = ""

    @property
    def title(self) -> str:
        return return_title(self.area, self.received)


def return_title(area: str, received: date) -> str:
    return f"Service return — {area}, {received:%-d %B %Y}"


# -- reading -------------------------------------------------------------------------------------------------------
def read_return_text(text: str, *, area: str, received: date, source_name: str = "pasted text") -> ServiceReturn:
    """A pasted return: paragraphs and lines; a pasted table (tabs or commas on every line) is read as a table."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ReadError("the return is empty: paste the service's reply or upload its file")
    lines = [l for l in text.split("\n") if l.strip()]
    if len(lines) >= 2 and all("\t" in l for l in lines):
        items = table_items([l.split("\t") for l in lines], "the pasted table")
    else:
        items = _paragraph_items(text)
    return _checked(area, received, text, items, source_name)


def read_return_file(name: str, data: bytes, *, area: str, received: date, limits: Limits = DEFAULT_LIMITS) -> ServiceReturn:
    """A returned file (.txt, .csv, .xlsx, .docx, .pdf, .eml); raises ReadError with the reason when unusable."""
    suffix = Path(name).suffix.lower()
    if suffix not in RETURN_SUFFIXES:
        raise ReadError(f"'{Path(name).name}' cannot be read as a return: use one of {', '.join(RETURN_SUFFIXES)}")
    if not data or not data.strip():
        raise ReadError(f"'{Path(name).name}' is empty")
    try:
        if suffix == ".xlsx":
            items = xlsx_items(data, limits)
            text = "\n".join(items)
        elif suffix == ".csv":
            items = table_items(list(csv.reader(io.StringIO(decode_text(data)))), "the CSV file")
            text = "\n".join(items)
        elif suffix == ".docx":
            result = read_docx(data, limits)  # checks the package and limits; tables are re-read with headers
            text = result.raw_text
            table_rows = docx_table_rows(data)
            prose = [b.text for b in result.blocks if b.level == 0 and b.text not in table_rows]
            items = prose + docx_table_items(data)
        elif suffix == ".pdf":
            text = read_pdf(data, limits).raw_text
            items = _paragraph_items(text)
        elif suffix == ".eml":
            text = email_body(data)
            items = _paragraph_items(text)
        else:
            text = decode_text(data)
            items = _paragraph_items(text)
    except ReadError as exc:
        raise ReadError(f"'{Path(name).name}': {exc}") from exc
    return _checked(area, received, text, items, Path(name).name)


def read_return_path(path: str | Path, *, area: str, received: date, max_bytes: int = 25 * 1024 * 1024,
                     limits: Limits = DEFAULT_LIMITS) -> ServiceReturn:
    path = Path(path)
    try:
        data = read_checked_bytes(path, max_bytes=max_bytes)
    except ReadError as exc:
        raise ReadError(f"'{path.name}': {exc}") from exc
    return read_return_file(path.name, data, area=area, received=received, limits=limits)


def _checked(area: str, received: date, text: str, items: list[str], source_name: str) -> ServiceReturn:
    if not (area or "").strip():
        raise ReadError("say which service area the return is from")
    if received is None:
        raise ReadError("give the date the service returned the figures")
    items = [i for i in dict.fromkeys(x.strip() for x in items) if i]
    if not items:
        raise ReadError(f"no text could be read from {source_name or 'the return'}")
    return ServiceReturn(area.strip(), received, text.strip(), items, source_name)


def _paragraph_items(text: str) -> list[str]:
    """Paragraphs, one item each; a line of a list stays its own item (with the lead-in line before the list)."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        lines = [l.strip() for l in para.split("\n") if l.strip()]
        if not lines:
            continue
        listy = [l for l in lines[1:] if _LIST_ITEM.match(l)]
        if len(listy) >= 2 and len(listy) == len(lines) - 1:
            lead = lines[0].rstrip(":")
            out += [f"{lead}: {_LIST_ITEM.sub('', l)}" for l in listy]
        else:
            out.append(" ".join(lines))
    return out


# -- tables --------------------------------------------------------------------------------------------------------
def cell_text(value: Any) -> str:
    """A cell as the service wrote it: thousands separators kept for counts, dates in words, blanks empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%-d %B %Y}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value).strip()


def table_items(rows: Sequence[Sequence[Any]], where: str, sheet: str = "") -> list[str]:
    """Rows read with their column headers; raises ReadError when the table is malformed (ragged, headless)."""
    cleaned = [[cell_text(c) for c in row] for row in rows]
    while cleaned and not any(cleaned[-1]):
        cleaned.pop()
    cleaned = [r for r in cleaned]
    start = next((i for i, r in enumerate(cleaned) if any(r)), None)
    if start is None:
        raise ReadError(f"{where} has no rows")
    headers = cleaned[start]
    width = max(i for i, h in enumerate(headers) if h) + 1 if any(headers) else 0
    headers = headers[:width]
    if len([h for h in headers if h]) < 2:
        raise ReadError(f"{where} has no header row (the first row must name each column)")
    missing = [i + 1 for i, h in enumerate(headers) if not h]
    if missing:
        raise ReadError(f"{where}: column {missing[0]} of the header row is empty; every column needs a heading")
    body = cleaned[start + 1 :]
    if not any(any(r) for r in body):
        raise ReadError(f"{where} has a header row but no figures under it")
    if len(body) > MAX_ROWS:
        raise ReadError(f"{where} has {len(body)} rows, over the {MAX_ROWS} a return may have")
    prefix = f"{sheet} — " if sheet else ""
    items = []
    for n, row in enumerate(body, start=start + 2):
        if not any(row):
            continue
        extra = [c for c in row[width:] if c]
        if extra:
            raise ReadError(f"{where}: row {n} has values beyond the last headed column ('{extra[0][:30]}')")
        row = list(row[:width]) + [""] * (width - len(row))
        lead, rest = row[0], [(h, c) for h, c in zip(headers[1:], row[1:]) if c]
        if not rest:
            items.append(f"{prefix}{headers[0]}: {lead}")
            continue
        fields = "; ".join(f"{h}: {c}" for h, c in rest)
        items.append(f"{prefix}{headers[0]} {lead} — {fields}" if lead else f"{prefix}{fields}")
    return items


def xlsx_items(data: bytes, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Every sheet's rows with their headers; a file that is not a workbook is refused with the reason."""
    if not data.startswith(b"PK"):
        raise ReadError("the file is not an .xlsx spreadsheet (it is damaged, or another format renamed .xlsx)")
    check_zip(data, limits, kind="spreadsheet")
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, InvalidFileException, zip errors) for bad files
        raise ReadError(f"the spreadsheet cannot be opened ({type(exc).__name__}: {str(exc)[:80]}); save it again as .xlsx") from exc
    items: list[str] = []
    try:
        sheets = book.worksheets
        for sheet in sheets:
            rows = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 50))
            if not any(any(c is not None and str(c).strip() for c in r) for r in rows):
                continue
            label = sheet.title if len(sheets) > 1 else ""
            items += table_items(rows, f"sheet '{sheet.title}'", label)
    finally:
        book.close()
    if not items:
        raise ReadError("the spreadsheet has no figures in any sheet")
    return items


def docx_table_rows(data: bytes) -> set[str]:
    """Table rows as the Word reader writes them ("a | b | c"), so they are not read twice as prose."""
    from docx import Document

    return {" | ".join(" ".join(c.text.split()) for c in row.cells) for t in Document(io.BytesIO(data)).tables for row in t.rows}


def docx_table_items(data: bytes) -> list[str]:
    """Tables in a returned Word document, row by row with their headers (the text reader keeps paragraphs only)."""
    from docx import Document

    items: list[str] = []
    for i, table in enumerate(Document(io.BytesIO(data)).tables, start=1):
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        items += table_items(rows, f"table {i} of the document")
    return items


# -- as passages ---------------------------------------------------------------------------------------------------
def return_passages(returns: Iterable[Any], case_id: int | str = "") -> list[Passage]:
    """Citable passages from stored (or just read) returns: one per item, titled with the service and date."""
    out: list[Passage] = []
    for ret in returns:
        title = return_title(ret.area, ret.received)
        key = getattr(ret, "id", None) or hashlib.sha1(ret.text.encode()).hexdigest()[:10]
        doc_id = f"service-return-{case_id}-{key}" if case_id != "" else f"service-return-{key}"
        for n, item in enumerate(ret.items, start=1):
            unit = Unit(
                id=f"{doc_id}-{n}",
                doc_id=doc_id,
                doc_type=DocType.SERVICE_RETURN,
                title=title,
                text=f"{title}. {item}",
                source_path=getattr(ret, "source_name", "") or "",
                reference=title,
                decided=ret.received,
                answer=item,
                extra={"service_area": ret.area},
            )
            out.append(Passage(unit=unit, score=1.0, rank=len(out) + 1, method="service_return", similarity=1.0))
    return out
