"""Misses by cause: why a question the corpus answers was not answered correctly, on hand-made question records, and
once on real dev cases drafted over the real corpus index."""
from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.evaluation import metrics as m
from assistant.evaluation.misses import (
    CAUSES,
    CONFIDENT_ERROR,
    FOR_REVIEW,
    NO_VERDICT,
    NOT_FIT,
    OTHER_FACTS,
    OTHER_PERIOD,
    RETRIEVAL,
    cause_table,
    count_by_cause,
    miss_cause,
    misses,
    plain_differs,
    verdicts_for,
)
from assistant.evaluation.report import diagnose, misses_section, to_markdown
from assistant.models import Draft, Question, Status, VerdictRecord


def _verdict(kind: str, *, differs=(), drafted_from: str = "", part: str = "", ask: str = "", expected=None) -> dict:
    return {"kind": kind, "part": part, "ask": ask, "differs": list(differs), "drafted_from": drafted_from,
            "sources": ["u1"], "expected_source": expected}


def _record(**overrides) -> dict:
    """A question record as the runner writes it: evidence read, one answered verdict, half the key facts."""
    q = {
        "number": "1", "has_evidence": True, "evidence": ["doc-a"], "evidence_units": ["doc-a#1"], "passages": ["doc-b", "doc-a"],
        "passages_read": 2, "evidence_read": True, "retrieval_hit": True, "outcome": "abstained", "outcome_why": "left to the officer (1/2 key facts)",
        "status": "needs_review", "expected_status": "provided", "status_agrees": False, "status_reason": "", "flags": [],
        "key_facts": ["21", "outside Lincolnshire"], "key_facts_found": ["21"], "key_fact_recall": 0.5,
        "verdicts": [_verdict("answered", expected=True)], "exemptions": [], "expected_exemptions": [], "exemptions_agree": True,
        "abstained": None, "cited_docs": ["doc-a"], "sentences": [], "citations_total": 1, "citations_precise": 1,
    }
    return {**q, **overrides}


def test_a_correct_answer_is_no_miss_whatever_its_status() -> None:
    # The old 'where it falls short' called this 'evidence retrieved but no past answer passed the match floor':
    # a correct answer (key facts 1.00) left for review, as the officer's status differs from the reply's.
    correct = _record(outcome="correct", key_facts_found=["21", "outside Lincolnshire"], key_fact_recall=1.0,
                      verdicts=[_verdict("related", drafted_from="worded_reply", expected=True)])
    assert miss_cause(correct) is None
    why = diagnose(correct, k=5)
    assert why == ["status needs_review, expected provided"]
    assert not any("match floor" in w for w in why)


def test_no_evidence_questions_are_not_misses() -> None:
    assert miss_cause(_record(has_evidence=False, evidence=[], evidence_units=[], outcome="abstained")) is None


def test_retrieval_comes_first_with_the_search_rank() -> None:
    q = _record(evidence_read=False, passages=["doc-b"], passages_read=8, evidence_search_rank=42, evidence_search_depth=60,
                verdicts=[_verdict("related", differs=["a different question"], expected=False)])
    cause, detail = miss_cause(q)
    assert cause == RETRIEVAL
    assert detail == "doc-a#1 not among the 8 passages read; hybrid search ranks it 42 (in the top 60, below 30)"
    cause, detail = miss_cause({**q, "evidence_search_rank": 12})
    assert "ranks it 12 (within the top 30)" in detail
    cause, detail = miss_cause({**q, "evidence_search_rank": None})
    assert detail.endswith("not in the hybrid search's top 60 either")
    q.pop("evidence_search_rank")
    assert miss_cause(q)[1] == "doc-a#1 not among the 8 passages read"  # the rank not looked up: nothing said of it


@pytest.mark.parametrize(
    ("differs", "said"),
    [
        ("it covers too little of what is asked", "covers too little of what is asked"),
        ("asks about boys, which the evidence does not name", "another group: boys (the evidence does not name it)"),
        ("the past question is about girls, which the question does not ask about", "another group: the past reply is about girls"),
        ("asks about refused, the evidence about received", "another measure or group: refused asked, the evidence is about received"),
        ("the past question asked about something else", "the past question asked about something else"),
        ("a different question", "the nearest past question is a different one (below the match floor)"),
        ("No past answer to this question.", "nothing close enough"),
        ("it does not count placements", "does not count placements"),
        ("the past question is only about refusal to assess", "the past question is only about refusal to assess"),
    ],
)
def test_what_differs_in_plain_words(differs: str, said: str) -> None:
    assert plain_differs(differs) == said


