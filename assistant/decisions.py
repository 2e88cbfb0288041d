"""Turn a past FOI decision into question–answer pairs.

Officers re-use answers question by question, so the unit of retrieval is one past question with the part of the
reply that answers it. Two layouts are read: the council's disclosure-log page copied as text (``- Request`` /
``- Decision`` / ``- Reference number`` ...) and the structured Markdown of ``docs/formats.md``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from assistant.readers import ReadError, split_front_matter

_PAGE_FIELDS = {
    "request": "request",
    "decision": "decision",
    "reference number": "reference",
    "date request received": "received",
    "date of decision": "decided",
}
_PAGE_FIELD_RE = re.compile(
    r"(?:^|\n|\s)-\s*(Request|Decision|Reference number|Date request received|Date of decision)\s*\n-?",
    re.I,
)
# An answer label: "7.", "7a-d.", "9)", "1-4." — possibly glued to the previous word, as on copied web pages.
_ANSWER_LABEL = re.compile(
    r"(?<![\d£$.,/:%])(?P<num>\d{1,2})(?P<letters>[a-z](?:\s*-\s*[a-z])?)?(?P<range>\s*-\s*\d{1,2})?[.)]"
    r"(?=\s*[A-Z\"'‘“(])"
)


@dataclass
class QAPair:
    labels: tuple[str, ...]
    question: str
    answer: str


@dataclass
class ParsedDecision:
    title: str
    reference: str
    received: date | None
    decided: date | None
    pairs: list[QAPair]
    general: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    scope: str = ""  # the request's text before its numbered questions ("please give figures for 2024")
    opening: str = ""  # the response's text before its numbered answers ("The figures are a snapshot at 1/11/23")


def is_page_copy(text: str) -> bool:
    return bool(re.search(r"(^|\n)-\s*Request\s*\n", text)) and bool(re.search(r"-\s*Decision\s*\n", text))


def is_structured_decision(meta: dict, body: str) -> bool:
    return bool(re.search(r"^##\s+Request\s*$", body, re.M)) and bool(re.search(r"^##\s+Response\s*$", body, re.M))


def parse_date(value: Any) -> date | None:
    """Dates arrive as YAML dates, ISO strings or the council's '14 May 2025' / '04/04/23' forms."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def expand_label(label: str) -> set[str]:
    """'7a-d' -> {7a,7b,7c,7d}; '1-4' -> {1,2,3,4}; '2, 3' -> {2,3}; '7' -> {7}."""
    out: set[str] = set()
    for part in re.split(r"\s*(?:,|&|\band\b)\s*", label.strip().lower()):
        part = part.strip().rstrip(".)").replace("q", "")
        if not part:
            continue
        m = re.fullmatch(r"(\d+)([a-z])\s*-\s*([a-z])", part)
        if m:
            out |= {f"{m.group(1)}{chr(c)}" for c in range(ord(m.group(2)), ord(m.group(3)) + 1)}
            continue
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        if m and int(m.group(1)) <= int(m.group(2)):
            out |= {str(n) for n in range(int(m.group(1)), int(m.group(2)) + 1)}
            continue
        m = re.fullmatch(r"(\d+)([a-z]?)", part)
        if m:
            out.add(part)
    return out


def _base(label: str) -> str:
    return re.match(r"\d+", label).group(0) if re.match(r"\d+", label) else label


def pair_answers(questions: list[tuple[str, str]], answers: list[tuple[str, str]]) -> tuple[list[QAPair], list[str]]:
    """Pair each answer with the questions its label covers; unmatched answers become general text."""
    pairs: list[QAPair] = []
    general: list[str] = []
    for answer_label, answer_text in answers:
        covered_labels = expand_label(answer_label)
        covered = [
            (q_label, q_text)
            for q_label, q_text in questions
            if q_label in covered_labels
            or _base(q_label) in covered_labels
            or (q_label == _base(q_label) and any(_base(a) == q_label for a in covered_labels))
        ]
        if not covered or not answer_text.strip():
            if answer_text.strip():
                general.append(answer_text.strip())
            continue
        pairs.append(
            QAPair(
                labels=tuple(q for q, _ in covered),
                question="\n".join(f"{q}. {t}" if len(covered) > 1 else t for q, t in covered),
                answer=answer_text.strip(),
            )
        )
    return pairs, general


