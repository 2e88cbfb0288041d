"""Check the evaluation cases in ``evals/cases/`` against the corpus before they are used.

An evaluation case is only meaningful if its key facts really are in its reference answer, and, for a question
with evidence, really are in the corpus documents it names: otherwise a correct draft would be marked wrong.
This script reads the raw text of the corpus files (decisions ``*.md``/``*.txt``, policies ``*.md``/``*.html``;
PDF and DOCX are not read) and prints every broken rule, one line each.

    python scripts/check_cases.py                 # check every case, exit 1 on any failure
    python scripts/check_cases.py evals/cases/p1-seed-cse-2025.yaml   # check some files only
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.evaluation import metrics  # noqa: E402 - the grading the reference answers must pass
CORPUS_GLOBS = (
    ("corpus/decisions", ("*.md", "*.txt")),
    ("corpus/policies", ("*.md", "*.html")),
)
STATUSES = {"provided", "partly_provided", "not_held", "exempt", "published_elsewhere", "redirected", "needs_review"}
ABSTAIN_STATUSES = {"needs_review", "not_held"}
MIN_FACTS, MAX_FACTS = 1, 12
KINDS = {"lookup", "period_shift", "near_miss", "multi_part", "no_evidence", "repeat"}
QUESTION_NUMBER = re.compile(r"^\d+[a-z]?$")
# A sub-part line such as "7a) ..." or "  b) ...": only the seed case keeps those.
SUB_PART_LINE = re.compile(r"(?m)^\s*(?:\d+[a-z]|[a-z])\)")


@dataclass(frozen=True)
class Problem:
    path: str
    where: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        level = "FAIL" if self.fatal else "WARN"
        where = f" [{self.where}]" if self.where else ""
        return f"{level} {self.path}{where}: {self.message}"


def load_corpus(root: Path) -> dict[str, str]:
    """Map each corpus document id (the file stem) to its casefolded raw text."""
    docs: dict[str, str] = {}
    for folder, patterns in CORPUS_GLOBS:
        base = root / folder
        if not base.is_dir():
            continue
        for pattern in patterns:
            for path in sorted(base.glob(pattern)):
                docs[path.stem] = path.read_text(encoding="utf-8", errors="replace").casefold()
    return docs


def load_exemption_ids(root: Path) -> set[str] | None:
    """Exemption ids known to the letter templates; None when the file is missing or unreadable."""
    path = root / "prompts" / "exemptions.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    return {str(item["id"]) for item in data.get("exemptions", []) if isinstance(item, dict) and "id" in item}


def front_matter_exemptions(raw_text: str) -> list[str] | None:
    """Exemptions listed in a structured decision's front matter, or None when it has none to compare with."""
    if not raw_text.startswith("---"):
        return None
    parts = raw_text.split("\n---", 2)
    if len(parts) < 2:
        return None
    try:
        meta = yaml.safe_load(parts[0].lstrip("-\n")) or {}
    except yaml.YAMLError:
        return None
    value = meta.get("exemptions") if isinstance(meta, dict) else None
    return [str(v).casefold() for v in value] if isinstance(value, list) else None


