"""What splitting a request gives: the questions, and everything around them kept (nothing dropped silently)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.models import Question

LEFT_OUT = "possible_question_left_out"


class RequestError(ValueError):
    """The text cannot be read as an FOI request; the message is meant for the officer."""


@dataclass(frozen=True)
class LeftOut:
    """A sentence outside the questions that reads like an ask: the officer decides whether it is a question.

    `before` is the position of the question it stood before (the number of questions when it came after
    the last one), so promoting it puts it back where the requester wrote it."""

    text: str
    where: str  # "preamble", "closing", "after the sign-off", "between questions"
    before: int = 0
    kind: str = LEFT_OUT


@dataclass(frozen=True)
class ParsedRequest:
    """A request split into questions, with the framing text kept apart for context.

    * `preamble` / `closing`: the text before the first and after the last question (greeting and sign-off
      excluded);
    * `scope_lines`: periods, breakdowns and definitions that govern several questions; each question they
      govern carries them in :attr:`Question.context`;
    * `fallback_lines`: what the requester will accept instead ("if this exceeds the cost limit, please
      provide…"): kept with the request, never drafted as questions;
    * `left_out`: sentences outside the questions that read like an ask (flag ``possible_question_left_out``);
    * `numbered`: the requester numbered or lettered the questions (their labels are kept).
    """

    questions: list[Question]
    preamble: str = ""
    closing: str = ""
    scope_lines: list[str] = field(default_factory=list)
    fallback_lines: list[str] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    numbered: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "questions": [question_json(q) for q in self.questions],
            "preamble": self.preamble,
            "closing": self.closing,
            "scope_lines": list(self.scope_lines),
            "fallback_lines": list(self.fallback_lines),
            LEFT_OUT: [asdict(item) for item in self.left_out],
            "numbered": self.numbered,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ParsedRequest":
        return cls(
            questions=[question_from_json(q) for q in data.get("questions", [])],
            preamble=str(data.get("preamble", "")),
            closing=str(data.get("closing", "")),
            scope_lines=[str(s) for s in data.get("scope_lines", [])],
            fallback_lines=[str(s) for s in data.get("fallback_lines", [])],
            left_out=[
                LeftOut(str(i["text"]), str(i.get("where", "")), int(i.get("before", 0)))
                for i in data.get(LEFT_OUT, [])
            ],
            numbered=bool(data.get("numbered", False)),
        )


def question_json(q: Question) -> dict[str, Any]:
    return {"number": q.number, "text": q.text, "parts": [list(p) for p in q.parts], "context": list(q.context)}


def question_from_json(data: dict[str, Any]) -> Question:
    return Question(
        number=str(data["number"]),
        text=str(data.get("text", "")),
        parts=[(str(a), str(b)) for a, b in data.get("parts", [])],
        context=[str(c) for c in data.get("context", [])],
    )
