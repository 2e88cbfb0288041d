"""Build the PDF and DOCX policy documents of the sample corpus from their Markdown sources.

Binary documents cannot be reviewed in a diff, so their text lives in `corpus/_sources/<stem>.md`
(front matter with `format: pdf|docx`) and this script renders `corpus/policies/<stem>.<format>`.
The output is byte-for-byte reproducible: dates come from the `published` key and the DOCX zip
entries get a fixed timestamp, so rebuilding an unchanged source leaves the file untouched.

    python scripts/build_corpus_files.py            # build every source
    python scripts/build_corpus_files.py --check    # exit 1 if an output is missing or stale
"""
from __future__ import annotations

import argparse
import io
import sys
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import yaml
from docx import Document
from docx.shared import Cm, Pt
from fpdf import FPDF
from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("pdf", "docx")

# Characters the PDF core fonts (Latin-1) cannot encode, with a readable stand-in.
PDF_REPLACEMENTS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"',
        "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
        "\u2026": "...", "\u2022": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
        "\u2264": "<=", "\u2265": ">=", "\u2192": "->", "\u2248": "~",
    }
)


@dataclass(frozen=True)
class Run:
    """A stretch of inline text with one style."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Block:
    """One rendered unit: a heading, a paragraph or a list item."""

    kind: str  # heading | paragraph | bullet | number
    runs: tuple[Run, ...]
    level: int = 0  # heading level (1-3) or list depth (1 = top level)
    number: int = 0  # position in an ordered list

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Source:
    """A Markdown source file split into its front matter and rendered blocks."""

    path: Path
    meta: dict[str, Any]
    blocks: tuple[Block, ...]

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def format(self) -> str:
        return str(self.meta["format"])

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.stem)

    @property
    def owner(self) -> str:
        return str(self.meta.get("owner") or "")

    @property
    def published(self) -> datetime:
        """Publication date as a UTC datetime; it stands in for creation time so builds repeat exactly."""
        value = self.meta.get("published") or date(2000, 1, 1)
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)

    @property
    def keywords(self) -> str:
        flags = [key for key in ("illustrative", "personal_data_test") if self.meta.get(key)]
        return " ".join(flags)

    def headings(self) -> list[Block]:
        return [block for block in self.blocks if block.kind == "heading"]


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Separate YAML front matter (between leading `---` lines) from the Markdown body."""
    if not text.startswith("---"):
        return {}, text
    _, _, rest = text.partition("\n")
    header, sep, body = rest.partition("\n---")
    if not sep:
        raise ValueError("front matter is not closed by a '---' line")
    meta = yaml.safe_load(header) or {}
    return meta, body.partition("\n")[2]


def _inline_runs(token: Token) -> tuple[Run, ...]:
    """Flatten an inline token into styled runs; links keep their text, line breaks become spaces."""
    runs: list[Run] = []
    bold = italic = False
    for child in token.children or []:
        if child.type == "strong_open":
            bold = True
        elif child.type == "strong_close":
            bold = False
        elif child.type == "em_open":
            italic = True
        elif child.type == "em_close":
            italic = False
        elif child.type in ("text", "code_inline"):
            runs.append(Run(child.content, bold, italic))
        elif child.type in ("softbreak", "hardbreak"):
            runs.append(Run(" ", bold, italic))
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic) == (run.bold, run.italic):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic)
        else:
            merged.append(run)
    return tuple(merged)


def parse_blocks(markdown: str) -> tuple[Block, ...]:
    """Turn Markdown into headings, paragraphs and list items; fail loudly on anything not rendered."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)  # tables parsed so they are refused, not flattened
    blocks: list[Block] = []
    lists: list[list[Any]] = []  # stack of [kind, next number]
    heading_level = 0
    supported = {
        "heading_open", "heading_close", "paragraph_open", "paragraph_close", "inline",
        "bullet_list_open", "bullet_list_close", "ordered_list_open", "ordered_list_close",
        "list_item_open", "list_item_close",
    }
    for token in tokens:
        if token.type not in supported:
            raise ValueError(f"unsupported Markdown element {token.type!r} on line {token.map}")
        if token.type == "heading_open":
            heading_level = int(token.tag[1])
            if heading_level > 3:
                raise ValueError(f"heading level {heading_level} is deeper than the three rendered")
        elif token.type == "bullet_list_open":
            lists.append(["bullet", 0])
        elif token.type == "ordered_list_open":
            lists.append(["number", int(token.attrGet("start") or 1)])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "inline":
            runs = _inline_runs(token)
            if heading_level:
                blocks.append(Block("heading", runs, heading_level))
                heading_level = 0
            elif lists:
                kind, number = lists[-1]
                blocks.append(Block(kind, runs, len(lists), number))
                if kind == "number":
                    lists[-1][1] += 1
            else:
                blocks.append(Block("paragraph", runs))
    return tuple(blocks)


def read_source(path: Path) -> Source:
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    if meta.get("format") not in FORMATS:
        raise ValueError(f"{path}: front matter needs format: pdf|docx, got {meta.get('format')!r}")
    return Source(path, meta, parse_blocks(body))


def pdf_safe(text: str) -> str:
    """Text the Latin-1 core fonts can draw: typographic marks swapped, anything else as '?'."""
    return text.translate(PDF_REPLACEMENTS).encode("latin-1", "replace").decode("latin-1")


HEADING_SIZES = {1: 18, 2: 14, 3: 12}
BODY_SIZE = 10.5
LINE_HEIGHT = 5.4


def _pdf_markup(runs: tuple[Run, ...]) -> str:
    """fpdf2's inline markup (**bold**, __italic__) for a run list; stray markers are defused first."""
    parts = []
    for run in runs:
        text = pdf_safe(run.text).replace("**", "*").replace("__", "_").replace("--", "-")
        if run.bold:
            text = f"**{text}**"
        if run.italic:
            text = f"__{text}__"
        parts.append(text)
    return "".join(parts)


