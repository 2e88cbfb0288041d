"""Split an incoming FOI request into the questions the officer has to answer.

Requests arrive as pasted e-mail or web-form text in many shapes: "1." / "2)" / "Q3" / "Question 4:" lists,
sub-questions ("7a)", "a)", "(i)"), bullet lists, or plain paragraphs. The reply must answer each question
under the requester's own numbering, so this module recovers that structure:

1. the text is checked (empty, too long, binary) and cut into lines; quoted e-mail history (``>``) is dropped,
   and labels written mid-line ("...? 2. How many...") start new lines;
2. each line is read for a leading label (number, letter, roman numeral or bullet);
3. the greeting ("Dear FOI team"), header lines and everything from the sign-off on ("Kind regards", a name)
   are dropped;
4. the numbering is chosen as the most plausible *sequence* of labels (1, 2, 3 ... with small gaps allowed), so
   "12 months", "2022/23", "£450" or a stray "12." in a wrapped line never start a question;
5. labels under a question (7a-7d, or a)-d) after "9)") become its parts.

Conventions:

* Numbered questions keep the requester's number ("Q3" gives "3"). A question with lettered sub-labels
  ("7a) ... 7b) ... 7c) ...") and no bare "7" becomes question "7" whose text is the text of 7a and whose
  parts are b, c, d...; with a bare "7." its text is kept and the sub-labels a, b, c... are all parts.
* Letter or roman top-level labels with no numbers keep their label ("a", "ii").
* Bullets (when nothing is numbered) and questions found in running paragraphs (sentences ending in "?", or
  asking "Please provide...", "Could you tell me...") are numbered 1..n. Other sentences of the same
  paragraph stay with their question; a background paragraph before the first question is dropped.
* Text with no numbering and no recognisable question is one question "1".
* Paragraphs after the last question that read as request-wide boilerplate ("If any of this is exempt...",
  "I would prefer to receive it electronically") or a bare name go to :attr:`ParsedRequest.closing`; other
  trailing text stays with the last question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.models import Question
from assistant.requests.left_out import find_left_out
from assistant.requests.result import LeftOut, ParsedRequest, RequestError
from assistant.requests.scope import governed_numbers, is_fallback_line, is_scope_line
from assistant.requests.sentences import sentences as _sentences

__all__ = ["LeftOut", "ParsedRequest", "RequestError", "parse_request", "split_request"]

DEFAULT_MAX_CHARS = 200_000
DEFAULT_MAX_QUESTIONS = 500


# ---------------------------------------------------------------------------------------------------------
# Checking and normalising the text
# ---------------------------------------------------------------------------------------------------------

_LINE_BREAKS = re.compile(r"\r\n?|[\f\v\x85\u2028\u2029]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f\u3000]+")
#: Share of non-printable characters above which the text is taken to be a binary file read as text.
_BINARY_SHARE = 0.1
#: Text made only of printable ASCII, common punctuation and line breaks: no need to count odd characters.
_PLAIN = re.compile(r"[\x20-\x7e\n\t£€’‘“”–—…•·]*")


def _checked_lines(text: str, max_chars: int) -> list[str]:
    """Validate the raw text and return its lines with spacing normalised."""
    if not isinstance(text, str):
        raise RequestError(f"The request must be text, not {type(text).__name__}.")
    if len(text) > max_chars:
        raise RequestError(
            f"The request is too long: {len(text):,} characters, over the limit of {max_chars:,}. "
            "Paste the request itself, without attachments or long e-mail history."
        )
    if "\x00" in text:
        raise RequestError("The request looks like binary data (it contains NUL bytes); paste the text itself.")
    text = _LINE_BREAKS.sub("\n", text).translate(_INVISIBLE)
    if not text.strip():
        raise RequestError("The request is empty: paste the text of the FOI request.")
    visible = [ch for ch in text if not ch.isspace()] if not _PLAIN.fullmatch(text) else []
    odd = sum(1 for ch in visible if not ch.isprintable() or ch == "\ufffd")
    if visible and odd > _BINARY_SHARE * len(visible):
        raise RequestError(
            "The request looks like binary data (for example a PDF or Word file read as text), "
            "not plain text: paste the text itself."
        )
    return [_SPACES.sub(" ", line).strip() for line in text.split("\n")]


# ---------------------------------------------------------------------------------------------------------
# Greetings, headers and sign-offs
# ---------------------------------------------------------------------------------------------------------

_GREETING = re.compile(
    r"""^(?:dear\b[^,:;\n]{0,60}|hello(?:\s+there)?|hi(?:\s+there)?|good\s+(?:morning|afternoon|evening|day)
        |greetings|to\s+whom\s+it\s+may\s+concern)(?P<rest>.*)$""",
    re.I | re.X,
)
_HEADER = re.compile(
    r"""^(?:(?:subject|re|fw|fwd|title)\s*:.*
        |(?:freedom\s+of\s+information|foi|foia|eir)(?:\s+act(?:\s+2000)?)?\s+request\b[^?]{0,80})$""",
    re.I | re.X,
)
#: Closing phrases that end the request whatever follows them on the line (a name, a comma).
_SIGNOFF_STRONG = (
    r"yours\s+(?:faithfully|sincerely|truly)|(?:kind|best|warm|warmest|many)\s+(?:regards|wishes|thanks)"
    r"|regards|with\s+(?:thanks|regards|best\s+wishes)|thanks\s+in\s+advance|thank\s+you\s+in\s+advance"
    r"|many\s+thanks|best\s+wishes"
)
#: Phrases that close the request when the whole line is about closing (no question in it).
_SIGNOFF_SENTENCE = r"thank\s+you\s+for\b|thanks\s+for\b|i\s+look\s+forward\s+to\b|sent\s+from\s+my\b"
#: Short closings that must stand alone or be followed only by a name.
_SIGNOFF_WEAK = r"thanks(?:\s+(?:again|very\s+much|a\s+lot))?|thank\s+you(?:\s+(?:again|very\s+much))?|cheers|best|yours(?:\s+ever)?"
_SIGNOFF = re.compile(
    rf"^(?:(?P<strong>{_SIGNOFF_STRONG})|(?P<sentence>{_SIGNOFF_SENTENCE})|(?P<weak>{_SIGNOFF_WEAK}))\b(?P<rest>.*)$",
    re.I,
)
_EMAIL_HISTORY = re.compile(r"^(?:-{2,}\s*original\s+message|on\s.{4,120}\swrote:$|from:\s.+@)", re.I)
_INLINE_SIGNOFF = re.compile(rf"(?<=[?.!])\s+(?:{_SIGNOFF_STRONG})\b.*$", re.I)


def _strip_greeting(line: str) -> str | None:
    """The line without a leading greeting; None when the line was only a greeting."""
    match = _GREETING.match(line)
    if not match:
        return line
    rest = match.group("rest")
    if not rest.strip(" ,!.:;-"):
        return None
    if rest[:1] in ",!:;.-":  # "Dear FOI team, I would like..." keeps what follows the comma
        return rest.lstrip(" ,!.:;-")
    return line


def _signoff_kind(line: str) -> str | None:
    """"strong" for "Kind regards" / "Many thanks, Jo", "sentence" for "Thank you for your help." (which can
    also open a letter), "weak" for a lone "Thanks"; None when the line does not close the request."""
    if _EMAIL_HISTORY.match(line):
        return "strong"
    match = _SIGNOFF.match(line)
    if not match or "?" in line:
        return None
    if match.group("strong") or match.group("sentence"):
        return ("strong" if match.group("strong") else "sentence") if len(line) <= 300 else None
    # "Thanks" / "Best": only alone, or followed by a comma and a short name.
    rest = match.group("rest").strip()
    if not rest.strip(" ,.!-") or (rest[0] in ",.!-" and len(rest) <= 40 and len(rest.split()) <= 5):
        return "weak"
    return None


def _is_signoff(line: str) -> bool:
    """True for a line that closes the request ("Kind regards", "Many thanks, Jo", "Thank you for...")."""
    return _signoff_kind(line) is not None


# ---------------------------------------------------------------------------------------------------------
# Lines and their labels
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Label:
    """One reading of a line's leading label."""

    scheme: str  # "num", "alpha" or "roman"
    major: int  # question number, letter position (a=1) or roman value
    minor: int = 0  # 0 for a bare label; 1, 2... for "7a", "7b" or "2.1", "2.2"
    minor_name: str = ""  # "a" in "7a", "1" in "2.1"
    name: str = ""  # the label as the requester wrote it, normalised: "7", "c", "ii"