def test_judged_not_to_fit_names_the_first_difference_and_the_part() -> None:
    q = _record(outcome="abstained", key_facts_found=[], key_fact_recall=0.0,
                verdicts=[_verdict("answered", part="a", expected=True),
                          _verdict("related", part="b", differs=["it covers too little of what is asked", "gives no count figure"], expected=False)])
    assert miss_cause(q) == (NOT_FIT, "related (part b): covers too little of what is asked; the nearest evidence is not the expected evidence")
    q["evidence_read_rank"] = 3  # where the expected evidence stood among the passages read
    assert miss_cause(q)[1].endswith("the nearest evidence is not the expected evidence (read at rank 3)")
    none = _record(verdicts=[_verdict("none", differs=["No past answer to this question."])])
    none["verdicts"][0]["expected_source"] = None
    assert miss_cause(none) == (NOT_FIT, "none: nothing close enough")


def test_other_period_drafted() -> None:
    q = _record(status_reason="Figures to update for the period asked (2023/24).",
                verdicts=[{**_verdict("other_period", expected=True), "reason": "figures to update for the period asked (2023/24)"}])
    cause, detail = miss_cause(q)
    assert cause == OTHER_PERIOD
    assert detail == "figures to update for the period asked (2023/24); key facts 1/2, missing 'outside Lincolnshire'; the reply drafted is the expected evidence"
    q["verdicts"][0]["reason"] = ""  # a verdict without its own reason: the draft's status reason
    assert miss_cause(q)[1].startswith("Figures to update for the period asked (2023/24); key facts 1/2")


def test_drafted_for_review_from_a_worded_reply_or_a_policy() -> None:
    worded = _record(verdicts=[_verdict("related", drafted_from="worded_reply", differs=["the past question is worded differently (likeness 0.48): check"], expected=False)])
    assert miss_cause(worded) == (FOR_REVIEW, "from a reply to a differently worded question; it is not the expected evidence; key facts 1/2, missing 'outside Lincolnshire'")
    policy = _record(verdicts=[_verdict("related", drafted_from="policy", expected=False)])
    assert miss_cause(policy)[0] == FOR_REVIEW and miss_cause(policy)[1].startswith("from a policy section")


def test_answered_with_other_facts_names_telling_flags() -> None:
    q = _record(flags=["repeated_evidence", "stale_source"], key_facts_found=[], key_fact_recall=0.0)
    assert miss_cause(q) == (OTHER_FACTS, "status needs_review, flagged repeated_evidence; key facts 0/2, missing '21', 'outside Lincolnshire'; the reply drafted is the expected evidence")


def test_a_confident_error_is_named_whatever_came_before() -> None:
    why = "states '17' without labelling it as another period, measure or group"
    q = _record(outcome="confident_error", outcome_why=why, status="provided", evidence_read=False)
    assert miss_cause(q) == (CONFIDENT_ERROR, why)
    assert miss_cause(q, quote=False) == (CONFIDENT_ERROR, "states '…' without labelling it as another period, measure or group")


def test_held_out_questions_are_described_without_their_text() -> None:
    q = _record(verdicts=[_verdict("related", ask="how many were placed outside the county", differs=["a different question"])],
                status_reason="Figures to update for the period asked (2023/24)")
    cause, detail = miss_cause(q, quote=False)
    assert cause == NOT_FIT and "placed outside" not in detail and "one ask of its sentence" in detail
    other = _record(verdicts=[_verdict("other_period")], status_reason="Figures to update for the period asked (2023/24)")
    assert miss_cause(other, quote=False) == (OTHER_PERIOD, "key facts 1/2")


def test_no_verdict_when_nothing_was_drafted() -> None:
    assert miss_cause(_record(verdicts=[], status="missing"))[0] == NO_VERDICT


def test_a_lettered_case_question_takes_its_parts_verdicts() -> None:
    a, b = VerdictRecord("answered", part="a"), VerdictRecord("related", part="b", differs=("it covers too little of what is asked",))
    draft = Draft(Question("7", "How many … ?", parts=[("b", "and how many …?")]), "x", Status.NEEDS_REVIEW, verdict_records=[a, b])
    assert verdicts_for("7b", draft) == [b]
    assert verdicts_for("7", draft) == [a, b]
    assert verdicts_for("7c", draft) == [a, b]  # no verdict of its own: the whole question's
    assert verdicts_for("7", None) == []


