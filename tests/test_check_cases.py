"""scripts/check_cases.py must catch eval cases whose key facts the corpus cannot support."""
from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("check_cases", ROOT / "scripts" / "check_cases.py")
check_cases = importlib.util.module_from_spec(_spec)
sys.modules["check_cases"] = check_cases  # dataclasses look the module up while the class is built
_spec.loader.exec_module(check_cases)

DECISION_2021 = """---
title: UASC
reference: "1571785"
exemptions: []
---

## Request

### 1
How many UASC are in care?

## Response

### 1
22 are in care. None have left through the National Transfer Scheme.
"""

DECISION_2023 = """---
title: UASC since 2018
exemptions: ["s40(2)"]
---

## Request

### 1
How many UASC were placed?

## Response

### 1
185 were placed, all outside Lincolnshire. None went out through the National Transfer Scheme.
"""

GOOD_CASE = """\
id: good
received: 2023-07-10
exclude: [2023-uasc]
answerable: true
request: |
  Dear team,
  1. How many UASC have you placed since 2018?
  Thanks, A. Writer
questions:
  - number: "1"
    reference_answer: "185 UASC were placed, all outside Lincolnshire. None went out through the National Transfer Scheme."
    key_facts: ["None", "National Transfer Scheme", "UASC"]
    expected_status: provided
    expected_exemptions: []
    evidence: [2021-uasc]
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "corpus" / "decisions").mkdir(parents=True)
    (tmp_path / "corpus" / "policies").mkdir(parents=True)
    (tmp_path / "evals" / "cases").mkdir(parents=True)
    (tmp_path / "corpus" / "decisions" / "2021-uasc.md").write_text(DECISION_2021)
    (tmp_path / "corpus" / "decisions" / "2023-uasc.md").write_text(DECISION_2023)
    (tmp_path / "corpus" / "policies" / "ignored.pdf").write_bytes(b"%PDF National Transfer Scheme")
    return tmp_path


def run(root: Path, name: str, text: str, capsys) -> tuple[int, str]:
    path = root / "evals" / "cases" / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    code = check_cases.main(["--root", str(root), str(path)])
    return code, capsys.readouterr().out


def test_sound_case_passes(root, capsys):
    code, out = run(root, "good", GOOD_CASE, capsys)
    assert code == 0, out
    assert "0 failures" in out


def test_fact_missing_from_evidence_fails(root, capsys):
    text = GOOD_CASE.replace('"UASC"]', '"185"]')
    code, out = run(root, "good", text, capsys)
    assert code == 1
    assert "key fact '185' is in none of the evidence documents" in out


def test_fact_missing_from_reference_and_excluded_evidence_fail(root, capsys):
    text = GOOD_CASE.replace('"UASC"]', '"UASC", "Home Office"]').replace("[2021-uasc]", "[2021-uasc, 2023-uasc]")
    code, out = run(root, "good", text, capsys)
    assert code == 1
    assert "key fact 'Home Office' is not in the reference answer" in out
    assert "evidence '2023-uasc' is the excluded document" in out


def test_unknown_ids_and_status_fail(root, capsys):
    text = (
        GOOD_CASE.replace("exclude: [2023-uasc]", "exclude: [2099-missing]")
        .replace("evidence: [2021-uasc]", "evidence: [ignored]")
        .replace("expected_status: provided", "expected_status: answered")
    )
    code, out = run(root, "good", text, capsys)
    assert code == 1
    assert "'2099-missing' is not a corpus document" in out
    assert "evidence 'ignored' is not a corpus document" in out  # PDFs are not read
    assert "expected_status 'answered'" in out


def test_unanswerable_case_needs_no_evidence_and_an_abstaining_status(root, capsys):
    text = GOOD_CASE.replace("answerable: true", "answerable: false")
    code, out = run(root, "good", text, capsys)
    assert code == 1
    assert "an unanswerable case must have evidence: []" in out
    assert "expects status" in out


def test_no_facts_and_unnumbered_question_fail(root, capsys):
    text = GOOD_CASE.replace('["None", "National Transfer Scheme", "UASC"]', '[]').replace(
        "  1. How many", "  How many"
    )
    code, out = run(root, "good", text, capsys)
    assert code == 1
    assert "0 key facts; expected 1 to 12" in out
    assert "the request has no item numbered '1.'" in out


LOOKUP_CASE = """\
id: lookup
kind: lookup
received: 2025-07-10
exclude: []
answerable: true
request: |
  1. How many UASC were placed outside Lincolnshire in 2021?
questions:
  - number: "1"
    kind: lookup
    reference_answer: "21 are placed outside Lincolnshire."
    key_facts: ["21 are placed outside"]
    expected_status: provided
    evidence: [2021-uasc]
    evidence_units: ["2021-uasc#3b"]
    wrong_facts: ["185"]
    wrong_labels: ["since 2018"]
"""


def test_graded_case_passes_and_its_reference_must_grade_correct(root, capsys):
    (root / "corpus" / "decisions" / "2021-uasc.md").write_text(DECISION_2021 + "\n### 3b\n21 are placed outside Lincolnshire.\n")
    code, out = run(root, "lookup", LOOKUP_CASE, capsys)
    assert code == 0, out
    # A reference answer stating the wrong-year figure without its label would itself be a confident error.
    bad = LOOKUP_CASE.replace('"21 are placed outside Lincolnshire."', '"21 are placed outside Lincolnshire; 185 in all."')
    code, out = run(root, "lookup", bad, capsys)
    assert code == 1 and "the reference answer grades as confident_error" in out


def test_unit_sub_part_and_wrong_fact_annotations_are_checked(root, capsys):
    text = (
        LOOKUP_CASE.replace('["2021-uasc#3b"]', '["2021-uasc#9", "2023-uasc#1"]')
        .replace('    wrong_facts: ["185"]\n', "")
        .replace("kind: lookup\n    reference", "kind: multi_part\n    reference")
    )
    code, out = run(root, "lookup", text, capsys)
    assert code == 1
    assert "evidence unit '2021-uasc#9' names no answer or heading" in out
    assert "evidence unit '2023-uasc#1' is not in one of the question's evidence documents" in out
    assert "a multi_part question lists its sub_parts" in out


def test_repository_cases_pass(capsys):
    code = check_cases.main([])
    out = capsys.readouterr().out
    assert code == 0, out