@dataclass(frozen=True)
class _Line:
    raw: str  # the line as written (label included)
    text: str  # the line without its leading label or bullet
    labels: tuple[_Label, ...] = ()
    bullet: bool = False
    inline: bool = False  # split off the previous line at a mid-line label

    @property
    def blank(self) -> bool:
        return not self.raw

    def label(self, scheme: str) -> _Label | None:
        return next((label for label in self.labels if label.scheme == scheme), None)


_Q_LABEL = re.compile(r"^(?:Q|QUESTION|Question)\s*\.?\s*(\d{1,3})([a-zA-Z])?(?:\s*[.):\-–—]|(?=\s)|$)\s*")
_DOTTED_LABEL = re.compile(r"^(\d{1,3})\.(\d{1,2})\.?(?=\s)\s*")
_NUM_LABEL = re.compile(r"^\(?(\d{1,3})([a-z])?(?:[.):]|,(?=\s+[A-Za-z])|\s+[-–—](?=\s))(?!\d)\s*")
_ALPHA_LABEL = re.compile(r"^(?:\(([a-zA-Z])\)|([a-zA-Z])\)|([a-zA-Z])\.(?=\s))\s*")
_ROMAN_LABEL = re.compile(r"^(?:\(([ivx]{1,6})\)|([ivx]{1,6})\)|([ivx]{1,6})\.(?=\s))\s*")
_BULLET = re.compile(r"^(?:[•·▪◦‣●○■□➢➤►\uf0b7\uf0a7\uf076\uf0d8]\s*|[-–—]\s+|[*+]\s*(?=[A-Za-z(£\"'“‘]))(?=\S)")

_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def _roman_value(numeral: str) -> int | None:
    """Value of a lowercase roman numeral written in the usual way (i..xxxix), else None."""
    if not numeral or set(numeral) - _ROMAN_VALUES.keys():
        return None
    total = 0
    for ch, nxt in zip(numeral, numeral[1:] + " "):
        value = _ROMAN_VALUES[ch]
        total += -value if _ROMAN_VALUES.get(nxt, 0) > value else value
    return total if total > 0 and _to_roman(total) == numeral else None


def _to_roman(value: int) -> str:
    out = ""
    for number, numeral in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while value >= number:
            out += numeral
            value -= number
    return out


def _read_line(raw: str, inline: bool = False) -> _Line:
    """Read the leading label of one line, keeping every plausible reading ("i)" is letter i or roman 1)."""
    if match := _Q_LABEL.match(raw) or _NUM_LABEL.match(raw):
        number, suffix = int(match.group(1)), (match.group(2) or "").lower()
        minor = ord(suffix) - ord("a") + 1 if suffix else 0
        label = _Label("num", number, minor, suffix, str(number))
        return _Line(raw, raw[match.end():], (label,), inline=inline)
    if match := _DOTTED_LABEL.match(raw):
        number, sub = int(match.group(1)), int(match.group(2))
        return _Line(raw, raw[match.end():], (_Label("num", number, sub, str(sub), str(number)),), inline=inline)
    labels: list[_Label] = []
    end = 0
    if match := _ALPHA_LABEL.match(raw):
        letter = next(g for g in match.groups() if g).lower()
        labels.append(_Label("alpha", ord(letter) - ord("a") + 1, name=letter))
        end = match.end()
    if (match := _ROMAN_LABEL.match(raw)) and (value := _roman_value(next(g for g in match.groups() if g))):
        labels.append(_Label("roman", value, name=_to_roman(value)))
        end = max(end, match.end())
    if labels:
        return _Line(raw, raw[end:], tuple(labels), inline=inline)
    if match := _BULLET.match(raw):
        return _Line(raw, raw[match.end():], bullet=True, inline=inline)
    return _Line(raw, raw, inline=inline)


