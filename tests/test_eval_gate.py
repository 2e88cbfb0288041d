"""CI gate: draft the fast subset of the frozen *test* split and fail when a key metric leaves its bound.

The subset, engine and bounds live in evals/thresholds.yaml; the bounds sit a little beyond the baseline measured on
that subset (evals/baselines/), so this catches regressions in retrieval, drafting, citation checks and status rules
together, including confident errors (another year's or measure's figure given as the answer). Tuning never looks
at test: the gate's cases come from it so that tuning on dev cannot overfit them.
"""
from __future__ import annotations

from typing import Any

import pytest

from assistant.evaluation.cases import load_cases, select_ids, with_splits
from assistant.evaluation.metrics import check_minimums
from assistant.evaluation.runner import CASES_DIR, SPLITS_PATH, THRESHOLDS_PATH, load_thresholds, run_eval

pytestmark = pytest.mark.slow

THRESHOLDS = load_thresholds(THRESHOLDS_PATH)
MINIMUMS: dict[str, float] = THRESHOLDS.get("minimums") or {}
MAXIMUMS: dict[str, float] = THRESHOLDS.get("maximums") or {}


@pytest.fixture(scope="module")
def gate_cases():
    return select_ids(with_splits(load_cases(CASES_DIR), SPLITS_PATH), THRESHOLDS["fast_cases"])


@pytest.fixture(scope="module")
def gate_results(gate_cases, foi_settings, corpus_drafter) -> dict[str, Any]:
    """One run of the gate engine over the fast subset, on the session's index of the repository corpus."""
    return run_eval(
        foi_settings,
        gate_cases,
        engines=[THRESHOLDS["engine"]],
        k=int(THRESHOLDS.get("k", 5)),
        drafter=corpus_drafter,
        with_search=False,
    )


def test_thresholds_file_is_usable(gate_cases) -> None:
    assert MINIMUMS, "evals/thresholds.yaml lists no minimums"
    assert len(gate_cases) == len(THRESHOLDS["fast_cases"]) >= 8
    assert all(c.split == "test" for c in gate_cases), "the gate uses the frozen test split only"
    assert sum(c.no_evidence for c in gate_cases) >= 2, "the subset must measure abstention"
    kinds = {q.kind for c in gate_cases for q in c.questions}
    assert {"lookup", "period_shift", "near_miss", "multi_part", "no_evidence"} <= kinds, "every question kind is in the gate"


def test_every_case_was_drafted(gate_results) -> None:
    cases = gate_results["engines"][THRESHOLDS["engine"]]["cases"]
    broken = [f"{c['id']}: {c['error']}" for c in cases if c["error"]]
    assert not broken, "\n".join(broken)
    missing = [f"{c['id']} Q{q['number']}" for c in cases for q in c["questions"] if not q["draft_found"]]
    assert not missing, f"no draft for {missing}"


@pytest.mark.parametrize("metric", sorted(MINIMUMS))
def test_metric_meets_minimum(gate_results, metric: str) -> None:
    summary = gate_results["engines"][THRESHOLDS["engine"]]["summary"]
    failures = check_minimums(summary, {metric: MINIMUMS[metric]})
    assert not failures, failures[0]


@pytest.mark.parametrize("metric", sorted(MAXIMUMS))
def test_metric_stays_under_maximum(gate_results, metric: str) -> None:
    summary = gate_results["engines"][THRESHOLDS["engine"]]["summary"]
    failures = check_minimums(summary, {}, {metric: MAXIMUMS[metric]})
    assert not failures, failures[0]


def test_real_request_fixture_is_split_and_graded(corpus_drafter) -> None:
    """The real-request path end to end on the fixture: the splitter's counts, then a real draft graded by outcome."""
    from pathlib import Path

    from assistant.evaluation.metrics import CORRECT_RECALL, OUTCOMES
    from assistant.evaluation.real_requests import load_real_requests, score_real_requests

    requests = load_real_requests(Path(__file__).parent / "fixtures" / "real_requests")
    scored = score_real_requests(requests, corpus_drafter, engines=["extractive"])
    summary = scored["splitting"]["summary"]
    assert summary["requests"] == 2 and summary["errors"] == 0
    graded = scored["outcomes"]["extractive"]["questions"]
    assert [(q["id"], q["number"]) for q in graded] == [("rr-fixture-uasc", "1")]  # only the demo council's expected facts
    q = graded[0]
    assert q["outcome"] in OUTCOMES and q["answer"]
    if q["outcome"] == "correct":
        assert len(q["key_facts_found"]) / len(q["key_facts"]) >= CORRECT_RECALL
