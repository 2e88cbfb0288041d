"""Real FOI requests that people sent to UK councils (`evals/real_requests/*.yaml`), used to score splitting and,
where the council that answered is the demo council and the answer is known, the outcome of each drafted question.

Fields (docs/formats.md): id, source_url, council, received, topic, children_services, demo_council, request,
human_split {questions, sub_parts, items [{label, text, parts}], scope_lines, fallback_lines}, hazards,
expected [{question, key_facts, expected_status, answer_source}].
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Sequence

import yaml
from rapidfuzz import fuzz

from assistant.evaluation import metrics as m
from assistant.evaluation.cases import CaseError
from assistant.evaluation.misses import miss_cause, verdicts_for
from assistant.models import Question
from assistant.requests import RequestError, split_request

LOST_BELOW = 60.0
"""A human item is lost when no split question holds its words (rapidfuzz partial token-set ratio below this)."""


@dataclass(frozen=True)
class HumanItem:
    label: str
    text: str
    parts: tuple[str, ...] = ()
    part_labels: tuple[str, ...] = ()  # each part's letter ("a", "b"), by position when the file gives none


@dataclass(frozen=True)
class Expected:
    question: str
    key_facts: tuple[str, ...]
    expected_status: str = "provided"
    answer_source: str = ""


@dataclass(frozen=True)
class RealRequest:
    id: str
    request: str
    questions: int
    sub_parts: int
    items: tuple[HumanItem, ...] = ()
    source_url: str = ""
    council: str = ""
    received: date | None = None
    topic: str = ""
    children_services: bool = True
    demo_council: bool = False
    hazards: tuple[str, ...] = ()
    expected: tuple[Expected, ...] = ()
    source_note: str = ""
    path: str = field(default="", compare=False)


def _strings(value: Any) -> tuple[str, ...]:
    """A list of strings; a part written as a mapping gives its text (or label)."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        return ()
    return tuple(str(v.get("text") or v.get("label") or "") if isinstance(v, dict) else str(v) for v in value)