# Mid-line labels: a number after the end of a sentence ("...2023? 2. How many"), or a run of
# letters / roman numerals after a colon ("Please provide: a) X b) Y").
# Pasted text often loses its line breaks ("...under the Act:1) As of 2024, how many...?2) Between..."), so a
# label straight after "?", ":" or ";" counts too, as does "1)" straight after a full stop.
_INLINE_NUM = re.compile(
    r"(?:(?<=[?.!:;)\"'”’])\s+|(?<=[?:;])|(?<=[a-z]\.)(?=\(?\d{1,3}[a-z]?\))"
    r"|(?<=[a-z.)?])(?=\d{1,2}[.)]\s*[A-Z])|(?<=[a-z)])\s+(?=\d{1,2}\.[A-Z][a-z])|(?<=[a-z0-9])\s+(?=\d{1,2}\)\s*[A-Z]))"  # glued: "...rules?, and3. Of", "...provision.2.Total", "etc)5. Of"
    r"(?=(?:Q|Question)\s*\d{1,3}[a-z]?\s*[.):]?\s|\(?\d{1,3}[a-z]?[.)]\s*[A-Za-z(£\"'“‘])"
)
# Bullets run together on one line: "Please provide: * the number of X * the number of Y".
_INLINE_BULLET = re.compile(r"(?:(?<=\S)\s+|(?<=[:;.?])|(?<=[a-z)])(?=\*[A-Z]))(?=[*•▪●]\s*[A-Za-z(£\"'“‘])")
_INLINE_SUB = re.compile(r"(?<=\s)\(?([a-z]|[ivx]{1,4})\)(?=\s)")
_LIST_INTRO = re.compile(r"[:;?.!\-–—]\s*$")


_MAYBE_INLINE = re.compile(r"(?<=[^\d(])\(?\d{1,3}[a-z]?[.)]|.[*•▪●]|.\(?(?:[a-z]|[ivx]{1,4})\)\s")


def _inline_splits(line: str) -> list[str]:
    """Cut a line at labels written mid-line; the pieces after the first are marked inline."""
    if not _MAYBE_INLINE.search(line):  # nothing label-like after the first character: the usual case
        return [line] if line.strip() else []
    pieces: list[str] = []
    start = 0
    for match in _INLINE_NUM.finditer(line):
        pieces.append(line[start:match.start()])
        start = match.end()
    pieces.append(line[start:])
    out: list[str] = []
    for piece in pieces:
        for part in _inline_bullet_splits(piece):
            out.extend(_inline_sub_splits(part))
    return [piece.strip() for piece in out if piece.strip()]


def _inline_bullet_splits(piece: str) -> list[str]:
    """Cut at "*" / "•" bullets written mid-line: two or more of them, or one after a list intro (":")."""
    cuts = [m.start() for m in _INLINE_BULLET.finditer(piece) if m.start() > 0]
    if not cuts:
        return [piece]
    starts_with_bullet = bool(re.match(r"[*•▪●]\s*\S", piece))
    if len(cuts) + starts_with_bullet < 2 and not _LIST_INTRO.search(piece[: cuts[0]]):
        return [piece]
    bounds = [0, *cuts, len(piece)]
    return [piece[a:b] for a, b in zip(bounds, bounds[1:])]


_ENUMERATED = re.compile(r"(?:[,;]|\b(?:or|and))\s*$", re.I)


def _inline_sub_splits(piece: str) -> list[str]:
    """Cut "...: a) X b) Y" (or "(i) ... (ii) ...") when the labels run in order from a list intro, or run inside
    the asking sentence as an enumeration ("... to a) authorities within England, b) in Scotland or c) in Wales":
    each labelled item but the last ends with a comma, semicolon, "or" or "and")."""
    for scheme, first in (("alpha", "a"), ("roman", "i")):
        cuts: list[int] = []
        expected = 1
        for match in _INLINE_SUB.finditer(piece):
            label = match.group(1)
            value = (ord(label) - 96 if len(label) == 1 else None) if scheme == "alpha" else _roman_value(label)
            if value != expected or (expected == 1 and label != first):
                continue
            cuts.append(match.start())
            expected += 1
        if len(cuts) < 2:
            continue
        bounds = [0, *cuts, len(piece)]
        pieces = [piece[a:b] for a, b in zip(bounds, bounds[1:])]
        if _LIST_INTRO.search(pieces[0]) or (
            pieces[0].strip() and all(_ENUMERATED.search(p.rstrip()) for p in pieces[1:-1])
        ):
            return pieces
    return [piece]


def _tokenize(raw_lines: list[str]) -> list[_Line]:
    """Lines with their labels, after dropping quoted history and splitting at mid-line labels."""
    lines: list[_Line] = []
    for raw in raw_lines:
        if raw.startswith(">"):
            continue
        for i, piece in enumerate(_inline_splits(raw) or [""]):
            lines.append(_read_line(piece, inline=i > 0))
    return lines


def _drop_greeting(raw_lines: list[str]) -> tuple[list[str], list[str]]:
    """Remove the greeting and header lines at the top; return (headers, remaining lines)."""
    headers: list[str] = []
    lines = list(raw_lines)
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        stripped = _strip_greeting(line)
        if stripped is None:
            i += 1
            continue
        if _HEADER.match(stripped):
            headers.append(stripped)
            i += 1
            continue
        lines[i] = stripped
        break
    return headers, lines[i:]


# ---------------------------------------------------------------------------------------------------------
# Finding the numbering
# ---------------------------------------------------------------------------------------------------------