def _as_list(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None


def check_case(
    path: Path, data: Any, corpus: dict[str, str], exemption_ids: set[str] | None
) -> list[Problem]:
    """Every rule one case must meet, as a list of problems (empty when the case is sound)."""
    name = path.name
    problems: list[Problem] = []

    def fail(where: str, message: str, fatal: bool = True) -> None:
        problems.append(Problem(name, where, message, fatal))

    if not isinstance(data, dict):
        fail("", "the file is not a YAML mapping")
        return problems

    for key in ("id", "received", "exclude", "answerable", "request", "questions"):
        if key not in data:
            fail("", f"missing key '{key}'")
    case_id = data.get("id")
    if case_id is not None and str(case_id) != path.stem:
        fail("id", f"id '{case_id}' differs from the file name '{path.stem}'", fatal=False)
    if "received" in data and not isinstance(data.get("received"), date):
        fail("received", f"'{data.get('received')}' is not an ISO date (YYYY-MM-DD)")

    exclude = _as_list(data.get("exclude", []))
    if exclude is None:
        fail("exclude", "must be a list of document ids")
        exclude = []
    excluded = {str(e) for e in exclude}
    for doc_id in sorted(excluded):
        if doc_id not in corpus:
            fail("exclude", f"'{doc_id}' is not a corpus document")

    answerable = data.get("answerable")
    if not isinstance(answerable, bool):
        fail("answerable", "must be true or false")

    request = data.get("request")
    if not isinstance(request, str) or not request.strip():
        fail("request", "the request text is empty")
        request = ""

    questions = _as_list(data.get("questions"))
    if not questions:
        fail("questions", "there are no questions")
        return problems

    seen: set[str] = set()
    any_evidence = False
    for index, question in enumerate(questions, start=1):
        if not isinstance(question, dict):
            fail(f"question {index}", "is not a mapping")
            continue
        number = str(question.get("number", "")).strip()
        where = f"Q{number or index}"
        if not QUESTION_NUMBER.match(number):
            fail(where, f"question number '{number}' should look like '3' or '7a' (quote it in YAML)")
        elif number in seen:
            fail(where, "question number is repeated")
        seen.add(number)
        if number and not re.search(rf"(?m)^\s*(?:Q\s*)?{re.escape(number)}(?:[a-z])?\s*[.):]", request):
            fail(where, f"the request has no item numbered '{number}.'")

        answer = question.get("reference_answer")
        if not isinstance(answer, str) or not answer.strip():
            fail(where, "reference_answer is empty")
            answer = ""
        answer_cf = answer.casefold()

        facts = _as_list(question.get("key_facts"))
        if facts is None:
            fail(where, "key_facts must be a list")
            facts = []
        raw_evidence = _as_list(question.get("evidence", [])) or []
        lo = MIN_FACTS if raw_evidence else 0
        if not lo <= len(facts) <= MAX_FACTS:
            fail(where, f"{len(facts)} key facts; expected {lo} to {MAX_FACTS}")
        facts = [str(f) for f in facts]
        for fact in facts:
            if not fact.strip():
                fail(where, "a key fact is empty")
            elif fact.casefold() not in answer_cf:
                fail(where, f"key fact '{fact}' is not in the reference answer")
        if len({f.casefold() for f in facts}) != len(facts):
            fail(where, "key facts are repeated")

        status = question.get("expected_status")
        if status not in STATUSES:
            fail(where, f"expected_status '{status}' is not one of {sorted(STATUSES)}")

        exemptions = _as_list(question.get("expected_exemptions", []))
        if exemptions is None:
            fail(where, "expected_exemptions must be a list")
            exemptions = []
        if exemption_ids is not None:
            for ex in exemptions:
                if str(ex) not in exemption_ids:
                    fail(where, f"exemption '{ex}' is not an id in prompts/exemptions.yaml")
        for doc_id in excluded:
            listed = front_matter_exemptions(corpus.get(doc_id, ""))
            if listed is None:
                continue
            for ex in exemptions:
                if str(ex).casefold() not in listed:
                    fail(where, f"exemption '{ex}' is not listed in the front matter of '{doc_id}'", fatal=False)

        evidence = _as_list(question.get("evidence", []))
        if evidence is None:
            fail(where, "evidence must be a list")
            evidence = []
        evidence = [str(e) for e in evidence]
        if evidence:
            any_evidence = True
        for doc_id in evidence:
            if doc_id in excluded:
                fail(where, f"evidence '{doc_id}' is the excluded document")
            elif doc_id not in corpus:
                fail(where, f"evidence '{doc_id}' is not a corpus document")
        usable = [corpus[d] for d in evidence if d in corpus and d not in excluded]
        if usable:
            for fact in facts:
                if fact.strip() and not any(fact.casefold() in text for text in usable):
                    fail(where, f"key fact '{fact}' is in none of the evidence documents")

        kind = question.get("kind", data.get("kind"))
        if kind is not None and kind not in KINDS:
            fail(where, f"kind '{kind}' is not one of {sorted(KINDS)}")
        problems.extend(Problem(name, where, msg) for msg in check_grading(question, kind, facts, evidence, corpus, excluded, answer, status))

        if answerable is False:
            if evidence:
                fail(where, "an unanswerable case must have evidence: []")
            if status not in ABSTAIN_STATUSES:
                fail(where, f"an unanswerable case expects status {sorted(ABSTAIN_STATUSES)}, not '{status}'")

    if answerable is True and not any_evidence:
        fail("answerable", "the case is marked answerable but no question has evidence")
    if "seed" not in path.stem and data.get("kind") != "multi_part" and SUB_PART_LINE.search(request):
        fail("request", "sub-part lines such as 'a)' found; only the seed case should use them", fatal=False)
    return problems


def unit_in_document(unit: str, raw_text: str) -> bool:
    """'doc#3a' names an answer heading of the decision ('### 3a', or a range/list covering it); 'doc#Heading' a policy heading."""
    _, _, label = unit.partition("#")
    if not label:
        return True
    label = label.casefold()
    for heading in re.findall(r"(?m)^#{1,6}\s*(.+?)\s*$", raw_text):
        h = heading.casefold()
        if h == label or label in h and not re.fullmatch(r"[\d a-z,-]+", h):
            return True
        number = re.match(r"(\d+)([a-z]?)$", label)
        if number:
            for piece in re.split(r"\s*,\s*", h):
                m = re.fullmatch(r"(\d+)([a-z]?)(?:-(\d+|[a-z]))?", piece)
                if not m:
                    continue
                if m.group(1) == number.group(1) and (not m.group(2) or not number.group(2) or m.group(2) <= number.group(2) <= (m.group(3) or m.group(2))):
                    return True
                if m.group(3) and m.group(3).isdigit() and int(m.group(1)) <= int(number.group(1)) <= int(m.group(3)):
                    return True
    return bool(re.search(r"<h[1-6][^>]*>\s*" + re.escape(label), raw_text))


def check_grading(
    question: dict[str, Any], kind: Any, facts: list[str], evidence: list[str], corpus: dict[str, str], excluded: set[str], answer: str, status: Any
) -> list[str]:
    """Messages for broken grading annotations: units, sub-parts, wrong facts, and the reference answer's own grade."""
    out: list[str] = []
    for key in ("period", "other_periods", "wrong_facts", "wrong_labels", "evidence_units"):
        if key in question and _as_list(question[key]) is None:
            out.append(f"{key} must be a list")
    for unit in _as_list(question.get("evidence_units")) or []:
        doc = str(unit).partition("#")[0]
        if doc not in evidence:
            out.append(f"evidence unit '{unit}' is not in one of the question's evidence documents")
        elif doc in corpus and not unit_in_document(str(unit), corpus[doc]):
            out.append(f"evidence unit '{unit}' names no answer or heading of '{doc}'")
    sub_parts = _as_list(question.get("sub_parts")) or []
    for part in sub_parts:
        if not isinstance(part, dict) or "label" not in part:
            out.append("each sub-part needs a label and key_facts")
            continue
        for fact in _as_list(part.get("key_facts")) or []:
            if str(fact) not in facts:
                out.append(f"sub-part {part['label']} fact '{fact}' is not among the question's key facts")
    if kind == "multi_part" and not sub_parts:
        out.append("a multi_part question lists its sub_parts")
    wrong = [str(w) for w in _as_list(question.get("wrong_facts")) or []]
    if kind in ("near_miss", "lookup") and evidence and not wrong:
        out.append(f"a {kind} question lists the wrong_facts a near-miss or wrong-period answer would state")
    if kind == "period_shift" and not (_as_list(question.get("other_periods")) or []):
        out.append("a period_shift question lists other_periods (the spellings of the newest figures' period)")
    if not evidence:
        return out  # the reference is the council's own reply; with nothing in the corpus the right draft abstains
    # The reference answer itself must grade as the right outcome.
    outcome, why = metrics.grade(
        answer=answer,
        status=str(status),
        has_evidence=bool(evidence),
        key_facts=facts,
        kind=str(kind or ""),
        expected_status=str(status),
        wrong_facts=wrong,
        other_periods=[str(x) for x in _as_list(question.get("other_periods")) or []],
        wrong_labels=[str(x) for x in _as_list(question.get("wrong_labels")) or []],
        sub_parts=[(str(p["label"]), [str(f) for f in _as_list(p.get("key_facts")) or []]) for p in sub_parts if isinstance(p, dict) and "label" in p],
    )
    wanted = "correct" if evidence else "abstained"
    if evidence and str(status) == "needs_review" and kind != "period_shift" and outcome == "abstained":
        wanted = "abstained"
    if outcome != wanted:
        out.append(f"the reference answer grades as {outcome}, not {wanted} ({why})")
    return out


def check_splits(root: Path, case_ids: Iterable[str]) -> list[Problem]:
    """Every case must be in evals/splits.yaml (the frozen dev/test split), and every listed case must exist."""
    path = root / "evals" / "splits.yaml"
    if not path.is_file():
        return []
    try:
        listed = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("cases") or {}
    except yaml.YAMLError as exc:
        return [Problem("splits.yaml", "", f"cannot be read: {exc}")]
    problems = []
    for case_id in case_ids:
        entry = listed.get(case_id)
        if not isinstance(entry, dict) or entry.get("split") not in ("dev", "test"):
            problems.append(Problem("splits.yaml", case_id, "the case has no dev/test split: add it with the rule in evals/README.md"))
    return problems


def case_files(root: Path, given: Iterable[str]) -> list[Path]:
    paths = [Path(p) for p in given]
    if paths:
        return paths
    folder = root / "evals" / "cases"
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="case files to check (default: every file in evals/cases/)")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root holding corpus/ and evals/")
    args = parser.parse_args(argv)

    corpus = load_corpus(args.root)
    exemption_ids = load_exemption_ids(args.root)
    files = case_files(args.root, args.files)
    problems: list[Problem] = []
    n_questions = 0
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(Problem(path.name, "", f"cannot be read as YAML: {exc}"))
            continue
        if isinstance(data, dict) and isinstance(data.get("questions"), list):
            n_questions += len(data["questions"])
        problems.extend(check_case(path, data, corpus, exemption_ids))

    if not args.files:
        problems.extend(check_splits(args.root, [p.stem for p in files]))
    for problem in problems:
        print(problem)
    failures = sum(p.fatal for p in problems)
    warnings = len(problems) - failures
    print(
        f"{len(files)} case files, {n_questions} questions, {len(corpus)} corpus documents: "
        f"{failures} failures, {warnings} warnings"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