def _labels(value: Any) -> tuple[str, ...]:
    """Each part's label: as written, else its letter by position (a, b, c …)."""
    if not isinstance(value, list):
        return ()
    return tuple(str(v.get("label") or chr(ord("a") + i)) if isinstance(v, dict) else chr(ord("a") + i) for i, v in enumerate(value))


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def parse_real_request(data: Any, path: str = "") -> RealRequest:
    if not isinstance(data, dict):
        raise CaseError(f"{path}: not a YAML mapping")
    try:
        split = data["human_split"] or {}
        items = tuple(
            HumanItem(str(i.get("label", "")), str(i.get("text", "")), _strings(i.get("parts")), _labels(i.get("parts")))
            for i in split.get("items") or []
            if isinstance(i, dict)
        )
        expected = tuple(
            Expected(
                question=str(e["question"]),
                key_facts=_strings(e.get("key_facts")),
                expected_status=str(e.get("expected_status") or "provided"),
                answer_source=str(e.get("answer_source") or ""),
            )
            for e in data.get("expected") or []
            if isinstance(e, dict)
        )
        return RealRequest(
            id=str(data.get("id") or Path(path).stem),
            request=str(data["request"]),
            questions=int(split["questions"]),
            sub_parts=int(split.get("sub_parts") or 0),
            items=items,
            source_url=str(data.get("source_url") or ""),
            council=str(data.get("council") or ""),
            received=_date(data.get("received")),
            topic=str(data.get("topic") or ""),
            children_services=bool(data.get("children_services", True)),
            demo_council=bool(data.get("demo_council", False)),
            hazards=_strings(data.get("hazards")),
            expected=expected,
            source_note=str(data.get("source_note") or ""),
            path=path,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CaseError(f"{path}: missing or malformed field {exc}") from exc


def load_real_requests(folder: Path) -> list[RealRequest]:
    """Every real request in a folder, sorted by id; an unreadable file is an error naming it."""
    out = []
    for path in sorted([*Path(folder).glob("*.yaml"), *Path(folder).glob("*.yml")]):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CaseError(f"{path}: cannot be read ({exc})") from exc
        out.append(parse_real_request(data, str(path)))
    return sorted(out, key=lambda r: r.id)


# -- splitting --------------------------------------------------------------------------------------------
def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


def lost_items(items: Sequence[HumanItem], questions: Sequence[Question]) -> list[str]:
    """Labels of human items whose words appear in no split question (dropped into a preamble, or never seen)."""
    texts = [_words(q.full_text) for q in questions]
    lost = []
    for item in items:
        words = _words(" ".join([item.text, *item.parts]))
        if not words:
            continue
        best = max((fuzz.partial_token_set_ratio(words, t) if len(words) <= len(t) else fuzz.token_set_ratio(words, t) for t in texts), default=0.0)
        if best < LOST_BELOW:
            lost.append(item.label or item.text[:40])
    return lost


def score_split(request: RealRequest, *, max_questions: int = 60) -> dict[str, Any]:
    """The splitter against the human count: questions, sub-parts, and items lost."""
    try:
        questions = split_request(request.request, max_questions=max_questions)
        error = ""
    except RequestError as exc:
        questions, error = [], str(exc)
    n_parts = sum(len(q.parts) for q in questions)
    lost = lost_items(request.items, questions) if request.items else []
    return {
        "id": request.id,
        "council": request.council,
        "children_services": request.children_services,
        "human_questions": request.questions,
        "split_questions": len(questions),
        "questions_match": len(questions) == request.questions,
        "human_sub_parts": request.sub_parts,
        "split_sub_parts": n_parts,
        "sub_parts_match": n_parts == request.sub_parts,
        "items": len(request.items),
        "lost": lost,
        "numbers": [q.number for q in questions],
        "error": error,
    }


def splitting_summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    items = sum(r["items"] for r in rows)
    return {
        "requests": n,
        "question_count_match": sum(r["questions_match"] for r in rows) / n if n else None,
        "sub_part_count_match": sum(r["sub_parts_match"] for r in rows) / n if n else None,
        "items": items,
        "items_lost": sum(len(r["lost"]) for r in rows),
        "items_lost_rate": sum(len(r["lost"]) for r in rows) / items if items else None,
        "errors": sum(bool(r["error"]) for r in rows),
    }


# -- outcomes where the answer is known -------------------------------------------------------------------
def _draft_for(label: str, drafts: Sequence[Any], engine: str) -> Any:
    if engine == "naive":
        return drafts[0] if drafts else None
    by_number = {d.question.number: d for d in drafts}
    if label in by_number:
        return by_number[label]
    parent = re.match(r"\d+", label)
    return by_number.get(parent.group(0)) if parent else None


_RECORD = re.compile(r"directory-record/(\d+)")
_REFERENCE = re.compile(r"\breference(?:\s+number)?\s+(?:FOI\s*)?(\d{4,})", re.I)


def own_reply(request: RealRequest, units: Any) -> list[str]:
    """Corpus documents that are the council's own reply to this request: the same disclosure-log record as the
    request's page or its answer source, or the reference its source note gives. They are held out, as each
    evaluation case holds out its reply (`exclude`): a reply with no date is not left out by the received date,
    and drafting from it would grade the corpus's copy of the answer, not the drafting."""
    records = set(_RECORD.findall(" ".join([request.source_url, *(e.answer_source for e in request.expected)])))
    references = set(_REFERENCE.findall(request.source_note))
    out = set()
    for unit in units:
        record = _RECORD.search(str(unit.extra.get("source_url") or ""))
        reference = re.sub(r"\D", "", unit.reference or "")
        if (record and record.group(1) in records) or (reference and reference in references):
            out.add(unit.doc_id)
    return sorted(out)


def human_questions(request: RealRequest) -> list[m.RequestQuestion]:
    """The request's questions as the person who split it read them (`human_split`): the same for every engine."""
    return [(item.label, item.text, list(zip(item.part_labels, item.parts))) for item in request.items if item.label]


def score_outcomes(request: RealRequest, drafter: Any, engine: str) -> list[dict[str, Any]]:
    """Draft one demo-council request, its own reply held out, and grade each question whose expected facts are known."""
    exclude = own_reply(request, drafter.index.units().values())
    try:
        drafts = list(drafter.draft_request(request.request, engine=engine, received=request.received, exclude=exclude))
        error = ""
    except Exception as exc:  # noqa: BLE001 - one broken request must not end the run
        drafts, error = [], f"{type(exc).__name__}: {exc}"
    rows = []
    asked_in = human_questions(request)
    for exp in request.expected:
        draft = _draft_for(exp.question, drafts, engine)
        answer = draft.answer if draft else ""
        status = draft.status.value if draft else "missing"
        has_evidence = bool(exp.key_facts) and exp.expected_status != "needs_review"
        asked = m.asked_for(exp.question, asked_in, lambda n: _draft_for(n, drafts, engine))
        outcome, why = m.grade(
            answer=answer, status=status, has_evidence=has_evidence, key_facts=exp.key_facts, expected_status=exp.expected_status, asked=asked
        )
        rows.append(
            {
                "id": request.id,
                "number": exp.question,
                "has_evidence": has_evidence,
                "status": status,
                "expected_status": exp.expected_status,
                "key_facts": list(exp.key_facts),
                "key_facts_found": [f for f in exp.key_facts if m.fact_present(f, answer, asked)],
                "outcome": outcome,
                "outcome_why": why,
                "answer": answer,
                "question_text": draft.question.full_text if draft else "",
                "error": error,
                "held_out": exclude,
                "status_reason": draft.status_reason if draft else "",
                "flags": [f.kind for f in draft.flags] if draft else [],
                "verdicts": [{**asdict(v), "expected_source": None} for v in verdicts_for(exp.question, draft)] if engine != "naive" else [],
            }
        )
        if engine != "naive":  # no evidence units are recorded for real requests: the cause starts at the verdict
            cause = miss_cause(rows[-1])
            rows[-1]["miss_cause"], rows[-1]["miss_detail"] = cause if cause else (None, "")
    return rows


def score_real_requests(requests: Sequence[RealRequest], drafter: Any, *, engines: Sequence[str]) -> dict[str, Any]:
    """Splitting scores for every request; outcomes per engine for the demo-council requests with expected facts."""
    rows = [score_split(r, max_questions=drafter.settings.max_questions) for r in requests]
    outcomes: dict[str, Any] = {}
    with_expected = [r for r in requests if r.demo_council and r.expected]
    for engine in engines:
        graded = [row for r in with_expected for row in score_outcomes(r, drafter, engine)]
        outcomes[engine] = {"summary": m.outcome_rates(graded), "questions": graded}
    return {"splitting": {"summary": splitting_summary(rows), "requests": rows}, "outcomes": outcomes}
