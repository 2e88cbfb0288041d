"""The PDF and DOCX policy documents are built from corpus/_sources and must carry their sources' structure."""
from __future__ import annotations

import importlib.util
import io
import re
import sys
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_corpus_files", ROOT / "scripts" / "build_corpus_files.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


builder = _load_builder()
SOURCES = list(builder.sources(CORPUS))


def _norm(text: str) -> str:
    """Compare text regardless of line wrapping and case."""
    return re.sub(r"\s+", " ", text).strip().lower()


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _docx_paragraphs(data: bytes) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in Document(io.BytesIO(data)).paragraphs]


def test_sources_cover_both_formats() -> None:
    assert {s.format for s in SOURCES} == {"pdf", "docx"}
    assert len(SOURCES) >= 6


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_source_has_h1_title_and_sections(source) -> None:
    levels = [block.level for block in source.headings()]
    assert levels[:1] == [1], "a source starts with one H1 title"
    assert levels.count(1) == 1
    assert levels.count(2) >= 3, "several H2 sections so the chunker has something to split on"


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_built_file_exists(source) -> None:
    target = builder.output_path(CORPUS, source)
    assert target.exists(), f"run python scripts/build_corpus_files.py to build {target.name}"
    assert target.stat().st_size > 1000


@pytest.mark.parametrize("source", [s for s in SOURCES if s.format == "pdf"], ids=lambda s: s.stem)
def test_pdf_holds_headings_paragraphs_and_title(source) -> None:
    data = builder.output_path(CORPUS, source).read_bytes()
    text = _norm(_pdf_text(data))
    for heading in source.headings():
        assert _norm(builder.pdf_safe(heading.text)) in text, heading.text
    first_paragraph = next(b for b in source.blocks if b.kind == "paragraph")
    assert _norm(builder.pdf_safe(first_paragraph.text))[:120] in text
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == builder.pdf_safe(source.title)
    outline_titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline_titles[0] == builder.pdf_safe(source.headings()[0].text)


@pytest.mark.parametrize("source", [s for s in SOURCES if s.format == "docx"], ids=lambda s: s.stem)
def test_docx_uses_heading_styles_and_title(source) -> None:
    data = builder.output_path(CORPUS, source).read_bytes()
    paragraphs = _docx_paragraphs(data)
    headings = [(style, text) for style, text in paragraphs if style.startswith("Heading")]
    assert headings == [(f"Heading {b.level}", b.text) for b in source.headings()]
    bodies = {text for style, text in paragraphs if not style.startswith("Heading")}
    for block in source.blocks:
        if block.kind in ("paragraph", "bullet"):
            assert block.text in bodies, block.text
    assert Document(io.BytesIO(data)).core_properties.title == source.title


@pytest.mark.parametrize("source", SOURCES[:1] + [s for s in SOURCES if s.format == "pdf"][:1], ids=lambda s: s.stem)
def test_rendering_is_reproducible(source) -> None:
    render = builder.RENDERERS[source.format]
    assert render(source) == render(source)


def test_built_files_are_up_to_date() -> None:
    stale = [(path.name, status) for path, status in builder.build(CORPUS, check=True) if status != "unchanged"]
    assert stale == [], "run python scripts/build_corpus_files.py"


def test_pdf_safe_replaces_characters_core_fonts_lack() -> None:
    assert builder.pdf_safe("“Putting” children – first… £5 ☃") == '"Putting" children - first... £5 ?'


def test_parse_blocks_reads_lists_and_inline_styles() -> None:
    blocks = builder.parse_blocks("# Title\n\nSome **bold** text.\n\n- one\n- two\n\n3. three\n4. four\n")
    assert [(b.kind, b.text, b.level, b.number) for b in blocks] == [
        ("heading", "Title", 1, 0),
        ("paragraph", "Some bold text.", 0, 0),
        ("bullet", "one", 1, 0),
        ("bullet", "two", 1, 0),
        ("number", "three", 1, 3),
        ("number", "four", 1, 4),
    ]
    assert blocks[1].runs[1] == builder.Run("bold", bold=True)


def test_parse_blocks_rejects_what_it_cannot_render() -> None:
    with pytest.raises(ValueError, match="table_open"):
        builder.parse_blocks("| a | b |\n|---|---|\n| 1 | 2 |\n")
    with pytest.raises(ValueError, match="blockquote_open"):
        builder.parse_blocks("> quoted\n")
    with pytest.raises(ValueError, match="deeper"):
        builder.parse_blocks("#### Too deep\n")


def test_source_without_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text("---\ntitle: x\n---\n# X\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"format: pdf\|docx"):
        builder.read_source(path)