def _best_chain(lines: list[_Line], scheme: str) -> tuple[float, list[int]]:
    """The most plausible sequence of ``scheme`` labels, as (score, line indices).

    A sequence starts at 1 (or "1a", "1.1"), or anywhere at no credit; each step to the next number scores
    1, a skipped number costs half a point, and "7a" -> "7b" or "7" -> "7a" are steps too. A label that does
    not fit the sequence ("12." in a wrapped line) is left as ordinary text.
    """
    best_key: dict[tuple[int, int], tuple[float, int]] = {}
    best_major: dict[int, tuple[float, int]] = {}
    previous: dict[int, int | None] = {}
    scores: dict[int, float] = {}
    for i, line in enumerate(lines):
        label = line.label(scheme)
        if label is None:
            continue
        options: list[tuple[float, int | None]] = []
        if label.minor <= 1:
            options.append((1.0 if label.major == 1 else 0.0, None))
            for gap in (1, 2, 3):
                if label.major - gap in best_major:
                    score, j = best_major[label.major - gap]
                    options.append((score + 1 - 0.5 * (gap - 1), j))
        if label.minor >= 1 and (label.major, label.minor - 1) in best_key:
            score, j = best_key[(label.major, label.minor - 1)]
            options.append((score + 1, j))
        if not options:
            continue
        score, j = max(options, key=lambda option: option[0])
        scores[i], previous[i] = score, j
        key = (label.major, label.minor)
        if key not in best_key or score >= best_key[key][0]:
            best_key[key] = (score, i)
        if label.major not in best_major or score >= best_major[label.major][0]:
            best_major[label.major] = (score, i)
    if not scores:
        return 0.0, []
    end = max(scores, key=lambda i: (scores[i], i))
    chain: list[int] = []
    cursor: int | None = end
    while cursor is not None:
        chain.append(cursor)
        cursor = previous[cursor]
    return scores[end], chain[::-1]


def _sub_chain(lines: list[_Line], scheme: str) -> list[int]:
    """Indices of sub-labels running strictly a, b, c... (or i, ii, iii...) within one question."""
    found: list[int] = []
    for i, line in enumerate(lines):
        label = line.label(scheme)
        if label is not None and label.major == len(found) + 1:
            found.append(i)
    return found


# ---------------------------------------------------------------------------------------------------------
# Building questions
# ---------------------------------------------------------------------------------------------------------

_CLOSING = re.compile(
    r"""\b(?:if\s+(?:you|any|this|the|it|there)\b|look\s+forward|contact\s+me|clarif|exempt|section\s+1[26]\b
        |cost\s+limit|appropriate\s+limit|electronic|by\s+e-?mail|format\b|(?:already|publicly)\s+(?:published
        |available)|in\s+advance|acknowledge|this\s+request|my\s+request|re-?use|advice\s+and\s+assistance
        |prefer\s+to\s+receive)""",
    re.I | re.X,
)


def _is_closing(paragraph: str) -> bool:
    """Request-wide boilerplate, or a bare name or address line, rather than part of the last question."""
    if "?" in paragraph:
        return False
    if _CLOSING.search(paragraph):
        return True
    return len(paragraph.split()) <= 6 and not re.search(r"[.!:;]$", paragraph)


def _join(lines: list[_Line], first_text: str | None = None) -> str:
    """Join lines into one text: wrapped lines with a space, list items and finished sentences on new lines."""
    parts: list[str] = []
    previous = ""
    previous_was_item = False
    for k, line in enumerate(lines):
        if line.blank:
            continue
        text = first_text if k == 0 and first_text is not None else line.raw
        if not text:
            continue
        if parts:
            new_line = not line.inline and (
                line.bullet
                or bool(line.labels)
                or bool(re.search(r"[.?!:;]['\"”’)\]]*$", previous))
                or (previous_was_item and text[:1].isupper())  # a sentence after a list, not a wrapped item
            )
            parts.append("\n" if new_line else " ")
        parts.append(text)
        previous = text
        previous_was_item = line.bullet
    return "".join(parts).strip()


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    groups: list[list[_Line]] = [[]]
    for line in lines:
        if line.blank:
            if groups[-1]:
                groups.append([])
        else:
            groups[-1].append(line)
    return [group for group in groups if group]


def _split_tail(lines: list[_Line]) -> tuple[list[_Line], str]:
    """Separate closing paragraphs from the end of the last question's lines."""
    paragraphs = _paragraphs(lines)
    closing: list[str] = []
    while len(paragraphs) > 1:
        last = paragraphs[-1]
        text = _join(last)
        if any(line.labels or line.bullet for line in last) or not (
            _is_closing(text) or all(is_scope_line(s) or is_fallback_line(s) for s in _sentences(text))
        ):
            break
        closing.insert(0, text)
        paragraphs.pop()
    last = paragraphs[-1][-1] if paragraphs else None
    end = next((i for i in range(len(lines) - 1, -1, -1) if lines[i] is last), -1)
    return lines[: end + 1], "\n\n".join(closing)  # blank lines kept: paragraphs still read as paragraphs


def _parts(lines: list[_Line], schemes: tuple[str, ...]) -> tuple[str, list[tuple[str, str]]]:
    """Text and sub-parts of one labelled block (its first line is the label line)."""
    own_text = lines[0].text
    body = lines[1:]
    for scheme in schemes:
        starts = _sub_chain(body, scheme)
        if not starts:
            continue
        head = _join([lines[0], *body[: starts[0]]], own_text)
        parts: list[tuple[str, str]] = []
        for k, start in enumerate(starts):
            stop = starts[k + 1] if k + 1 < len(starts) else len(body)
            name = next(label.name for label in body[start].labels if label.scheme == scheme)
            parts.append((name, _join(body[start:stop], body[start].text)))
        return head, parts
    return _join(lines, own_text), []


