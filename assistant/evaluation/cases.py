"""Evaluation cases from `evals/cases/*.yaml` (format in docs/formats.md), and the subsets a quick run uses."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml


class CaseError(ValueError):
    """A case file cannot be used; the message names the file."""


@dataclass(frozen=True)
class EvalQuestion:
    number: str
    reference_answer: str
    key_facts: tuple[str, ...] = ()
    expected_status: str = "provided"
    expected_exemptions: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    kind: str = "repeat"
    period: tuple[str, ...] = ()
    other_periods: tuple[str, ...] = ()
    wrong_facts: tuple[str, ...] = ()
    wrong_labels: tuple[str, ...] = ()
    evidence_units: tuple[str, ...] = ()
    sub_parts: tuple[tuple[str, tuple[str, ...]], ...] = ()


KINDS = ("lookup", "period_shift", "near_miss", "multi_part", "no_evidence", "repeat")


@dataclass(frozen=True)
class EvalCase:
    id: str
    request: str
    questions: tuple[EvalQuestion, ...]
    received: date | None = None
    exclude: tuple[str, ...] = ()
    answerable: bool = True
    description: str = ""
    split: str = ""
    path: str = field(default="", compare=False)

    @property
    def no_evidence(self) -> bool:
        """An abstention case: the corpus holds nothing for any of its questions."""
        return not self.answerable or not any(q.evidence for q in self.questions)

    def has_evidence(self, question: EvalQuestion) -> bool:
        return self.answerable and bool(question.evidence)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _kind(question: dict[str, Any], case: dict[str, Any]) -> str:
    """A question's kind: given, else no_evidence for an unanswerable case or a question without evidence, else repeat."""
    kind = question.get("kind") or case.get("kind")
    if kind:
        if kind not in KINDS:
            raise CaseError(f"unknown question kind '{kind}': choose from {', '.join(KINDS)}")
        return str(kind)
    if not case.get("answerable", True) or not question.get("evidence"):
        return "no_evidence"
    return "repeat"


def parse_case(data: Any, path: str = "") -> EvalCase:
    if not isinstance(data, dict):
        raise CaseError(f"{path}: not a YAML mapping")
    try:
        questions = tuple(
            EvalQuestion(
                number=str(q["number"]).strip(),
                reference_answer=str(q.get("reference_answer") or ""),
                key_facts=_strings(q.get("key_facts")),
                expected_status=str(q.get("expected_status") or "provided"),
                expected_exemptions=_strings(q.get("expected_exemptions")),
                evidence=_strings(q.get("evidence")),
                kind=_kind(q, data),
                period=_strings(q.get("period")),
                other_periods=_strings(q.get("other_periods")),
                wrong_facts=_strings(q.get("wrong_facts")),
                wrong_labels=_strings(q.get("wrong_labels")),
                evidence_units=_strings(q.get("evidence_units")),
                sub_parts=tuple(
                    (str(p["label"]), _strings(p.get("key_facts"))) for p in (q.get("sub_parts") or [])
                ),
            )
            for q in data["questions"]
        )
        received = data.get("received")
        return EvalCase(
            id=str(data.get("id") or Path(path).stem),
            request=str(data["request"]),
            questions=questions,
            received=received if isinstance(received, date) else None,
            exclude=_strings(data.get("exclude")),
            answerable=bool(data.get("answerable", True)),
            description=str(data.get("description") or ""),
            path=path,
        )
    except (KeyError, TypeError) as exc:
        raise CaseError(f"{path}: missing or malformed field {exc}") from exc


def as_received(case: EvalCase, doc_dates: Mapping[str, date | None]) -> EvalCase:
    """The case as it stood on its received date: evidence dated after it did not exist yet.

    A case simulates a request received on `received`, and the drafter sees only sources dated on or before it
    (`only_earlier_decisions`). A document dated later cannot be evidence for that case: it leaves the question's
    evidence (and evidence units), and a question left with none is graded as one the corpus cannot answer
    (kind no_evidence, expected needs_review). Undated documents stay evidence, as they stay retrievable.
    """
    if case.received is None:
        return case

    def existed(doc: str) -> bool:
        when = doc_dates.get(doc)
        return when is None or when <= case.received

    questions = []
    for q in case.questions:
        kept = tuple(d for d in q.evidence if existed(d))
        if kept == q.evidence:
            questions.append(q)
            continue
        units = tuple(u for u in q.evidence_units if existed(u.split("#", 1)[0]))
        if kept:
            questions.append(replace(q, evidence=kept, evidence_units=units))
        else:
            questions.append(
                replace(q, evidence=(), evidence_units=(), kind="no_evidence", expected_status="needs_review", expected_exemptions=())
            )
    return replace(case, questions=tuple(questions))


def load_case(path: Path) -> EvalCase:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CaseError(f"{path}: cannot be read ({exc})") from exc
    return parse_case(data, str(path))


def with_splits(cases: Sequence[EvalCase], splits_path: Path | None) -> list[EvalCase]:
    """The cases with their dev/test split from the split file; an unlisted case is an error."""
    from assistant.evaluation.splits import load_splits, split_of

    if splits_path is None or not Path(splits_path).is_file():
        return list(cases)
    splits = load_splits(Path(splits_path))
    return [replace(c, split=split_of(splits, c.id)) for c in cases]


def in_split(cases: Sequence[EvalCase], split: str | None) -> list[EvalCase]:
    """The cases of one split ('dev' or 'test'); all of them when split is None or 'all'."""
    if not split or split == "all":
        return list(cases)
    return [c for c in cases if c.split == split]


def load_cases(folder: Path) -> list[EvalCase]:
    """Every case in a folder (or one file), sorted by id."""
    folder = Path(folder)
    if folder.is_file():
        return [load_case(folder)]
    if not folder.is_dir():
        raise CaseError(f"{folder}: no such folder of evaluation cases")
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not paths:
        raise CaseError(f"{folder}: holds no *.yaml case")
    return sorted((load_case(p) for p in paths), key=lambda c: c.id)


def select_ids(cases: Sequence[EvalCase], ids: Sequence[str]) -> list[EvalCase]:
    """The named cases, in the given order; an unknown id is an error rather than a silently smaller run."""
    by_id = {c.id: c for c in cases}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise CaseError(f"unknown case id(s): {', '.join(missing)}")
    return [by_id[i] for i in ids]


def subset(cases: Sequence[EvalCase], n: int, *, min_no_evidence: int = 2) -> list[EvalCase]:
    """A deterministic spread of n cases that keeps some abstention cases, so a quick run still measures them."""
    if n <= 0:
        raise CaseError("the subset size must be positive")
    if n >= len(cases):
        return list(cases)
    no_ev = [c for c in cases if c.no_evidence]
    with_ev = [c for c in cases if not c.no_evidence]
    n_no = min(len(no_ev), max(min_no_evidence if n > min_no_evidence else 0, round(n * len(no_ev) / len(cases))))
    picked = _spread(no_ev, n_no) + _spread(with_ev, n - n_no)
    return sorted(picked, key=lambda c: c.id)


def _spread(items: Sequence[EvalCase], n: int) -> list[EvalCase]:
    if n <= 0 or not items:
        return []
    if n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]
