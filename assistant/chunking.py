"""Heading-aware chunks for policy documents: about 120–300 words, never cutting a sentence.

Small sections are merged forward so a chunk has enough context to be retrieved; the heading path of the first
section is kept, because reviewers need to find the passage in the source document.
"""
from __future__ import annotations

from dataclasses import dataclass

from assistant.readers import Block
from assistant.text import split_sentences, word_count


@dataclass(frozen=True)
class Chunk:
    text: str
    heading_path: tuple[str, ...]


def sections(blocks: list[Block]) -> list[tuple[tuple[str, ...], list[str]]]:
    """Group paragraphs under the heading path in force where they appear."""
    path: list[tuple[int, str]] = []
    out: list[tuple[tuple[str, ...], list[str]]] = []
    for block in blocks:
        if block.level:
            path = [p for p in path if p[0] < block.level] + [(block.level, block.text)]
            out.append((tuple(t for _, t in path), []))
        else:
            if not out:
                out.append(((), []))
            out[-1][1].append(block.text)
    return [(p, paras) for p, paras in out if paras]


def chunk_blocks(blocks: list[Block], *, min_words: int = 120, max_words: int = 300) -> list[Chunk]:
    chunks: list[Chunk] = []
    buffer: list[str] = []
    buffer_path: tuple[str, ...] = ()
    buffer_words = 0

    def emit() -> None:
        nonlocal buffer, buffer_words
        if buffer:
            chunks.append(Chunk("\n".join(buffer).strip(), buffer_path))
        buffer, buffer_words = [], 0

    for path, paragraphs in sections(blocks):
        heading = path[-1] if path else ""
        if buffer and buffer_words >= min_words:
            emit()
        if not buffer:
            buffer_path = path
        elif heading:
            buffer.append(f"{heading}:")
        for paragraph in paragraphs:
            line: list[str] = []
            for sentence in split_sentences(paragraph) or [paragraph]:
                n = word_count(sentence)
                if (buffer or line) and buffer_words + n > max_words:
                    if line:
                        buffer.append(" ".join(line))
                        line = []
                    emit()
                    buffer_path = path
                line.append(sentence)
                buffer_words += n
            if line:
                buffer.append(" ".join(line))
    emit()
    # A short tail is merged back into the previous chunk of the same section when it still fits.
    merged: list[Chunk] = []
    for chunk in chunks:
        if (
            merged
            and word_count(chunk.text) < min_words // 2
            and word_count(merged[-1].text) + word_count(chunk.text) <= max_words
        ):
            merged[-1] = Chunk(merged[-1].text + "\n" + chunk.text, merged[-1].heading_path)
        else:
            merged.append(chunk)
    return merged