def _numbered_questions(lines: list[_Line], chain: list[int], scheme: str) -> tuple[list[Question], str]:
    """Questions from a chain of top-level labels; returns (questions, closing text)."""
    sub_schemes = {"num": ("alpha", "roman"), "alpha": ("num", "roman"), "roman": ("alpha",)}[scheme]
    closing = ""
    blocks: list[list[_Line]] = []
    for k, start in enumerate(chain):
        stop = chain[k + 1] if k + 1 < len(chain) else len(lines)
        block = lines[start:stop]
        if k + 1 == len(chain):
            block, closing = _split_tail(block)
        blocks.append(block)
    block, extra = _final_ask(blocks[-1]) if blocks else ([], [])
    if blocks:
        blocks[-1] = block

    labels = [lines[start].label(scheme) or _Label(scheme, 0) for start in chain]  # every chain line has one
    questions: list[Question] = []
    stemless = all(label.minor > 0 for label in labels)
    k = 0
    while k < len(blocks):
        # Consecutive blocks with the same number ("7a", "7b"...) make one question.
        end = k + 1
        while end < len(blocks) and labels[end].major == labels[k].major:
            end += 1
        group = list(zip(labels[k:end], blocks[k:end]))
        bare = [block for label, block in group if label.minor == 0]
        lettered = [(label, block) for label, block in group if label.minor > 0]
        if not lettered:
            text, parts = _parts(bare[0], sub_schemes)
        elif bare:
            text = _join(bare[0], bare[0][0].text)
            parts = [(label.minor_name, _join(block, block[0].text)) for label, block in lettered]
        elif stemless and not _join(lettered[0][1], lettered[0][1][0].text).endswith(":"):
            # "1a. … 1b. … 2a. …" with no bare number anywhere: each label is a question of its own.
            for label, block in lettered:
                name = f"{label.name}.{label.minor_name}" if label.minor_name.isdigit() else label.name + label.minor_name
                text, parts = _parts(block, sub_schemes)
                questions.append(Question(number=name, text=text, parts=parts))
            k = end
            continue
        else:  # "7a) ... 7b) ...": 7a's text is the question, 7b onwards its parts
            text = _join(lettered[0][1], lettered[0][1][0].text)
            parts = [(label.minor_name, _join(block, block[0].text)) for label, block in lettered[1:]]
        questions.append(Question(number=labels[k].name, text=text, parts=parts))
        k = end
    if extra and questions:
        last = questions[-1].number
        number = str(int(last) + 1) if last.isdigit() else f"{last}.1"
        questions.append(Question(number=number, text=_join(extra)))
    return questions, closing


_FINAL_ASK = re.compile(r"^(?:finally|lastly|also|in\s+addition|additionally)\b", re.I)


def _final_ask(block: list[_Line]) -> tuple[list[_Line], list[_Line]]:
    """A paragraph after the last numbered question that adds an ask of its own ("Finally, can you please
    provide…?"), after that question's sub-parts: a question of its own, not more of the last one."""
    paragraphs = _paragraphs(block)
    for k in range(1, len(paragraphs)):
        paragraph = paragraphs[k]
        if paragraph[0].labels or paragraph[0].bullet or not _FINAL_ASK.match(paragraph[0].raw):
            continue
        sentences = _sentences(_join(paragraph))
        if sentences and _is_question_sentence(sentences[0]) and any(
            line.labels for earlier in paragraphs[1:k] for line in earlier
        ):
            kept = [line for p in paragraphs[:k] for line in p]
            return kept, [line for p in paragraphs[k:] for line in p]
    return block, []


# Sentences that ask for something even without a question mark.
_ASK_VERBS = (
    r"provide|tell|send|supply|confirm|state|list|give|share|advise|disclose|let\s+me\s+know|include|explain"
    r"|detail|outline|indicate|identify|specify|forward|break|set\s+out|show|e-?mail|clarify"
)
_ASK = re.compile(
    rf"""(?:^|[,;:]\s*)(?:(?:and|also|finally|additionally|further(?:more)?|lastly|secondly|thirdly
        |in\s+addition)[,\s]+)?
        (?:please\s+(?:could\s+you\s+|can\s+you\s+|would\s+you\s+)?(?:also\s+)?(?:{_ASK_VERBS})
        |kindly\s+(?:also\s+)?(?:{_ASK_VERBS})
        |(?:could|can|would|will)\s+you\s+(?:please\s+)?(?:also\s+)?(?:{_ASK_VERBS})
        |i\s+(?:would|'d|’d)\s+(?:like|be\s+grateful)|i\s+wish\s+to\s+(?:know|receive|obtain|see|be\s+told)
        |i\s+(?:am\s+|'m\s+)?request(?:ing)?\s+(?:a\s+copy|copies|the|details|a\s+list|all|any|information\s+on))\b""",
    re.I | re.X,
)
#: What is asked about, wherever it stands in the sentence: "Under the FOI Act I would like to know how many…".
_SUBJECT = re.compile(
    r"""\b(?:i\s+(?:would\s+like|wish|want)\s+to\s+know|how\s+(?:many|much|often|long)|the\s+number\s+of
        |(?:a\s+)?cop(?:y|ies)\s+of\s+(?:the|your|any|all)|what\s+(?:is|are|was|were))\b""",
    re.I | re.X,
)
#: An ask written as a noun phrase at the start of a line: "The number of foster placements made…",
#: "The total amount spent on…", "A summary of the recorded outcomes…".
_NOUN_ASK = re.compile(
    r"""^(?:(?:and|also|in\s+addition|additionally|finally)[,\s]+)?(?:the\s+|a\s+|an\s+|any\s+|all\s+)?
        (?:total\s+|overall\s+|full\s+|annual\s+|average\s+|current\s+)?
        (?:numbers?|amounts?|totals?|costs?|values?|list|cop(?:y|ies)|details|breakdown|names?|percentages?
        |proportions?|figures?|summary|spend|expenditure|income|dates?|rates?)\b(?:\s+[\w'’-]+){0,3}?
        \s+(?:of|on|for|spent|paid|in|by|recovered|owed|added)\b""",
    re.I | re.X,
)
#: About handling the request, not about the information: "could you advise whether any clarification is needed?"
_PROCEDURAL = re.compile(
    r"\b(?:clarification|receipt\s+of|acknowledge?(?:ment)?|deadline|within\s+(?:the\s+)?20\s+(?:working\s+)?days)\b",
    re.I,
)
_LIST_QUESTION = re.compile(r"\b(?:how\s+(?:many|much)|the\s+number\s+of|what\s+(?:is|are|was|were))\b", re.I)
_FOLLOWING = re.compile(r"\b(?:the\s+following|as\s+follows)\b", re.I)
_PLEASE_VERB = re.compile(rf"\b(?:please|kindly|could\s+you|can\s+you)\s+(?:{_ASK_VERBS})\b", re.I)
_FOI_MENTION = re.compile(
    r"\b(?:freedom\s+of\s+information|FOIA?|environmental\s+information\s+regulations|EIR)\b", re.I
)
_BACKGROUND_VERB = re.compile(r"\b(?:writ(?:e|ing)|request(?:ing)?|make|making|submit(?:ting)?)\b", re.I)
_FOLLOW_ON = re.compile(r"^(?:if\s+(?:so|yes|not|no|this|that|there|the\s+answer|applicable)|and\s+if\b)", re.I)
_QUESTION_END = re.compile(r"\?[\"'”’)\]]*$")