def render_pdf(source: Source) -> bytes:
    """Lay out the blocks with fpdf2: bold headings in larger type, outline entries, wrapped text."""
    pdf = FPDF(format="A4")  # no running header/footer: repeated lines would read as text in extraction
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(pdf_safe(source.title))
    pdf.set_author(pdf_safe(source.owner))
    pdf.set_subject(pdf_safe(source.title))
    if source.keywords:
        pdf.set_keywords(source.keywords)
    pdf.set_creator("scripts/build_corpus_files.py")
    pdf.set_creation_date(source.published)
    pdf.add_page()
    left = pdf.l_margin
    previous = ""
    for block in source.blocks:
        if block.kind == "heading":
            size = HEADING_SIZES[block.level]
            pdf.ln(4 if block.level > 1 else 0)
            if pdf.will_page_break(size * 0.5 + 3 * LINE_HEIGHT):
                pdf.add_page()  # keep a heading with the first lines of its section
            pdf.start_section(pdf_safe(block.text), level=block.level - 1, strict=False)
            pdf.set_font("Helvetica", "B", size)
            pdf.multi_cell(0, size * 0.5, pdf_safe(block.text), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif block.kind == "paragraph":
            if previous in ("bullet", "number"):
                pdf.ln(1.5)
            pdf.set_font("Helvetica", "", BODY_SIZE)
            pdf.multi_cell(0, LINE_HEIGHT, _pdf_markup(block.runs), markdown=True, align="L",
                           new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        else:
            indent = 6 * block.level
            marker = "-" if block.kind == "bullet" else f"{block.number}."
            pdf.set_font("Helvetica", "", BODY_SIZE)
            pdf.set_x(left + indent - 5)
            pdf.cell(5, LINE_HEIGHT, marker)
            pdf.set_left_margin(left + indent + 1)
            pdf.set_x(left + indent + 1)
            pdf.multi_cell(0, LINE_HEIGHT, _pdf_markup(block.runs), markdown=True, align="L",
                           new_x="LMARGIN", new_y="NEXT")
            pdf.set_left_margin(left)
            pdf.ln(0.8)
        previous = block.kind
    return bytes(pdf.output())


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with a constant timestamp per entry, so the same document gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_docx(source: Source) -> bytes:
    """Write the blocks with python-docx using the built-in Heading 1-3 and list styles."""
    document = Document()
    props = document.core_properties
    props.title = source.title
    props.author = source.owner
    props.last_modified_by = source.owner
    props.subject = source.title
    props.keywords = source.keywords
    props.created = props.modified = props.last_printed = source.published.replace(tzinfo=None)
    props.revision = 1
    document.styles["Normal"].font.size = Pt(11)
    for block in source.blocks:
        if block.kind == "heading":
            document.add_heading(block.text, level=block.level)
            continue
        if block.kind == "bullet":
            style = "List Bullet" if block.level == 1 else "List Bullet 2"
            paragraph = document.add_paragraph(style=style)
        else:
            paragraph = document.add_paragraph()
            if block.kind == "number":
                paragraph.paragraph_format.left_indent = Cm(0.9 * block.level)
                paragraph.paragraph_format.first_line_indent = Cm(-0.6)
                paragraph.add_run(f"{block.number}.\t")
        for run in block.runs:
            styled = paragraph.add_run(run.text)
            styled.bold = run.bold or None
            styled.italic = run.italic or None
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


RENDERERS = {"pdf": render_pdf, "docx": render_docx}


def sources(corpus: Path) -> Iterator[Source]:
    for path in sorted((corpus / "_sources").glob("*.md")):
        yield read_source(path)


def output_path(corpus: Path, source: Source) -> Path:
    return corpus / "policies" / f"{source.stem}.{source.format}"


def build(corpus: Path, check: bool = False) -> list[tuple[Path, str]]:
    """Render every source; report each output as built, unchanged or (with check) stale/missing."""
    results: list[tuple[Path, str]] = []
    for source in sources(corpus):
        target = output_path(corpus, source)
        data = RENDERERS[source.format](source)
        current = target.read_bytes() if target.exists() else None
        if current == data:
            results.append((target, "unchanged"))
        elif check:
            results.append((target, "missing" if current is None else "stale"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            results.append((target, "built"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="corpus folder")
    parser.add_argument("--check", action="store_true", help="only report missing or stale outputs")
    args = parser.parse_args(argv)
    results = build(args.corpus, check=args.check)
    for path, status in results:
        print(f"{status:9} {path}")
    return 1 if any(status in ("missing", "stale") for _, status in results) else 0


if __name__ == "__main__":
    sys.exit(main())
