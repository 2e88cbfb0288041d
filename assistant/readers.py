"""Read corpus files into text blocks, refusing bad input with a one-line reason.

Every reader returns ``Block`` objects: a heading (with its level) or a paragraph. Keeping headings as
structure lets the chunker record where a passage sits in its document.
"""
from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.safety import remove_invisible

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
# "[label]: url (title)" lines define link targets and render as nothing ("[//]: # (…)" is a common comment).
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*\S+(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$", re.M)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d])|opacity\s*:\s*0(?![.\d])", re.I)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


class ReadError(Exception):
    """A file that cannot be used; the message is shown to the officer as the reason."""


@dataclass(frozen=True)
class Limits:
    """What one file may cost to read. The byte limit on the file itself says nothing about a zip (DOCX) that
    inflates a thousandfold or a PDF whose streams expand, so the uncompressed size, the compression ratio, the
    amount of text and the reading time are bounded too."""

    max_uncompressed_bytes: int = 40 * 1024 * 1024
    max_ratio: float = 100.0
    max_members: int = 5_000
    max_text_chars: int = 5_000_000
    max_pages: int = 3_000
    max_blocks: int = 200_000
    seconds: float = 60.0


DEFAULT_LIMITS = Limits()


def limits_for(settings) -> Limits:  # noqa: ANN001 - assistant.settings.Settings
    return Limits(max_uncompressed_bytes=settings.max_uncompressed_bytes, seconds=settings.max_read_seconds)


class _Deadline:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.end = time.monotonic() + limits.seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise ReadError(f"reading the file took over {self.limits.seconds:.0f} s; it is too large or too complex to use")


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


def read_file(path: Path, *, max_bytes: int, data: bytes | None = None, limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    """Dispatch on the file suffix; raise ReadError with a short reason for anything unusable."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(f"unsupported file type '{suffix or path.name}'")
    if data is None:
        data = read_checked_bytes(path, max_bytes=max_bytes)
    if suffix == ".pdf":
        result = read_pdf(data, limits)
    elif suffix == ".docx":
        result = read_docx(data, limits)
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
    return remove_invisible(text.replace("\r\n", "\n").replace("\r", "\n"))


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
    # An HTML comment is invisible when the Markdown is rendered: nobody reviewing the file sees it.
    body = _LINK_DEFINITION.sub("", _HTML_COMMENT.sub("", body))
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
    for tag in soup(["script", "style", "nav", "footer", "header", "noscript", "form", "aside", "template"]):
        tag.decompose()
    drop_hidden(soup)
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


def drop_hidden(soup) -> None:  # noqa: ANN001 - a BeautifulSoup tree
    """Remove elements a reader of the page never sees (hidden attribute, aria-hidden, display:none, …)."""
    hidden = [
        tag
        for tag in soup.find_all(True)
        if "hidden" in (tag.attrs or {})
        or str((tag.attrs or {}).get("aria-hidden", "")).lower() == "true"
        or _HIDDEN_STYLE.search(str((tag.attrs or {}).get("style", "")))
    ]
    for tag in hidden:
        if not getattr(tag, "decomposed", False):
            tag.decompose()


def read_pdf(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    deadline = _Deadline(limits)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ReadError("the PDF is encrypted (password protected)")
        if len(reader.pages) > limits.max_pages:
            raise ReadError(f"the PDF has {len(reader.pages)} pages, over the {limits.max_pages} page limit")
        pages: list[str] = []
        chars = 0
        for page in reader.pages:
            deadline.check()
            text = page.extract_text() or ""
            chars += len(text)
            if chars > limits.max_text_chars:
                raise ReadError(f"the PDF holds over {limits.max_text_chars:,} characters of text, over the limit")
            pages.append(text)
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


def check_zip(data: bytes, limits: Limits, kind: str = "DOCX") -> None:
    """Refuse a zip package that would inflate beyond the limits (a zip bomb), before anything is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ReadError(f"the {kind} is damaged or not a Word document ({type(exc).__name__})") from exc
    if len(members) > limits.max_members:
        raise ReadError(f"the {kind} holds {len(members)} parts, over the {limits.max_members} limit")
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed_bytes:
        raise ReadError(
            f"the {kind} unpacks to {total / 1e6:.0f} MB, over the {limits.max_uncompressed_bytes / 1e6:.0f} MB limit"
        )
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise ReadError(
                f"the {kind} part {m.filename} inflates {m.file_size / max(m.compress_size, 1):.0f}-fold "
                f"({m.file_size / 1e6:.0f} MB): refused as a possible zip bomb"
            )


def _visible_text(para) -> str:  # noqa: ANN001 - a python-docx Paragraph
    """The paragraph's text without runs formatted as hidden (Word's "Hidden" font effect, w:vanish)."""
    hidden = [r.text for r in para.runs if r.font.hidden and r.text]
    text = para.text
    for piece in hidden:
        text = text.replace(piece, "", 1)
    return text


def read_docx(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(data, limits)
    deadline = _Deadline(limits)
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
    chars = 0
    body = doc.element.body
    paragraphs = body.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p")
    if len(paragraphs) > limits.max_blocks:
        raise ReadError(f"the DOCX has {len(paragraphs):,} paragraphs, over the {limits.max_blocks:,} limit")
    for i, para in enumerate(doc.paragraphs):
        if i % 500 == 0:
            deadline.check()
        text = " ".join(_visible_text(para).split())
        chars += len(text)
        if chars > limits.max_text_chars:
            raise ReadError(f"the DOCX holds over {limits.max_text_chars:,} characters of text, over the limit")
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
        deadline.check()
        for row in table.rows:
            cells = [" ".join(c.text.split()) for c in row.cells]
            if any(cells):
                blocks.append(Block(" | ".join(cells)))
    return ReadResult(blocks, meta, "\n".join(b.text for b in blocks))
