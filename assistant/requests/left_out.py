"""Nothing dropped silently: every ask in the request that ended up outside the questions is flagged.

Works from the request text itself, not from how the splitter read it, so it also catches what a splitting
mistake dropped: each ask cue (a question mark, "how many", "please provide", "the number of", "I would like
to know"…) must fall inside a question, a sub-part, a scope line or a fallback line; the sentence around any
cue that does not is returned as ``possible_question_left_out``. A lead-in ("Please provide the following:")
is not an ask of its own and is not flagged.
"""
from __future__ import annotations

import re
from typing import Iterable

from assistant.models import Question
from assistant.requests.result import LeftOut
from assistant.requests.sentences import sentences

ASK_CUE = re.compile(
    r"""\?|\bhow\s+(?:many|much|often|long)\b|\bthe\s+number\s+of\b|\bi\s+would\s+like\s+to\s+know\b
        |\b(?:please|kindly)\s+(?:could\s+you\s+|can\s+you\s+)?(?:also\s+)?(?:provide|send|supply|confirm|tell|list
        |give|disclose|state|advise|share|specify|include|detail)\b
        |\b(?:could|can|would|will)\s+you\s+(?:please\s+)?(?:also\s+)?(?:provide|tell|confirm|send|supply|list|give
        |advise|state|share|disclose)\b
        |\bi\s+(?:would\s+like|wish|want)\s+to\s+(?:request|receive|know|obtain|see)\b""",
    re.I | re.X,
)
#: "Please provide the following (information) (under the Act)": introduces the questions, asks nothing itself.
_LEAD_IN = re.compile(
    r"""^(?:please\s+(?:advise|provide|supply|send|tell\s+me)[\s.:]*$
        |.{0,80}?\b(?:the\s+following|these\s+questions|as\s+follows)\b(?:\s+(?:information|details|data|questions?
        |figures))?(?:\s*(?:under|in\s+accordance\s+with|as\s+per|pursuant\s+to)\b[^?]*)?[\s.:;,-]*$)""",
    re.I | re.X,
)
_RECEIPT = re.compile(r"\b(?:confirm|acknowledge)\s+(?:the\s+)?receipt\b", re.I)
_CLIP = re.compile(
    r"[?!:;]\s*|\.\s+|\s\(?\d{1,3}[a-z]?[.)]\s+|\s\(?[a-z]\)\s+|\s[*•+]\s*|\s(?:Q|Question)\s*\d{1,3}[a-z]?[.):]?\s+"
)
_LABEL = re.compile(
    r"^\s*(?:\(?(?:\d{1,3}[a-z]?|[a-zA-Z]|[ivx]{1,5})[.)]|(?:Q|Question)\s*\.?\s*\d{1,3}[a-z]?[.):]?|[*•+-])\s*"
)
_WINDOW = 40


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _window(body: str, match: re.Match) -> str:
    """The text around one ask cue that a question holding it must contain: for a question mark the words
    before it, for other cues the words after, clipped at the nearest sentence or label boundary."""
    if match.group() == "?":
        start = max(0, match.start() - _WINDOW)
        piece = body[start:match.start()]
        cuts = [m.end() for m in _CLIP.finditer(piece)]
        return _LABEL.sub("", piece[cuts[-1]:] if cuts else piece)
    piece = body[match.start():match.end() + _WINDOW]
    cut = _CLIP.search(piece, match.end() - match.start())
    return piece[: cut.start()] if cut else piece


def _sentence_at(body: str, position: int) -> str:
    start = 0
    for sentence in sentences(body):
        found = body.find(sentence, start)
        if found < 0:
            continue
        if found <= position < found + len(sentence):
            return sentence
        start = found + len(sentence)
    return body.strip()


def find_left_out(
    paragraphs: Iterable[tuple[str, str]],
    questions: list[Question],
    kept: Iterable[str] = (),
) -> list[LeftOut]:
    """Asks in `paragraphs` (``(text, where)`` pairs in reading order, `where` being "body" or "after the
    sign-off") that no question, sub-part or `kept` line (scope, fallback) contains."""
    covered = [_norm(q.text) for q in questions]
    covered += [_norm(text) for q in questions for _, text in q.parts]
    covered += [_norm(line) for line in kept]
    covered_all = "\n".join(covered)
    starts = [_norm(q.text)[:30] for q in questions]
    found: list[LeftOut] = []
    seen: set[str] = set()
    position_text = ""
    whole = set(covered)
    for paragraph, where in paragraphs:
        body = " ".join(paragraph.split())
        if _norm(_LABEL.sub("", body)) in whole:  # the line is a question or a part as it stands
            position_text += " " + body
            continue
        for match in ASK_CUE.finditer(body):
            window = _norm(_window(body, match)).strip(" ,;:-")
            if not window or window in covered_all:
                continue
            sentence = _sentence_at(body, match.start())
            key = _norm(sentence)
            if key in seen or key in covered_all or sentence.rstrip().endswith(":") or _LEAD_IN.match(sentence):
                continue
            if _RECEIPT.search(sentence):
                continue
            seen.add(key)
            before = _questions_before(position_text + " " + body[: match.start()], starts)
            if where == "body":
                where_name = "preamble" if before == 0 else "closing" if before >= len(questions) else "between questions"
            else:
                where_name = where
            found.append(LeftOut(sentence.strip(), where_name, before))
        position_text += " " + body
    return found


def _questions_before(text_so_far: str, starts: list[str]) -> int:
    """How many questions begin before this point of the request (the position a promoted sentence takes)."""
    seen = _norm(text_so_far)
    count = 0
    cursor = 0
    for start in starts:
        if not start:
            count += 1
            continue
        at = seen.find(start, cursor)
        if at < 0:
            break
        count += 1
        cursor = at + len(start)
    return count
