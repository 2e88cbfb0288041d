"""The officer corrects the proposed split before drafting: edit, merge, split, promote, remove.

Pure functions: each takes a :class:`ParsedRequest` and returns a new one, leaving the argument untouched, so
the UI can keep the history and the case store saves exactly what the officer confirmed. Nothing is lost: a
removed question goes back to the left-out sentences (where it can be promoted again), and a merge keeps both
texts.

Numbering: the requester's numbers stay as written; a question the officer adds (by splitting one or
promoting a left-out sentence) takes the number before it with ".1", ".2"… ("3.1"), or the officer types one.
When the requester numbered nothing, the questions are simply renumbered 1..n after each change.
"""
from __future__ import annotations

import re
from dataclasses import replace

from assistant.models import Question
from assistant.requests.result import LeftOut, ParsedRequest

REMOVED = "removed by the officer"


class SplitEditError(ValueError):
    """An edit that cannot be made; the message is meant for the officer."""


def _check_index(parsed: ParsedRequest, index: int) -> None:
    if not 0 <= index < len(parsed.questions):
        raise SplitEditError(f"There is no question at position {index + 1} (the request has {len(parsed.questions)}).")


def _clean(text: str, what: str = "The question") -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise SplitEditError(f"{what} is empty: type its text, or remove it instead.")
    return cleaned


def _unique(base: str, taken: set[str]) -> str:
    k = 1
    while f"{base}.{k}" in taken:
        k += 1
    return f"{base}.{k}"


def _renumbered(parsed: ParsedRequest, questions: list[Question]) -> ParsedRequest:
    if not parsed.numbered:
        questions = [replace(q, number=str(n)) for n, q in enumerate(questions, start=1)]
    return replace(parsed, questions=questions)


def edit_question(
    parsed: ParsedRequest,
    index: int,
    text: str,
    *,
    parts: list[tuple[str, str]] | None = None,
    number: str | None = None,
) -> ParsedRequest:
    """Change a question's text (and, when given, its sub-parts or its number)."""
    _check_index(parsed, index)
    question = parsed.questions[index]
    changes: dict = {"text": _clean(text)}
    if parts is not None:
        changes["parts"] = [(str(label).strip(), body.strip()) for label, body in parts if body and body.strip()]
    if number is not None and number.strip() != question.number:
        wanted = number.strip()
        if not wanted:
            raise SplitEditError("A question needs a number.")
        if wanted in {q.number for k, q in enumerate(parsed.questions) if k != index}:
            raise SplitEditError(f"Question {wanted} already exists: choose another number.")
        changes["number"] = wanted
    questions = list(parsed.questions)
    questions[index] = replace(question, **changes)
    return replace(parsed, questions=questions)


def merge_questions(parsed: ParsedRequest, index: int) -> ParsedRequest:
    """Merge the question at `index` with the one after it (one ask the splitter cut in two); the first
    keeps its number, the texts and sub-parts are joined and the scope lines of both kept."""
    _check_index(parsed, index)
    if index + 1 >= len(parsed.questions):
        raise SplitEditError("The last question has no question after it to merge with.")
    first, second = parsed.questions[index], parsed.questions[index + 1]
    merged = Question(
        number=first.number,
        text="\n".join(t for t in (first.text, second.text) if t),
        parts=[*first.parts, *second.parts],
        context=list(dict.fromkeys([*first.context, *second.context])),
    )
    questions = [*parsed.questions[:index], merged, *parsed.questions[index + 2:]]
    return _renumbered(parsed, questions)


def split_question(parsed: ParsedRequest, index: int, at: int) -> ParsedRequest:
    """Cut a question's text in two at character `at` (two asks the splitter left together). The sub-parts go
    with the second piece, which they follow in the text; both keep the question's scope lines."""
    _check_index(parsed, index)
    question = parsed.questions[index]
    head, tail = question.text[:at].strip(), question.text[at:].strip()
    if not head or not tail:
        raise SplitEditError("Choose where to split inside the question's text: both pieces need some text.")
    taken = {q.number for q in parsed.questions}
    first = replace(question, text=head, parts=[])
    second = Question(number=_unique(question.number, taken), text=tail, parts=list(question.parts), context=list(question.context))
    questions = [*parsed.questions[:index], first, second, *parsed.questions[index + 1:]]
    return _renumbered(parsed, questions)


def split_at_blank_line(parsed: ParsedRequest, index: int) -> ParsedRequest:
    """Split where the officer left an empty line in the question's text (how the Draft view asks for it)."""
    _check_index(parsed, index)
    text = parsed.questions[index].text
    position = text.find("\n\n")
    if position < 0:
        raise SplitEditError("Put an empty line in the question's text where it should be split, then split.")
    return split_question(parsed, index, position)


def promote_left_out(parsed: ParsedRequest, item: int, *, text: str | None = None) -> ParsedRequest:
    """Make a left-out sentence a question, placed where the requester wrote it."""
    if not 0 <= item < len(parsed.left_out):
        raise SplitEditError(f"There is no left-out sentence number {item + 1}.")
    left = parsed.left_out[item]
    position = min(max(left.before, 0), len(parsed.questions))
    taken = {q.number for q in parsed.questions}
    if parsed.numbered:
        base = parsed.questions[position - 1].number if position > 0 else "0"
        number = _unique(base, taken)
    else:
        number = str(position + 1)
    neighbour = parsed.questions[position - 1] if position > 0 else (parsed.questions[0] if parsed.questions else None)
    question = Question(number=number, text=_clean(text if text is not None else left.text), context=list(neighbour.context) if neighbour else [])
    questions = [*parsed.questions[:position], question, *parsed.questions[position:]]
    left_out = [entry for k, entry in enumerate(parsed.left_out) if k != item]
    return _renumbered(replace(parsed, left_out=left_out), questions)


def remove_question(parsed: ParsedRequest, index: int) -> ParsedRequest:
    """Take a question out of the split (not an ask: a heading, a note). Its text joins the left-out
    sentences, so it stays visible and can be promoted back."""
    _check_index(parsed, index)
    if len(parsed.questions) == 1:
        raise SplitEditError("A request needs at least one question: edit this one instead of removing it.")
    question = parsed.questions[index]
    left = LeftOut(question.full_text, REMOVED, index)
    questions = [q for k, q in enumerate(parsed.questions) if k != index]
    return _renumbered(replace(parsed, left_out=[*parsed.left_out, left]), questions)


def parse_edited_question(text: str) -> tuple[str, list[tuple[str, str]]]:
    """A question as the officer typed it in one box: its own text, then one line per sub-part ("a) …")."""
    own: list[str] = []
    parts: list[tuple[str, str]] = []
    for line in (text or "").splitlines():
        match = re.match(r"^\s*\(?([a-z]|[ivx]{1,5}|\d{1,2})\)\s+(.*\S)\s*$", line)
        if match and (parts or own):
            parts.append((match.group(1), match.group(2)))
        elif parts and line.strip():
            label, body = parts[-1]
            parts[-1] = (label, f"{body} {line.strip()}")
        else:
            own.append(line)
    return "\n".join(own).strip(), parts


def summary(parsed: ParsedRequest) -> str:
    """One line for the audit trail: how many questions, their numbers, how many sentences left out."""
    numbers = ", ".join(q.number for q in parsed.questions)
    left = sum(1 for item in parsed.left_out if item.where != REMOVED)
    return f"{len(parsed.questions)} question(s): {numbers}; {left} possible question(s) left out"