def _is_question_sentence(sentence: str, line_start: bool = False) -> bool:
    """A sentence of running text that asks for something (not a scope, fallback or procedural line).

    `line_start`: the sentence begins a line, where a bare noun phrase ("The number of…") is an ask."""
    text = sentence.strip()
    if _PROCEDURAL.search(text) and not _SUBJECT.search(text):
        return False
    if is_fallback_line(text):
        return False
    if _QUESTION_END.search(text):
        return True
    if text.endswith(":"):  # "Of these cases how many were for a refusal to:" asks, its list follows
        return bool(_LIST_QUESTION.search(text)) and not _FOLLOWING.search(text)
    if _ASK.search(text) or _SUBJECT.search(text):
        # "I would like to make a request under the Freedom of Information Act." is background, not a question.
        return not (
            _FOI_MENTION.search(text)
            and _BACKGROUND_VERB.search(text)
            and not _PLEASE_VERB.search(text)
            and not _SUBJECT.search(text)
        )
    return line_start and bool(_NOUN_ASK.match(text))


def _is_background(sentence: str) -> bool:
    """The FOI framing sentence ("I am writing under the Freedom of Information Act 2000...")."""
    return bool(_FOI_MENTION.search(sentence)) and not _QUESTION_END.search(sentence) and not _SUBJECT.search(sentence)


@dataclass
class _Framing:
    """What a splitting strategy found around its questions."""

    preamble: str = ""
    closing: str = ""
    #: (scope line, number of questions before it) for lines found between questions in running text
    scope: list[tuple[str, int]] | None = None
    fallback: list[str] | None = None


def _running_questions(lines: list[_Line]) -> tuple[list[Question], _Framing]:
    """Questions asked in paragraphs without numbering."""
    questions: list[list[str]] = []
    parts: dict[int, list[tuple[str, str]]] = {}  # inline lettered parts of a question ("… positions: a) …, b) …")
    preamble: list[str] = []
    closing: list[str] = []
    scope: list[tuple[str, int]] = []
    fallback: list[str] = []
    lead_in: list[str] = []  # a paragraph ending in ":" introduces the next question
    for paragraph in _paragraphs(lines):
        items: list[tuple[str, bool, bool, _Line | None]] = []  # (text, is a list item, starts a line, the item's line)
        text_lines: list[_Line] = []
        for line in [*paragraph, None]:
            if line is None or line.bullet or line.labels:
                if text_lines:
                    starts = [" ".join(t.raw.split())[:20] for t in text_lines]
                    for sentence in _sentences(_join(text_lines)):
                        items.append((sentence, False, any(" ".join(sentence.split()).startswith(s) for s in starts), None))
                    text_lines = []
                if line is not None:
                    items.append((line.raw, True, True, line))
            else:
                text_lines.append(line)
        pending: list[str] = []
        asked_here = False
        for text, is_item, line_start, item_line in items:
            letter = item_line.label("alpha") if item_line is not None and item_line.inline else None
            if letter and questions and asked_here and letter.major == len(parts.get(len(questions) - 1, [])) + 1:
                # Split off the asking sentence at "a)", "b)" …: the parts of the question just asked.
                parts.setdefault(len(questions) - 1, []).append((letter.name, item_line.text))
                continue
            if not is_item and questions and _is_signoff(text):
                closing.append(text)  # "Thank you." between or after the questions
                continue
            scope_like = is_scope_line(text)
            if scope_like and not asked_here and not (is_item and questions):
                scope.append((text, len(questions)))  # a standalone scope line governs the questions around it
                continue
            if is_fallback_line(text):
                fallback.append(text)
                continue
            if not is_item and not scope_like and _is_question_sentence(text, line_start):
                if asked_here and _FOLLOW_ON.match(text):
                    questions[-1].append(text)
                elif not questions:  # the introduction stays in the preamble, not glued to question 1
                    if pending:
                        preamble.append(" ".join(pending))
                    questions.append([*lead_in, text])
                else:
                    questions.append([*lead_in, *pending, text])
                lead_in, pending, asked_here = [], [], True
            elif asked_here or (is_item and questions):
                questions[-1].append(text)
            elif not _is_background(text):
                pending.append(text)
            elif not questions:
                preamble.append(text)
        if not pending:
            continue
        joined = " ".join(pending)
        if not questions:
            preamble.append(joined)
        elif joined.endswith(":"):
            lead_in.append(joined)
        elif _is_closing(joined):
            closing.append(joined)
        else:
            questions[-1].extend(pending)
    if lead_in:
        closing.extend(lead_in)
    built = [
        Question(number=str(n), text=_join_sentences(q), parts=parts.get(n - 1, []) if len(parts.get(n - 1, [])) > 1 else [])
        for n, q in enumerate(questions, start=1)
    ]
    # A lone "a)" is no list of parts: it stays in the question's words.
    for i, q in enumerate(built):
        lone = parts.get(i, [])
        if len(lone) == 1:
            built[i] = Question(number=q.number, text=f"{q.text} {lone[0][0]}) {lone[0][1]}".strip())
    return built, _Framing("\n\n".join(preamble), "\n\n".join(closing), scope, fallback)