def test_misses_are_listed_in_cause_order_and_counted_per_split() -> None:
    rows = [
        ("c1", "dev", _record(number="2", verdicts=[_verdict("other_period")])),
        ("c1", "dev", _record(number="10", evidence_read=False)),
        ("c2", "test", _record(number="1", verdicts=[_verdict("none")])),
        ("c2", "test", _record(number="2", outcome="correct")),
        ("c3", "dev", _record(number="1", miss_cause=RETRIEVAL, miss_detail="as recorded")),
    ]
    found = misses(rows)
    assert [(r["case"], r["number"], r["cause"]) for r in found] == [
        ("c1", "10", RETRIEVAL), ("c3", "1", RETRIEVAL), ("c2", "1", NOT_FIT), ("c1", "2", OTHER_PERIOD),
    ]
    assert found[1]["detail"] == "as recorded"
    assert count_by_cause(found) == {RETRIEVAL: 2, NOT_FIT: 1, OTHER_PERIOD: 1}
    table = cause_table(found, ["dev", "test"])
    assert [row[0] for row in table] == [CAUSES[RETRIEVAL][0], CAUSES[NOT_FIT][0], CAUSES[OTHER_PERIOD][0]]
    assert [row[2:] for row in table] == [[2, 0, 2], [0, 1, 1], [1, 0, 1]]


def test_report_section_lists_each_miss_by_id() -> None:
    cases = [{"id": "c1", "split": "dev", "questions": [_record(number="3", evidence_read=False), _record(number="4", outcome="correct")]}]
    text = to_markdown("t", [misses_section("extractive", cases)])
    assert "## Misses by cause: extractive" in text
    assert "| retrieval | no expected evidence among the passages the drafter read | 1 | 1 |" in text
    assert "- c1 q3: retrieval — doc-a#1 not among the 2 passages read" in text
    assert "q4" not in text
    held_out = [{"id": "h1", "split": "test", "questions": [_record(number="3", evidence_read=False)]}]
    text = to_markdown("t", [misses_section("extractive", held_out)])
    assert "- h1 q3: retrieval\n" in text + "\n" and "doc-a" not in text  # a held-out question: id and cause only


# -- on the real corpus --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_dev_cases_get_verdicts_and_one_cause_per_miss(foi_settings, corpus_drafter, tmp_path) -> None:
    """Two dev cases drafted over the real index, and one of them again with its evidence held out (so its
    questions cannot be answered from what the drafter reads): every miss has one cause, the causes agree with the
    verdicts recorded, and the report lists each miss."""
    from assistant.evaluation.cases import load_cases, select_ids, with_splits
    from assistant.evaluation.report import write_report
    from assistant.evaluation.runner import CASES_DIR, SPLITS_PATH, run_eval

    cases = select_ids(with_splits(load_cases(CASES_DIR), SPLITS_PATH), ["p2-camhs-redirect-2024", "p1-missing-lac-2024"])
    assert {c.split for c in cases} == {"dev"}
    camhs = next(c for c in cases if c.id == "p2-camhs-redirect-2024")
    hidden = replace(camhs, id="camhs-evidence-held-out", exclude=tuple({*camhs.exclude, *(d for q in camhs.questions for d in q.evidence)}))
    results = run_eval(foi_settings, [*cases, hidden], engines=["extractive"], drafter=corpus_drafter, with_search=False)
    records = {(c["id"], q["number"]): q for c in results["engines"]["extractive"]["cases"] for q in c["questions"]}
    docs = {u.doc_id for u in corpus_drafter.index.units().values()}
    sources = [s for q in records.values() for v in q["verdicts"] for s in v["sources"]]
    assert sources and all(s.split("#")[0] in docs for s in sources)  # named as cases name units: 'doc#3'
    for (case_id, number), q in records.items():
        assert q["verdicts"] and {v["kind"] for v in q["verdicts"]} <= {"answered", "other_period", "related", "none"}, (case_id, number)
        missed = q["has_evidence"] and q["outcome"] != "correct"
        assert (q["miss_cause"] in CAUSES) == missed and bool(q["miss_detail"]) == missed, (case_id, number)
        if q["miss_cause"] == NOT_FIT:
            assert any(v["kind"] in ("related", "none") and not v["drafted_from"] for v in q["verdicts"])
        if q["miss_cause"] == OTHER_PERIOD:
            assert any(v["kind"] == "other_period" for v in q["verdicts"])
    held_out = [q for (case_id, _), q in records.items() if case_id == "camhs-evidence-held-out" and q["has_evidence"]]
    assert held_out
    for q in held_out:  # its evidence was never retrievable: the first link broken is retrieval, and search says so
        assert q["evidence_read"] is False and q["miss_cause"] == RETRIEVAL
        assert q["evidence_search_rank"] is None and q["miss_detail"].endswith("not in the hybrid search's top 60 either")
    report = write_report(results, tmp_path)["markdown"].read_text(encoding="utf-8")
    assert "Where it falls short" not in report
    for (case_id, number), q in records.items():
        if q["miss_cause"]:
            assert f"- {case_id} q{number}: {CAUSES[q['miss_cause']][0]} — {q['miss_detail']}" in report
    assert m.summarise(list(records.values()))["n_questions"] == len(records)
