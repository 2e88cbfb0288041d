"""Read corpus files into text blocks, refusing bad input with a one-line reason.

Every reader returns ``Block`` objects: a heading (with its level) or a paragraph. Keeping headings as
structure lets the chunker record where a passage sits in its document.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


class ReadError(Exception):
    """A file that cannot be used; the message is shown to the officer as the reason."""


@dataclass(frozen=True)
class Block:
    text: str
    level: int = 0  # 0 for a paragraph, 1..6 for a heading


@dataclass
class ReadResult:
    blocks: list[Block]
    meta: dict
    raw_text: str


def read_checked_bytes(path: Path, *, max_bytes: int) -> bytes:
    """The file's bytes, refusing unreadable, empty and oversize files with a short reason."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot be read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise ReadError("the file is empty")
    if len(data) > max_bytes:
        raise ReadError(f"the file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    return data


def read_file(path: Path, *, max_bytes: int, data: bytes | None = None) -> ReadResult:
    """Dispatch on the file suffix; raise ReadError with a short reason for anything unusable."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(f"unsupported file type '{suffix or path.name}'")
    if data is None:
        data = read_checked_bytes(path, max_bytes=max_bytes)
    if suffix == ".pdf":
        result = read_pdf(data)
    elif suffix == ".docx":
        result = read_docx(data)
    else:
        text = decode_text(data)
        result = read_html(text) if suffix in HTML_SUFFIXES else read_markdown(text)
    if not any(b.text.strip() for b in result.blocks if b.level == 0):
        raise ReadError("no text could be extracted")
    return result


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), falling back to Windows-1252, refusing binary content."""
    if b"\x00" in data[:8192]:
        raise ReadError("looks like a binary file, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ReadError("the text encoding is not recognised")
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > max(8, len(text[:8192]) // 50):
        raise ReadError("looks like a binary file, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[dict, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ReadError(f"malformed front matter: {str(exc).splitlines()[0]}") from exc
    if not isinstance(meta, dict):
        raise ReadError("malformed front matter: expected key: value pairs")
    return meta, text[match.end():]


def read_markdown(text: str) -> ReadResult:
    meta, body = split_front_matter(text)
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block(" ".join(s.strip() for s in paragraph).strip()))
            paragraph.clear()

    for line in body.split("\n"):
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            blocks.append(Block(heading.group(2).strip(), len(heading.group(1))))
        elif not line.strip():
            flush()
        elif re.match(r"^\s*([-*+•]|\d+[.)])\s+", line):
            flush()
            paragraph.append(line.strip())
        else:
            paragraph.append(line)
    flush()
    return ReadResult([b for b in blocks if b.text], meta, body)


def read_html(text: str) -> ReadResult:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    meta: dict = {}
    if soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    for tag in soup(["script", "style", "nav", "footer", "header", "noscript", "form", "aside"]):
        tag.decompose()
    body = soup.body or soup
    blocks: list[Block] = []
    for el in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "dd", "dt", "pre"]):
        if el.name in {"p", "li", "td", "th", "dd", "dt"} and el.find_parent(["li", "td", "th"]) is not None:
            continue  # nested inside a block already taken whole
        words = " ".join(el.get_text(" ", strip=True).split())
        if not words:
            continue
        level = int(el.name[1]) if el.name.startswith("h") and el.name[1:].isdigit() else 0
        blocks.append(Block(("- " + words) if el.name == "li" else words, level))
    return ReadResult(blocks, meta, "\n".join(b.text for b in blocks))


def read_pdf(data: bytes) -> ReadResult:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ReadError("the PDF is encrypted (password protected)")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta: dict = {}
        info = reader.metadata
        if info and info.title:
            meta["title"] = str(info.title)
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ReadError(f"the PDF is damaged or unreadable ({type(exc).__name__})") from exc
    except Exception as exc:  # pypdf raises many kinds on corrupt input
        raise ReadError(f"the PDF is damaged or unreadable ({type(exc).__name__})") from exc
    text = "\n".join(pages)
    return ReadResult(_blocks_from_plain_lines(text), meta, text)


def _blocks_from_plain_lines(text: str) -> list[Block]:
    """PDF text has no structure: a short line without final punctuation, set apart, reads as a heading."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block(" ".join(paragraph).strip()))
            paragraph.clear()

    lines = [line.strip() for line in text.split("\n")]
    for line in lines:
        if not line:
            flush()
            continue
        words = line.split()
        looks_heading = (
            len(words) <= 10
            and line[0].isupper()
            and not re.search(r"[.,;:]$", line)
            and not line.startswith(("-", "•"))
            and (not paragraph or re.search(r"[.:;!?]$", paragraph[-1]))
        )
        if looks_heading:
            flush()
            blocks.append(Block(line, 2))
        elif line.startswith(("-", "•")):
            flush()
            paragraph.append(line)
        else:
            paragraph.append(line)
    flush()
    return blocks


def read_docx(data: bytes) -> ReadResult:
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReadError(f"the DOCX is damaged or not a Word document ({type(exc).__name__})") from exc
    except Exception as exc:
        raise ReadError(f"the DOCX is damaged or not a Word document ({type(exc).__name__})") from exc
    meta: dict = {}
    if doc.core_properties.title:
        meta["title"] = doc.core_properties.title
    blocks: list[Block] = []
    for para in doc.paragraphs:
        text = " ".join(para.text.split())
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        level = 0
        if style == "Title":
            level = 1
        elif style.startswith("Heading"):
            digits = style.replace("Heading", "").strip()
            level = int(digits) if digits.isdigit() else 1
        elif "List" in style:
            text = "- " + text
        blocks.append(Block(text, level))
    for table in doc.tables:
        for row in table.rows:
            cells = [" ".join(c.text.split()) for c in row.cells]
            if any(cells):
                blocks.append(Block(" | ".join(cells)))
    return ReadResult(blocks, meta, "\n".join(b.text for b in blocks))