def _join_sentences(items: list[str]) -> str:
    out = ""
    for item in items:
        if not out:
            out = item
        elif _BULLET.match(item) or out.endswith(":"):
            out += "\n" + item
        else:
            out += " " + item
    return out


def _bullet_questions(lines: list[_Line]) -> tuple[list[Question], str, str]:
    """Each bullet is a question when nothing is numbered; returns (questions, preamble, closing)."""
    starts = [i for i, line in enumerate(lines) if line.bullet]
    blocks = []
    closing = ""
    for k, start in enumerate(starts):
        stop = starts[k + 1] if k + 1 < len(starts) else len(lines)
        block = lines[start:stop]
        if k + 1 == len(starts):
            block, closing = _split_tail(block)
        blocks.append(block)
    questions = [Question(number=str(n), text=_join(b, b[0].text)) for n, b in enumerate(blocks, start=1)]
    return questions, _join(lines[: starts[0]]), closing


# ---------------------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------------------

_SEPARATOR = re.compile(r"^(?:-{5,}|_{5,}|={5,})\s*$")


def _end_of_letter(lines: list[_Line]) -> int:
    """Index of the first line of e-mail history or a request site's footer (a ruled line), else len(lines)."""
    for i, line in enumerate(lines):
        if _EMAIL_HISTORY.match(line.raw) or _SEPARATOR.match(line.raw):
            return i
    return len(lines)


def _asks_something(line: _Line) -> bool:
    return bool(line.labels or line.bullet or "?" in line.raw or _ASK.search(line.raw) or _NOUN_ASK.match(line.text))


def _questions_follow(lines: list[_Line]) -> bool:
    """Questions after a sign-off: a question mark, or two or more labelled or bulleted lines of some length
    (a name such as "P. Brown" reads like a label, so one is not enough)."""
    listed = [line for line in lines if (line.labels or line.bullet) and len(line.text.split()) >= 3]
    return len(listed) >= 2 or any("?" in line.raw for line in lines)


def _parts_of_a_question(lines: list[_Line], chain: list[int]) -> bool:
    """Letters written mid-line after a question ("…employed in these positions: a) Social Worker, b) …") are
    that question's parts, not the request's numbering."""
    first = chain[0]
    if not lines[first].inline or first == 0:
        return False
    before = _sentences(lines[first - 1].raw)
    return bool(before) and _is_question_sentence(before[-1])


def _cut_signoff(lines: list[_Line]) -> list[_Line]:
    """Drop everything from the sign-off on.

    Only a sign-off after the first question-like line counts, so an opening "Thank you for your reply to my
    last request." is not taken for the end of the letter; and a sign-off followed by questions (the requester
    signed the covering note, then pasted the questions) does not end the request either.
    """
    end = _end_of_letter(lines)
    lines = lines[:end]
    anchor = next((i for i, line in enumerate(lines) if _asks_something(line)), None)
    if anchor is None:  # no question-like line: the first line only counts if it is a plain closing
        first = next((i for i, line in enumerate(lines) if not line.blank), 0)
        anchor = first - 1 if _signoff_kind(lines[first].raw if lines else "") in ("strong", "weak") else first
    for i in range(anchor + 1, len(lines)):
        if not lines[i].inline and _is_signoff(lines[i].raw):
            if _questions_follow(lines[i + 1:]):
                continue
            lines = lines[:i]
            break
    # "...2024? Many thanks, Jo" on the last line.
    for i in range(len(lines) - 1, -1, -1):
        if not lines[i].blank:
            cleaned = _INLINE_SIGNOFF.sub("", lines[i].raw)
            if cleaned != lines[i].raw:
                lines = [*lines[:i], _read_line(cleaned, lines[i].inline)]
            break
    return lines


_TRAILING_CLOSE = re.compile(
    rf"""^(?:{_SIGNOFF_STRONG}|{_SIGNOFF_SENTENCE}|{_SIGNOFF_WEAK}|i\s+(?:would\s+be|am)\s+(?:most\s+)?grateful
        \s+for\s+your\s+(?:help|assistance|time))\b""",
    re.I | re.X,
)


def _peel_sign_off(question: Question) -> tuple[Question, list[str]]:
    """The sign-off glued to the end of the last question ("…in 2023? I look forward to your reply.")."""
    if question.parts:
        label, text = question.parts[-1]
        pieces = _sentences(text)
        peeled = _trailing(pieces)
        if not peeled:
            return question, []
        kept = " ".join(pieces[: len(pieces) - len(peeled)])
        return replace(question, parts=[*question.parts[:-1], (label, kept)]), peeled
    pieces = _sentences(question.text)
    peeled = _trailing(pieces)
    if not peeled:
        return question, []
    return replace(question, text=" ".join(pieces[: len(pieces) - len(peeled)])), peeled


def _trailing(pieces: list[str]) -> list[str]:
    peeled: list[str] = []
    for piece in reversed(pieces[1:]):
        if "?" in piece or not _TRAILING_CLOSE.match(piece):
            break
        peeled.insert(0, piece)
    return peeled


def _framing_sentences(text: str) -> list[str]:
    return [s for paragraph in text.split("\n") if paragraph.strip() for s in _sentences(paragraph.strip())]


_LEADING_CLAUSE = re.compile(r"^((?:for|in|over|during|covering)\s+(?:each|every|all|the)\b[^,.?:;\n]{5,120}),\s+\S", re.I)


