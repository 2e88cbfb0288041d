"""How well the splitter agrees with a careful human's split of real requests (``evals/real_requests/*.yaml``).

A dropped or merged question is a reply that ignores part of a request, so the figure that matters is whether
the number of questions matches the human count; sub-parts and per-question text matches are reported too.
Pure functions over the YAML records, so a test and a script share them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml
from rapidfuzz import fuzz

from assistant.models import Question

REAL_REQUESTS = Path(__file__).resolve().parents[2] / "evals" / "real_requests"


@dataclass(frozen=True)
class RealRequest:
    id: str
    request: str
    questions: int
    sub_parts: int
    items: list[dict[str, Any]]
    scope_lines: list[str] = field(default_factory=list)
    fallback_lines: list[str] = field(default_factory=list)
    hazards: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RequestAgreement:
    id: str
    human_questions: int
    found_questions: int
    human_sub_parts: int
    found_sub_parts: int
    matched_items: int  # human questions whose text is found in some question of the split

    @property
    def count_match(self) -> bool:
        return self.human_questions == self.found_questions

    @property
    def full_match(self) -> bool:
        return self.count_match and self.human_sub_parts == self.found_sub_parts


@dataclass(frozen=True)
class Agreement:
    requests: list[RequestAgreement]

    @property
    def count_matches(self) -> int:
        return sum(r.count_match for r in self.requests)

    @property
    def full_matches(self) -> int:
        return sum(r.full_match for r in self.requests)

    @property
    def rate(self) -> float:
        return self.count_matches / len(self.requests) if self.requests else 0.0

    def summary(self) -> str:
        n = len(self.requests)
        human_q = sum(r.human_questions for r in self.requests)
        matched_q = sum(r.matched_items for r in self.requests)
        human_p = sum(r.human_sub_parts for r in self.requests)
        found_p = sum(min(r.found_sub_parts, r.human_sub_parts) for r in self.requests)
        return (
            f"question count matches on {self.count_matches}/{n} requests ({self.rate:.0%}); "
            f"fully right (questions and sub-parts) {self.full_matches}/{n}; "
            f"human questions found {matched_q}/{human_q}; sub-parts {found_p}/{human_p}"
        )


def load_real_requests(folder: Path = REAL_REQUESTS) -> list[RealRequest]:
    """Every real request with its human split, sorted by id."""
    out: list[RealRequest] = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        split = data.get("human_split") or {}
        out.append(
            RealRequest(
                id=str(data.get("id") or path.stem),
                request=data["request"],
                questions=int(split["questions"]),
                sub_parts=int(split.get("sub_parts") or 0),
                items=list(split.get("items") or []),
                scope_lines=list(split.get("scope_lines") or []),
                fallback_lines=list(split.get("fallback_lines") or []),
                hazards=list(data.get("hazards") or []),
            )
        )
    return out


def sub_part_count(questions: Iterable[Question]) -> int:
    """Sub-parts as a reader counts them: "7a) … 7b) … 7c)" is three parts even though 7a's text is the
    question's own text (the splitter keeps it there, so parts start at "b")."""
    total = 0
    for q in questions:
        total += len(q.parts)
        if q.parts and q.parts[0][0] in {"b", "ii", "2"}:
            total += 1
    return total


def matched_items(items: list[dict[str, Any]], questions: list[Question]) -> int:
    """Human questions that one question of the split matches on its own (each question used once): a
    question that swallowed its neighbour matches neither of them well."""
    free = [" ".join(q.full_text.split()).lower() for q in questions]
    matched = 0
    for item in items:
        parts = " ".join(str(p.get("text", "")) for p in item.get("parts") or [])
        wanted = " ".join(f"{item.get('text', '')} {parts}".split()).lower()
        scores = [fuzz.token_sort_ratio(wanted, have) if have is not None else -1 for have in free]
        if scores and max(scores) >= 70:
            free[scores.index(max(scores))] = None  # type: ignore[call-overload]
            matched += 1
    return matched


def agree(real: RealRequest, split: Callable[[str], list[Question]]) -> RequestAgreement:
    questions = split(real.request)
    return RequestAgreement(
        id=real.id,
        human_questions=real.questions,
        found_questions=len(questions),
        human_sub_parts=real.sub_parts,
        found_sub_parts=sub_part_count(questions),
        matched_items=matched_items(real.items, questions),
    )


def measure(split: Callable[[str], list[Question]], requests: list[RealRequest] | None = None) -> Agreement:
    return Agreement([agree(r, split) for r in (requests if requests is not None else load_real_requests())])
