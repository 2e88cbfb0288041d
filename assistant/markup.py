"""Untrusted text inside Markdown: escaped so it stays text, and Markdown rendered with no HTML and nothing remote.

Requests, requester names, corpus passages and officers' answers reach the letter and the app. Escaping them
before they meet any Markdown means a `<div>`, `<script>`, `![](https://…)` or `[link](https://…)` in them is shown
as the characters typed, never as markup; the renderer below refuses raw HTML, links and images as a second line
of defence, so even a Markdown file edited by hand cannot load anything from another address.
"""
from __future__ import annotations

import re
from html import escape

from markdown_it import MarkdownIt
from markdown_it.token import Token

# Citation markers such as "[1]" or "[1, 2]" stay readable; one that could start a link, an image or a link
# definition ("![1]", "[1](…)", "[1][2]", "[1]: …") is escaped like any other bracket.
_SAFE_MARKER_RE = re.compile(r"(?<![!\]\\])\[\d+(?:\s*[,–-]\s*\d+)*\](?![(\[:])")
_INLINE_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>|~])")
_BLOCK_SPECIAL_RE = re.compile(r"([\\`\[\]<>~])")
_ENTITY_RE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_HEADING_START_RE = re.compile(r"^(\s{0,3})(#)", re.MULTILINE)
_RULE_LINE_RE = re.compile(r"^(\s{0,3})([=\-_*])(?=[\s=\-_*]*$)", re.MULTILINE)
_LIST_ITEM_RE = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,9}[.)])\s+\S")
_LINE_START_BULLET_RE = re.compile(r"^([-+])")
_LINE_START_NUMBER_RE = re.compile(r"^(\d{1,9})([.)])")
_BULLET_CHAR_RE = re.compile(r"^(\s{0,3})[•·▪‣◦]\s+")
_TRAILING_MARKERS_RE = re.compile(r"(?:\s*\[\d+(?:\s*[,–-]\s*\d+)*\])+\s*$")
_SENTENCE_END = (".", "?", "!", ":", ";", ")", "]", '"', "”", "’", "'")
_FULL_STOP = (".", "?", "!")
# A line that is only a sub-part label: "(a)", "b)", "7c)", "(ii)".
LABEL_LINE_RE = re.compile(r"^\s*\(?\s*(?:\d{1,3}[a-z]?|[a-z]|[ivx]{1,5})\s*\)\s*$", re.IGNORECASE)


def _escape_pieces(text: str, pattern: re.Pattern[str]) -> str:
    text = pattern.sub(r"\\\1", text)
    return _ENTITY_RE.sub(r"\\&", text)


def _escape_around_markers(text: str, pattern: re.Pattern[str]) -> str:
    pieces, last = [], 0
    for match in _SAFE_MARKER_RE.finditer(text):
        pieces.append(_escape_pieces(text[last : match.start()], pattern))
        pieces.append(match[0])
        last = match.end()
    pieces.append(_escape_pieces(text[last:], pattern))
    return "".join(pieces)


def escape_inline(text: str) -> str:
    """One line of untrusted text (a name, a reference, a quote): every Markdown construct is shown literally."""
    text = " ".join(str(text or "").split())
    text = _escape_around_markers(text, _INLINE_SPECIAL_RE)
    text = _LINE_START_BULLET_RE.sub(r"\\\1", text)
    return _LINE_START_NUMBER_RE.sub(r"\1\\\2", text)


def escape_markdown(text: str) -> str:
    """Untrusted multi-line text that may use Markdown lists and emphasis: no HTML, links, images or headings.

    Lists, emphasis and paragraphs keep working (officers write them on purpose); everything that could load a
    resource, inject markup, or pose as a section of the letter (headings, rules, code fences) is escaped.
    """
    escaped = _escape_around_markers(paragraph_breaks(str(text or "")), _BLOCK_SPECIAL_RE)
    escaped = _HEADING_START_RE.sub(r"\1\\\2", escaped)
    return _RULE_LINE_RE.sub(r"\1\\\2", escaped)


def _is_item(line: str) -> bool:
    return bool(_LIST_ITEM_RE.match(line))


def _ends_sentence(line: str) -> bool:
    return _TRAILING_MARKERS_RE.sub("", line).rstrip().endswith(_SENTENCE_END)


def _bare(line: str) -> str:
    return _TRAILING_MARKERS_RE.sub("", line).rstrip()


def _implicit_lists(lines: list[str]) -> list[str]:
    """Lines under an introduction ending in ":" that are not sentences ("Lincolnshire Police", "Health …") are
    the items of a list written without bullets: they become "- " items, and the first full sentence after them
    ends the list."""
    out = list(lines)
    i = 0
    while i < len(out):
        if _bare(out[i]).endswith(":") and not _is_item(out[i]):
            j = i + 1
            while j < len(out) and out[j].strip() and not _is_item(out[j]) and not LABEL_LINE_RE.match(out[j]) \
                    and not _bare(out[j]).endswith(_FULL_STOP) and not _bare(out[j]).endswith(":"):
                j += 1
            if j - i - 1 >= 2:
                for k in range(i + 1, j):
                    out[k] = "- " + out[k].strip()
            i = j
        else:
            i += 1
    return out


def paragraph_breaks(text: str) -> str:
    """Line breaks as an officer means them: a line after a finished sentence starts a new paragraph, a list ends
    at the first line that is not an item or indented under one, a label line ("(b)") starts the paragraph it
    labels, and a hard-wrapped sentence stays one paragraph.
    """
    out: list[str] = []
    previous = ""
    in_list = False
    lines = [_BULLET_CHAR_RE.sub(r"\1- ", line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    for line in _implicit_lists(lines):
        if not line.strip():
            out.append("")
            previous, in_list = "", False
            continue
        item = _is_item(line)
        label = bool(LABEL_LINE_RE.match(line))
        if previous and LABEL_LINE_RE.match(previous) and not item:
            out[-1] = f"{previous.strip()} {line.strip()}"  # "(b)" then its text: one paragraph
            previous = out[-1]
            continue
        if previous:
            if item and not in_list:
                out.append("")
            elif not item and in_list and not line.startswith((" ", "\t")):
                out.append("")
                in_list = False
            elif not item and not in_list and (label or _ends_sentence(previous)) and not previous.endswith("  "):
                out.append("")
        in_list = in_list or item
        out.append(line)
        previous = line
    return "\n".join(out).strip("\n")


# ------------------------------------------------------------------------------------------------ rendering


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # Links, images, autolinks and raw HTML are not parsed at all: their characters stay text.
    md.disable(["link", "image", "autolink", "html_inline", "html_block", "reference"])
    return md


_MD = _parser()


def markdown_tokens(text: str) -> list[Token]:
    """Block tokens of Markdown parsed without HTML, links or images (for the Word renderer)."""
    return _MD.parse(text)


def parse_inline(text: str) -> list[Token]:
    """Inline tokens (text, emphasis, breaks) of one piece of Markdown, with the same rules."""
    tokens = _MD.parseInline(text)
    return list(tokens[0].children or []) if tokens else []


def markdown_html(text: str) -> str:
    """Markdown as HTML that can hold no markup from the text: raw HTML is escaped, links and images are text."""
    return _MD.render(text)


def text_html(text: str) -> str:
    """Plain text as HTML (for notes and messages): escaped, line breaks kept."""
    return escape(str(text or "")).replace("\n", "<br>")