def _attach_scope(questions: list[Question], scope: list[tuple[str, int]]) -> list[Question]:
    """Each question gets the scope lines that govern it: those naming it ("for questions 3-5"), else those
    written before it (a line before the first question, or after the last, governs them all)."""
    numbers = [q.number for q in questions]
    context: list[list[str]] = [list(q.context) for q in questions]
    for line, before in scope:
        named = governed_numbers(line, numbers)
        if named is not None:
            targets = [k for k, n in enumerate(numbers) if n in named]
        elif before >= len(questions):
            targets = list(range(len(questions)))
        else:
            targets = list(range(before, len(questions)))
        for k in targets:
            if line not in context[k]:
                context[k].append(line)
    return [replace(q, context=c) if c != q.context else q for q, c in zip(questions, context)]


def _letter_lines(raw_lines: list[str]) -> list[tuple[str, str]]:
    """The request's lines up to any e-mail history or site footer, quoted lines left out."""
    out: list[tuple[str, str]] = []
    for raw in raw_lines:
        if _EMAIL_HISTORY.match(raw) or _SEPARATOR.match(raw):
            break
        if raw and not raw.startswith(">"):
            out.append((raw, "body"))
    return out


def parse_request(
    text: str, *, max_chars: int = DEFAULT_MAX_CHARS, max_questions: int = DEFAULT_MAX_QUESTIONS
) -> ParsedRequest:
    """Split a request into questions, keeping the background, scope, fallback and closing text apart and
    flagging any ask left outside the questions."""
    checked = _checked_lines(text, max_chars)
    headers, raw_lines = _drop_greeting(checked)
    lines = _cut_signoff(_tokenize(raw_lines))
    while lines and lines[-1].blank:
        lines.pop()
    if not lines:
        raise RequestError("The request has no question in it, only a greeting or sign-off.")

    chosen: tuple[str, list[int]] | None = None
    score, chain = _best_chain(lines, "num")
    if chain and score >= 1:
        chosen = ("num", chain)
        # "A) … 1) … 2) … B) … C)": capital letters above the numbers make the questions, numbers their parts.
        alpha_score, alpha_chain = _best_chain(lines, "alpha")
        if (
            len(alpha_chain) >= 2
            and alpha_score >= 1
            and alpha_chain[0] < chain[0]
            and all(lines[i].raw.lstrip("(")[:1].isupper() for i in alpha_chain)
            and chain[-1] < alpha_chain[-1]
        ):
            chosen = ("alpha", alpha_chain)
    else:
        candidates = [(_best_chain(lines, scheme), scheme) for scheme in ("alpha", "roman")]
        (score, chain), scheme = max(candidates, key=lambda c: (c[0][0], -(c[0][1] or [len(lines)])[0]))
        if len(chain) >= 2 and score >= 1 and not _parts_of_a_question(lines, chain):
            chosen = (scheme, chain)

    framing = _Framing()
    numbered = chosen is not None
    if chosen is not None:
        scheme, chain = chosen
        questions, closing = _numbered_questions(lines, chain, scheme)
        framing = _Framing(_join(lines[: chain[0]]), closing)
    elif any(line.bullet for line in lines) and not any(
        _is_question_sentence(s)
        for s in _sentences(_join(lines[: next(i for i, line in enumerate(lines) if line.bullet)]))
    ):
        questions, preamble, closing = _bullet_questions(lines)
        framing = _Framing(preamble, closing)
    else:
        questions, framing = _running_questions(lines)
        if not questions:
            questions, framing = [Question(number="1", text=_join(lines))], _Framing()

    if len(questions) > max_questions:
        raise RequestError(
            f"The request has {len(questions)} questions, over the limit of {max_questions}; "
            "split it into smaller requests."
        )

    closing_parts = [framing.closing] if framing.closing else []
    if questions:
        last, peeled = _peel_sign_off(questions[-1])
        if peeled and (last.text or last.parts):
            questions[-1] = last
            closing_parts.append(" ".join(peeled))
    closing = "\n\n".join(closing_parts)

    scope: list[tuple[str, int]] = list(framing.scope or [])
    fallback: list[str] = list(framing.fallback or [])
    for sentence in _framing_sentences(framing.preamble):
        if is_scope_line(sentence):
            scope.append((sentence, 0))
        elif is_fallback_line(sentence):
            fallback.append(sentence)
    for sentence in _framing_sentences(closing):
        if is_scope_line(sentence):
            scope.append((sentence, len(questions)))
        elif is_fallback_line(sentence):
            fallback.append(sentence)
    clause_scope: list[str] = []
    for k, question in enumerate(questions):  # "For each of the financial quarters since January 2020, how many…"
        clause = _LEADING_CLAUSE.match(question.text)
        if clause and is_scope_line(clause.group(1)):
            clause_scope.append(clause.group(1))  # governs its own question only
            questions[k] = replace(question, context=[*question.context, clause.group(1)])
    for question in questions:  # "If data is not available for a year, please say why." under one question
        for piece in [question.text, *(text for _, text in question.parts)]:
            fallback.extend(s for s in _framing_sentences(piece) if is_fallback_line(s))
    questions = _attach_scope(questions, scope)
    scope_lines = list(dict.fromkeys([*(line for line, _ in scope), *clause_scope]))
    fallback_lines = list(dict.fromkeys(fallback))
    left_out = find_left_out(_letter_lines(checked), questions, [*scope_lines, *fallback_lines])
    preamble = "\n".join([*headers, framing.preamble] if framing.preamble else headers)
    return ParsedRequest(
        questions=questions,
        preamble=preamble,
        closing=closing,
        scope_lines=scope_lines,
        fallback_lines=fallback_lines,
        left_out=left_out,
        numbered=numbered,
    )


def split_request(
    text: str, *, max_chars: int = DEFAULT_MAX_CHARS, max_questions: int = DEFAULT_MAX_QUESTIONS
) -> list[Question]:
    """The questions of an FOI request, in order, numbered as the requester numbered them.

    Raises :class:`RequestError` for empty, over-long or binary text, or more than ``max_questions``.
    """
    return parse_request(text, max_chars=max_chars, max_questions=max_questions).questions