def parse_structured(text: str) -> ParsedDecision:
    meta, body = split_front_matter(text)
    sections = re.split(r"^##\s+(Request|Response)\s*$", body, flags=re.M | re.I)
    parts: dict[str, str] = {}
    for i in range(1, len(sections) - 1, 2):
        parts[sections[i].lower()] = sections[i + 1]
    if "request" not in parts or "response" not in parts:
        raise ReadError("a structured decision needs '## Request' and '## Response' sections")
    questions, request_preamble = _labelled_sections(parts["request"])
    answers, preamble = _labelled_sections(parts["response"])
    if not questions:
        raise ReadError("no numbered questions ('### 1') under '## Request'")
    pairs, general = pair_answers(questions, answers)
    title = str(meta.get("title") or _first_heading(body) or "Untitled decision")
    return ParsedDecision(
        title=title,
        reference=str(meta.get("reference") or "").strip(),
        received=parse_date(meta.get("received")),
        decided=parse_date(meta.get("decided")),
        pairs=pairs,
        general=([preamble] if preamble else []) + general,
        meta=meta,
        scope=request_preamble,
        opening=preamble,
    )


def _first_heading(body: str) -> str:
    m = re.search(r"^#\s+(.+)$", body, re.M)
    return m.group(1).strip() if m else ""


def _labelled_sections(text: str) -> tuple[list[tuple[str, str]], str]:
    chunks = re.split(r"^###\s+(?:Q(?:uestion)?\s*)?([0-9][0-9a-zA-Z ,&\-]*?)\.?\s*$", text, flags=re.M)
    preamble = _clean(chunks[0])
    labelled = [(chunks[i].strip().lower(), _clean(chunks[i + 1])) for i in range(1, len(chunks) - 1, 2)]
    return labelled, preamble


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().split("\n")).strip()


def parse_page_copy(text: str) -> ParsedDecision:
    """Read the disclosure-log page layout, where answers are often glued to the previous line."""
    from assistant.requests import RequestError, split_request

    fields: dict[str, str] = {}
    matches = list(_PAGE_FIELD_RE.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        key = _PAGE_FIELDS[m.group(1).lower()]
        fields.setdefault(key, text[m.end():end].strip())
    if "request" not in fields or "decision" not in fields:
        raise ReadError("not a decision page: '- Request' and '- Decision' fields are missing")
    try:
        questions = split_request(fields["request"])
    except RequestError as exc:
        raise ReadError(f"the request could not be split: {exc}") from exc
    flat: list[tuple[str, str]] = []
    for q in questions:
        if q.text:
            flat.append((q.number, q.text))
        flat.extend((f"{q.number}{label}", part) for label, part in q.parts)
    decision = fields["decision"]
    numbers = {int(_base(label)) for label, _ in flat if _base(label).isdigit()}
    answers, preamble = split_page_answers(decision, numbers)
    pairs, general = pair_answers(flat, answers)
    title, preamble = _title_from_preamble(preamble)
    return ParsedDecision(
        title=title or _title_from_questions(flat),
        reference=fields.get("reference", "").strip(" -\n"),
        received=parse_date(fields.get("received", "").strip(" -\n")),
        decided=parse_date(fields.get("decided", "").strip(" -\n")),
        pairs=pairs,
        general=([preamble] if preamble else []) + general,
        meta={},
    )


def split_page_answers(decision: str, numbers: set[int]) -> tuple[list[tuple[str, str]], str]:
    """Find answer labels in reading order, accepting only labels that move forward through the questions."""
    accepted: list[tuple[int, int, str]] = []  # (start, end, label)
    last = 0
    for m in _ANSWER_LABEL.finditer(decision):
        n = int(m.group("num"))
        if n not in numbers or not (last < n <= last + 3):
            continue
        label = m.group("num") + (m.group("letters") or "").replace(" ", "") + (m.group("range") or "").replace(" ", "")
        accepted.append((m.start(), m.end(), label))
        last = int(re.match(r"\d+", (m.group("range") or "").strip(" -") or m.group("num")).group(0))
    if not accepted:
        return [], decision.strip()
    preamble = decision[: accepted[0][0]].strip()
    answers = []
    for i, (start, end, label) in enumerate(accepted):
        stop = accepted[i + 1][0] if i + 1 < len(accepted) else len(decision)
        answers.append((label, decision[end:stop].strip()))
    return answers, preamble


def _title_from_preamble(preamble: str) -> tuple[str, str]:
    """Copied pages carry the page title ('X - Find a freedom of information request - Council') in the text."""
    lines = preamble.split("\n")
    for i, line in enumerate(lines):
        if "find a freedom of information request" in line.lower():
            title = re.split(r"\s+[-–]\s+Find a freedom", line, flags=re.I)[0].strip()
            rest = "\n".join(lines[:i] + lines[i + 1:]).strip()
            return title, rest
    return "", preamble


def _title_from_questions(flat: list[tuple[str, str]]) -> str:
    first = flat[0][1] if flat else "Past FOI decision"
    words = first.split()
    return " ".join(words[:10]) + ("…" if len(words) > 10 else "")
