"""The evaluation's scoring functions, on examples worked out by hand."""
from __future__ import annotations

import json
from datetime import date

import pytest

from assistant.evaluation import metrics as m
from assistant.evaluation.cases import CaseError, EvalCase, EvalQuestion, parse_case, select_ids, subset
from assistant.evaluation.judge import CheckerJudge, Label, LLMJudge, agreement, calibrate, passage_from_text
from assistant.evaluation.report import diagnose, status_confusion, write_report


# -- key facts ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fact", "answer", "expected"),
    [
        ("outside Lincolnshire", "All were placed OUTSIDE Lincolnshire. [1]", True),
        ("1,058", "In 2022 there were 1058 children in care.", True),
        ("1058", "In 2022 there were 1,058 children in care.", True),
        ("£1,234", "The cost was £ 1234 in total.", True),
        ("16", "There were 160 referrals.", False),
        ("16", "In 2016 nothing changed.", False),
        ("16", "The rate was 16.5 per cent.", False),
        ("16", "There were 16. Then more.", True),
        ("2018: 21", "- 2018: 21 [1]", True),
        ("2018: 21", "- 2018: 210 [1]", False),
        ("31 August 2025", "at 31 August 2025 the council", True),
        ("31 August 2025", "at 30 August 2025 the council", False),
        ("council's care", "in the council’s care", True),
        ("section 40(2)", "withheld under section\n40(2) of the Act", True),
        ("not held", "The information is held.", False),
        # A colon or a spaced dash between the same words, and "of" / "the" / "a" left in or out, say the same.
        ("2018 – 21", "By year: 2018: 21. [1]", True),
        ("2018: 21", "2018 - 21", True),
        ("placed outside of Lincolnshire", "all of them were placed outside Lincolnshire. [1]", True),
        ("placed outside Lincolnshire", "they were placed outside of the county of Lincolnshire", False),
        ("Child exploitation – LSCP", "on the page Child exploitation: LSCP. [1]", True),
        # ... but never another figure: a dash glued to figures makes a period, not "2018 – 21".
        ("2018 – 21", "In 2018-21 there were 55. [1]", False),
        ("2018 – 21", "2018: 210", False),
        ("2018 – 21", "2017-2018: 21", False),
        ("16", "In 2015-16 nothing changed.", False),
        ("2018 – 21", "2018, 21 children", False),
        ("6-weekly", "meets 6 weekly", False),
        ("Multi Agency Child Exploitation (MACE)", "a Multi-Agency Child Exploitation (MACE) process", True),
        ("out-of-area placements", "21 are in out of area placements", True),
        # 0 stated as a count of nothing in words; a statement that nothing is held is not the figure 0.
        ("0", "The council has not referred any UASC out of its care. [1]", True),
        ("0", "No looked-after child was missing for longer than a month. [1]", True),
        ("0", "None. [1]", True),
        ("0", "The council does not hold this information. [1]", False),
        ("0", "The council has not held any information on this. [1]", False),
        ("0", "No information is held. [1]", False),
        ("0", "No records were kept of these visits. [1]", False),
        ("0", "None of this information is held. [1]", False),
        ("0", "There were 10 referrals. [1]", False),
    ],
)
def test_fact_present(fact: str, answer: str, expected: bool) -> None:
    assert m.fact_present(fact, answer) is expected


def test_key_fact_recall_counts_each_fact_once() -> None:
    answer = "The council placed 185 UASC, all outside Lincolnshire. [1]"
    assert m.key_fact_recall(["185", "outside Lincolnshire", "National Transfer Scheme"], answer) == pytest.approx(2 / 3)
    assert m.key_fact_recall([], answer) is None


# -- sentences and markers -----------------------------------------------------------------------------------
def test_claim_sentences_skip_notes_and_courtesy() -> None:
    answer = (
        "Note for the officer: no past answer was found. Please check with the service.\n"
        "The council holds 22 records. [1] It publishes them yearly. [2]\n"
        "Yours sincerely"
    )
    assert m.claim_sentences(answer) == ["The council holds 22 records. [1]", "It publishes them yearly. [2]"]


def test_marker_validity_counts_every_occurrence() -> None:
    assert m.marker_validity("A [1]. B [3] and [1].", {1, 2}) == (2, 3)
    assert m.marker_validity("No markers.", {1}) == (0, 0)
    assert m.cited_markers("A [2] b [1] c [2].") == [2, 1]


# -- ALCE citation recall and precision ---------------------------------------------------------------------------
def _judge(needed: set[str], alone: set[str] = frozenset()):
    """Stub: the sentence is supported by any passage in `alone`, or by a set covering `needed` together."""

    def supports(cited):
        names = set(cited)
        return bool(names & alone) or (bool(needed) and needed <= names)

    return supports


def test_alce_no_citation_is_unsupported_and_has_no_precision() -> None:
    assert m.alce_sentence([], _judge({"A"}, {"A"})) == (False, [])


def test_alce_unsupported_sentence_makes_every_citation_imprecise() -> None:
    assert m.alce_sentence(["A", "B"], _judge({"C"})) == (False, [False, False])


def test_alce_single_supporting_citation_is_precise() -> None:
    assert m.alce_sentence(["A"], _judge(set(), {"A"})) == (True, [True])


def test_alce_irrelevant_extra_citation_is_imprecise() -> None:
    # A alone supports; B alone does not and A still supports without it: B adds nothing.
    assert m.alce_sentence(["A", "B"], _judge(set(), {"A"})) == (True, [True, False])


def test_alce_jointly_needed_citations_are_both_precise() -> None:
    # Neither supports alone, but dropping either breaks support: both are needed.
    assert m.alce_sentence(["A", "B"], _judge({"A", "B"})) == (True, [True, True])


def test_alce_redundant_citations_that_each_support_alone_stay_precise() -> None:
    # ALCE keeps a citation that supports the sentence on its own, even though the other one would suffice.
    assert m.alce_sentence(["A", "B"], _judge(set(), {"A", "B"})) == (True, [True, True])


def test_alce_joint_pair_with_irrelevant_third() -> None:
    assert m.alce_sentence(["A", "B", "C"], _judge({"A", "B"})) == (True, [True, True, False])


def test_citation_recall_and_precision_shares() -> None:
    assert m.citation_recall([True, False, True, True]) == 0.75
    assert m.citation_recall([]) is None
    assert m.citation_precision([True, False]) == 0.5
    assert m.citation_precision([]) is None


# -- retrieval, status, exemptions, rouge -------------------------------------------------------------------------
def test_retrieval_hit_respects_k() -> None:
    ranked = ["a", "b", "c", "d", "e", "ev"]
    assert m.retrieval_hit(["ev"], ranked, 5) is False
    assert m.retrieval_hit(["ev"], ranked, 6) is True
    assert m.retrieval_hit([], ranked, 5) is None


def test_exemptions_agree_ignores_spelling_of_the_section() -> None:
    assert m.exemptions_agree(["Section 40(2)"], ["s40(2)"])
    assert m.exemptions_agree(["s.12", "s40(2)"], ["s40(2)", "s12"])
    assert not m.exemptions_agree(["s40(2)"], [])


def test_abstention_statuses() -> None:
    assert m.abstained("needs_review") and m.abstained("not_held")
    assert not m.abstained("provided")


def test_rouge_l_bounds() -> None:
    assert m.rouge_l("The council holds 22 records. [1]", "The council holds 22 records.") == pytest.approx(1.0)
    assert m.rouge_l("apples oranges", "The council holds records.") == 0.0
    assert m.rouge_l("", "anything") == 0.0


# -- pooling, comparing, gating -----------------------------------------------------------------------------------
def _record(**overrides):
    base = {
        "has_evidence": True,
        "markers_valid": 2,
        "markers_total": 2,
        "citation_precision": 1.0,
        "citation_recall": 1.0,
        "claims": 2,
        "claims_unsupported": 0,
        "citations_total": 2,
        "key_fact_recall": 1.0,
        "retrieval_hit": True,
        "status_agrees": True,
        "exemptions_agree": True,
        "abstained": None,
        "rouge_l": 0.5,
        "seconds": 1.0,
    }
    return {**base, **overrides}


def test_summarise_pools_as_documented() -> None:
    records = [
        _record(),
        _record(markers_valid=1, markers_total=3, citation_recall=0.5, citation_precision=0.0, claims=4, claims_unsupported=1, key_fact_recall=0.5, retrieval_hit=False, status_agrees=False, seconds=3.0),
        _record(has_evidence=False, markers_valid=0, markers_total=0, citation_recall=None, citation_precision=None, claims=0, citations_total=0, key_fact_recall=0.0, retrieval_hit=None, abstained=True),
        _record(has_evidence=False, key_fact_recall=0.0, retrieval_hit=None, abstained=False),
    ]
    s = m.summarise(records)
    assert s["citation_validity"] == pytest.approx(5 / 7)  # pooled markers: (2+1+0+2)/(2+3+0+2)
    assert s["citation_recall"] == pytest.approx(2.5 / 3)  # per-question mean, questions without claims left out
    assert s["citation_precision"] == pytest.approx(2 / 3)
    assert s["unsupported_rate"] == pytest.approx(1 / 8)
    assert s["key_fact_recall"] == pytest.approx(0.75)  # questions with evidence only
    assert s["key_fact_recall_all"] == pytest.approx(1.5 / 4)
    assert s["retrieval_recall_at_k"] == 0.5
    assert s["status_agreement"] == 0.75
    assert s["abstention"] == 0.5
    assert s["seconds_per_question"] == 1.5
    assert (s["n_with_evidence"], s["n_without_evidence"]) == (2, 2)


def test_compare_marks_small_deltas_as_noise() -> None:
    rows = {r["metric"]: r for r in m.compare_summaries(
        {"key_fact_recall": 0.80, "citation_recall": 0.90, "unsupported_rate": 0.20, "abstention": None},
        {"key_fact_recall": 0.83, "citation_recall": 0.80, "unsupported_rate": 0.10, "abstention": 1.0},
    )}
    assert rows["key_fact_recall"]["verdict"] == "noise"
    assert rows["citation_recall"]["verdict"] == "worse"
    assert rows["citation_recall"]["delta"] == pytest.approx(-0.10)
    assert rows["unsupported_rate"]["verdict"] == "better"  # lower is better
    assert rows["abstention"]["verdict"] == "n/a"


def test_check_minimums() -> None:
    summary = {"key_fact_recall": 0.6, "citation_validity": 1.0, "abstention": None}
    assert m.check_minimums(summary, {"citation_validity": 1.0}) == []
    failures = m.check_minimums(summary, {"key_fact_recall": 0.7, "abstention": 0.9})
    assert len(failures) == 2 and "key_fact_recall" in failures[0]
    assert m.check_minimums({"unsupported_rate": 0.3}, {}, {"unsupported_rate": 0.2})


# -- cases ----------------------------------------------------------------------------------------------------------
def _case(cid: str, evidence: list[str]) -> EvalCase:
    return EvalCase(id=cid, request="1. Q?", questions=(EvalQuestion("1", "A.", ("a",), evidence=tuple(evidence)),), answerable=bool(evidence))


def test_parse_case_and_errors() -> None:
    data = {
        "id": "x",
        "received": date(2024, 1, 2),
        "exclude": ["old"],
        "answerable": True,
        "request": "1. How many?",
        "questions": [{"number": 1, "reference_answer": "Five.", "key_facts": ["Five"], "expected_status": "provided", "evidence": ["d"]}],
    }
    case = parse_case(data, "x.yaml")
    assert case.questions[0].number == "1" and case.exclude == ("old",) and case.received == date(2024, 1, 2)
    assert case.has_evidence(case.questions[0]) and not case.no_evidence
    with pytest.raises(CaseError):
        parse_case({"id": "y"}, "y.yaml")


def test_subset_keeps_abstention_cases_and_is_deterministic() -> None:
    cases = [_case(f"c{i:02d}", ["d"]) for i in range(10)] + [_case(f"n{i}", []) for i in range(3)]
    picked = subset(cases, 6)
    assert len(picked) == 6 and sum(c.no_evidence for c in picked) == 2
    assert picked == subset(cases, 6)
    assert select_ids(cases, ["n1", "c03"])[0].id == "n1"
    with pytest.raises(CaseError):
        select_ids(cases, ["missing"])


# -- judge ----------------------------------------------------------------------------------------------------------
def test_agreement_figures_by_hand() -> None:
    # truth supported T,T,F,F; checker T,F,F,F → for 'unsupported': TP 2, FP 1, FN 0.
    got = agreement([True, True, False, False], [True, False, False, False])
    assert got["accuracy"] == 0.75
    assert got["unsupported_precision"] == pytest.approx(2 / 3)
    assert got["unsupported_recall"] == 1.0
    assert got["kappa"] == pytest.approx(0.5)  # po 0.75, pe 0.5
    assert (got["false_supported"], got["false_unsupported"]) == (0, 1)


def test_passage_from_text_keeps_the_answer_part() -> None:
    p = passage_from_text("Question 1: How many?\nAnswer: 22 children are in care.")
    assert p.unit.answer == "22 children are in care."
    assert passage_from_text("Policy text.").unit.answer == ""


def test_checker_judge_rejects_a_changed_figure() -> None:
    judge = CheckerJudge(0.5)
    passage = [passage_from_text("Question 1: How many?\nAnswer: 22 unaccompanied children are in the council's care.")]
    assert judge("22 unaccompanied children are in the council's care. [1]", passage)
    assert not judge("27 unaccompanied children are in the council's care. [1]", passage)
    assert not judge("22 unaccompanied children are in the council's care.", [])


class _FakeChat:
    """Answers 'Yes' only when the sentence's figure is in the prompt's sources."""

    def __init__(self) -> None:
        self.calls = 0

    def invoke(self, prompt: str):
        self.calls += 1
        sources, sentence = prompt.split("Sentence: ", 1)
        figure = sentence.split()[0]
        return type("Reply", (), {"content": "Yes." if figure in sources else "No, the figure differs."})()


def test_llm_judge_parses_yes_no_and_caches() -> None:
    chat = _FakeChat()
    judge = LLMJudge(chat, "fake")
    passage = [passage_from_text("22 children are in care.")]
    assert judge("22 children are in care. [1]", passage)
    assert not judge("27 children are in care.", passage)
    assert judge("22 children are in care.", passage) and chat.calls == 2  # markers ignored, answer cached
    assert not judge("22 children are in care.", []) and chat.calls == 2


def test_calibrate_reports_sweep_and_best_threshold() -> None:
    labels = [
        Label("22 unaccompanied children are in the council's care.", "Answer text: 22 unaccompanied children are in the council's care.", True),
        Label("27 unaccompanied children are in the council's care.", "Answer text: 22 unaccompanied children are in the council's care.", False),
        Label("The strategy was approved by the partnership board.", "Foster carers receive a weekly allowance for each child.", False),
    ]
    result = calibrate(labels, CheckerJudge(0.5), thresholds=(0.3, 0.5, 0.8))
    assert [r["threshold"] for r in result["sweep"]] == [0.3, 0.5, 0.8]
    assert result["at_threshold"]["accuracy"] == 1.0 and result["best_kappa"] == 1.0
    assert result["best_threshold"] == 0.5  # ties resolved towards the current threshold
    assert result["disagreements"] == []


# -- report -----------------------------------------------------------------------------------------------------------
def _question_record(**overrides):
    q = {
        "number": "1", "has_evidence": True, "evidence": ["ev"], "passages": ["x", "ev"], "retrieval_hit": True,
        "status": "provided", "expected_status": "provided", "status_agrees": True, "exemptions": [],
        "expected_exemptions": [], "exemptions_agree": True, "abstained": None, "cited_docs": ["x"],
        "key_facts": ["a", "b"], "key_facts_found": ["a"], "key_fact_recall": 0.5, "sentences": [],
        "citations_total": 1, "citations_precise": 1,
    }
    return {**q, **overrides}


def test_diagnose_names_the_cause() -> None:
    missed = diagnose(_question_record(outcome="abstained", evidence_read=True, verdicts=[{"kind": "related", "differs": ["it covers too little of what is asked"], "part": "", "ask": "", "drafted_from": "", "expected_source": True}]), k=5)
    assert missed[0] == "judged not to fit: related: covers too little of what is asked; the nearest evidence is the expected evidence"
    miss = diagnose(_question_record(outcome="abstained", passages=["x"], retrieval_hit=False, evidence_read=False), k=5)
    assert miss[0].startswith("retrieval: ev not among the 1 passages read")
    correct = diagnose(_question_record(outcome="correct"), k=5)
    assert correct == ["missing key facts: 'b'"]  # no miss cause for a correct answer; the facts it left out still show
    answered = diagnose(_question_record(has_evidence=False, evidence=[], abstained=False, status_agrees=False, expected_status="needs_review", key_fact_recall=None), k=5)
    assert any("no evidence" in w for w in answered)


def test_status_confusion_counts_disagreements() -> None:
    confusion = status_confusion([_question_record(status_agrees=False, status="provided", expected_status="exempt")] * 2)
    assert confusion == [("exempt", "provided", 2)]


def test_write_report_files(tmp_path) -> None:
    q = {**_question_record(), "answer": "A. [1]", "markers_valid": 1, "markers_total": 1, "claims": 1,
         "claims_supported": 1, "claims_unsupported": 0, "citation_recall": 1.0, "citation_precision": 1.0,
         "rouge_l": 0.4, "seconds": 0.2, "flags": []}
    case = {"id": "c1", "error": "", "summary": m.summarise([q]), "questions": [q]}
    results = {"created": "now", "judge": "stub", "k": 5, "cases": ["c1"], "engines": {"extractive": {"summary": m.summarise([q]), "cases": [case]}}}
    old = json.loads(json.dumps(results))
    old["engines"]["extractive"]["summary"]["key_fact_recall"] = 0.9
    paths = write_report(results, tmp_path, old=old, thresholds={"engine": "extractive", "minimums": {"key_fact_recall": 0.8}})
    saved = json.loads(paths["results"].read_text())
    assert saved["gate"]["failures"] and "key_fact_recall" in saved["gate"]["failures"][0]
    md = paths["markdown"].read_text()
    assert "Key-fact recall (questions with evidence)" in md and "-0.400" in md and "worse" in md
    assert "data:image/png;base64," in paths["html"].read_text()
    assert (tmp_path / "metrics_by_engine.png").stat().st_size > 1000


# -- outcome grading -------------------------------------------------------------------------------------------
UASC_2021 = dict(
    key_facts=["2021: 26"],
    wrong_facts=["41", "66", "185"],
    other_periods=["2018", "2019", "2020", "2022", "2023"],
    kind="lookup",
)


def test_wrong_year_verbatim_and_cited_is_a_confident_error() -> None:
    # A verbatim, correctly cited sentence from the 2025 reply, but about 2023 while 2021 was asked.
    answer = "The council placed 41 UASC. [1]"
    outcome, why = m.grade(answer=answer, status="provided", has_evidence=True, **UASC_2021)
    assert outcome == "confident_error"
    assert "'41'" in why
    assert m.period_accurate(answer, ["2021"], UASC_2021["other_periods"], UASC_2021["wrong_facts"]) is False


def test_wrong_year_stays_an_error_under_needs_review_unless_labelled() -> None:
    bare = m.grade(answer="The council placed 41 UASC. [1]", status="needs_review", has_evidence=True, **UASC_2021)
    assert bare[0] == "confident_error"
    labelled = m.grade(answer="In 2023 the council placed 41 UASC. [1]", status="needs_review", has_evidence=True, **UASC_2021)
    assert labelled[0] == "abstained"


def test_right_year_among_labelled_years_is_correct() -> None:
    answer = "UASC placed by year:\n\n- 2021: 26 [1]\n- 2022: 66 [1]\n- 2023: 41 [1]"
    assert m.grade(answer=answer, status="provided", has_evidence=True, **UASC_2021)[0] == "correct"
    assert m.period_accurate(answer, ["2021"], UASC_2021["other_periods"], UASC_2021["wrong_facts"]) is True


def test_list_heading_labels_its_items() -> None:
    answer = "Requests received in 2024:\n- Schools and colleges: 846\n- Total: 1,864 [1]"
    assert m.labelled("1,864", answer, ["2024"])
    assert m.labelled("1,864", "Requests received in 2024: [1]\n- Total: 1,864 [1]", ["2024"])  # marker after the colon
    assert not m.labelled("1,864", "Requests received:\n- Total: 1,864 [1]", ["2024"])
    assert m.labelled("1,864", "Nothing here.", [])  # not stated at all: nothing to label


def test_period_present_needs_the_whole_period() -> None:
    assert m.period_present("2021", "placed in 2021.")
    assert not m.period_present("2021", "in 2021/22 there were")
    assert m.period_present("2021/22", "in 2021/22 there were")
    assert m.period_present("last 12 months", "in the LAST 12 months")


def test_status_without_key_facts_is_a_confident_error_and_note_is_abstained() -> None:
    facts = ["552", "2007/08"]
    assert m.grade(answer="A strategy was evaluated in 2024. [1]", status="not_held", has_evidence=True, key_facts=facts)[0] == "confident_error"
    assert m.grade(answer="Note for the officer: no past answer matched.", status="needs_review", has_evidence=True, key_facts=facts)[0] == "abstained"
    # The facts are there, but not_held tells the requester nothing is held.
    outcome, why = m.grade(answer="In 2007/08 there were 552 meetings. [1]", status="not_held", has_evidence=True, key_facts=facts)
    assert outcome == "confident_error" and "not_held" in why


def test_no_evidence_question_grades_abstention_and_any_answer_as_error() -> None:
    note = "Note for the officer: nothing in the corpus covers this."
    assert m.grade(answer=note, status="needs_review", has_evidence=False)[0] == "abstained"
    assert m.grade(answer="Therapy dogs visit weekly. [1]", status="provided", has_evidence=False)[0] == "confident_error"
    assert m.grade(answer="Not held. [1]", status="not_held", has_evidence=False)[0] == "confident_error"


def test_a_note_for_the_officer_states_no_fact() -> None:
    """A note that proposes nothing is an abstention even when it quotes the right figure as the nearest evidence,
    and the "question 3 … (source 2)" of its reference is not the figure 2 (real drafts: lcc-uasc-nts-2021 q5)."""
    note = (
        "Note for the officer: no past answer gives what is asked, so nothing is proposed. The nearest evidence is the "
        "answer to question 3 of an undated reply (source 2): “664.” — it differs: it covers too little of what is asked."
    )
    assert not m.fact_present("2", note) and not m.fact_present("664", note)
    assert m.grade(answer=note, status="needs_review", has_evidence=True, key_facts=["2"])[0] == "abstained"
    assert m.grade(answer=note, status="needs_review", has_evidence=True, key_facts=["664"])[0] == "abstained"
    # the same figure on a drafted line is stated; a cross-reference to another answer is not a figure
    assert m.grade(answer=f"664 referrals were received. [1]\n{note}", status="needs_review", has_evidence=True, key_facts=["664"])[0] == "correct"
    assert not m.fact_present("2", "Please see the answer to question 2.")
    # a wrong figure quoted in a note as differing evidence is not stated either
    assert m.unlabelled_wrong_facts(["664"], note, []) == []
    # a note's own words still state what they say: the newest figures given in it for the officer to update
    shift = "Note for the officer: the newest figures are for 2023 and must be updated: Total: 1,716 (2023)."
    assert m.fact_present("1,716", shift) and not m.fact_present("2", note.replace("664", "2"))
    # a note proposing nothing states nothing, not even the "no" of "no past answer" (lcc-mash-strategy-meetings-2024 q3)
    assert not m.fact_present("No", note)


def test_period_shift_needs_labelled_newest_figures_and_review() -> None:
    shift = dict(key_facts=["1,864"], other_periods=["2024"], kind="period_shift", has_evidence=True)
    good = "Note for the officer: the newest figures are for 2024; ask the service for the last 12 months.\nRequests received in 2024:\n- Total: 1,864 [1]"
    assert m.grade(answer=good, status="needs_review", **shift)[0] == "correct"
    assert m.grade(answer=good, status="provided", **shift)[0] == "confident_error"
    assert m.grade(answer="Requests received:\n- Total: 1,864 [1]", status="needs_review", **shift)[0] == "confident_error"
    assert m.grade(answer="Note for the officer: check with the SEND service.", status="needs_review", **shift)[0] == "abstained"


def test_near_miss_figure_is_an_error_unless_labelled_as_the_other_measure() -> None:
    miss = dict(key_facts=["4 refusal-to-issue"], wrong_facts=["13"], wrong_labels=["refusal-to-assess"], has_evidence=True, kind="near_miss")
    assert m.grade(answer="13 appeals were registered in 2022. [1]", status="provided", **miss)[0] == "confident_error"
    assert m.grade(answer="4 refusal-to-issue appeals were registered in 2022. [1]", status="provided", **miss)[0] == "correct"
    told = "13 refusal-to-assess appeals were registered in 2022. [1]"
    assert m.grade(answer=told, status="needs_review", **miss)[0] == "abstained"
    # Labelled as the other measure, the figure does not make the period wrong either.
    assert m.period_accurate(told, ["2022"], [], ["13"], ["refusal-to-assess"]) is True
    assert m.period_accurate("13 appeals were registered in 2022. [1]", ["2022"], [], ["13"], ["refusal-to-assess"]) is False


def test_sub_parts_each_need_their_facts_or_a_note() -> None:
    parts = [("a", ["2,238"]), ("b", ["229"])]
    both = "a) 2,238 children. [1]\nb) 229 notices. [1]"
    one = "a) 2,238 children. [1]"
    assert m.grade(answer=both, status="provided", has_evidence=True, key_facts=["2,238", "229"], sub_parts=parts)[0] == "correct"
    assert m.grade(answer=one, status="provided", has_evidence=True, key_facts=["2,238", "229"], sub_parts=parts)[0] == "confident_error"
    assert m.sub_part_covered("a", ["2,238"], one) and not m.sub_part_covered("b", ["229"], one)
    noted = one + "\nNote for the officer: part b needs the attendance team's figure."
    assert m.sub_part_covered("b", ["229"], noted, number="3")
    assert m.sub_part_covered("b", ["229"], "Note for the officer: no past answer matched.")


def test_unit_matches_question_labels_and_sections() -> None:
    assert m.unit_matches("2021-1571785-uasc#3b", "2021-1571785-uasc", ("3b",), ())
    assert m.unit_matches("2021-1571785-uasc#2a", "2021-1571785-uasc", ("2a", "2b", "2c"), ())
    assert not m.unit_matches("2021-1571785-uasc#5", "2021-1571785-uasc", ("4",), ())
    assert not m.unit_matches("2021-1571785-uasc#5", "2023-other", ("5",), ())
    assert m.unit_matches("mace-terms-of-reference#Frequency", "mace-terms-of-reference", (), ("MACE", "Frequency of meetings"))
    # a reply that answers questions 1 to 5 under one heading "1-5"
    assert m.unit_matches("2023-ep#1-5", "2023-ep", ("1", "2", "3", "4", "5"), ())
    assert not m.unit_matches("2023-ep#1-5", "2023-ep", ("1", "2"), ())


def test_outcome_rates_pool_outcomes() -> None:
    recs = [
        {"outcome": "correct", "has_evidence": True, "period_accurate": True, "sub_parts_total": 2, "sub_parts_covered": 2, "unit_hit": True},
        {"outcome": "confident_error", "has_evidence": True, "period_accurate": False, "sub_parts_total": 2, "sub_parts_covered": 1, "unit_hit": False},
        {"outcome": "abstained", "has_evidence": False, "period_accurate": None},
        {"outcome": "confident_error", "has_evidence": False, "period_accurate": None},
    ]
    r = m.outcome_rates(recs)
    assert r["correct_rate"] == 0.25 and r["confident_error_rate"] == 0.5 and r["truthfulness"] == -0.25
    assert r["abstention_no_evidence"] == 0.5 and r["correct_rate_with_evidence"] == 0.5
    assert r["period_accuracy"] == 0.5 and r["sub_part_coverage"] == 0.75 and r["unit_recall_at_k"] == 0.5


# -- real requests: loader and splitting score ------------------------------------------------------------------
def test_real_request_loader_and_splitting_score() -> None:
    from pathlib import Path

    from assistant.evaluation.real_requests import load_real_requests, score_split, splitting_summary

    requests = load_real_requests(Path(__file__).parent / "fixtures" / "real_requests")
    assert [r.id for r in requests] == ["rr-fixture-library", "rr-fixture-uasc"]
    uasc = requests[1]
    assert uasc.questions == 2 and uasc.sub_parts == 2 and uasc.demo_council and uasc.received == date(2023, 8, 1)
    assert uasc.items[1].parts == ("under the National Transfer Scheme", "by other arrangements")
    assert uasc.expected[0].key_facts == ("2018: 21", "2022: 66")
    row = score_split(uasc)
    assert row["split_questions"] == 2 and row["questions_match"] and row["sub_parts_match"] and row["lost"] == []
    rows = [score_split(r) for r in requests]
    summary = splitting_summary(rows)
    assert summary["requests"] == 2 and summary["items"] == 4
    assert summary["question_count_match"] == sum(r["questions_match"] for r in rows) / 2


def test_lost_items_are_the_ones_no_question_holds() -> None:
    from assistant.evaluation.real_requests import HumanItem, lost_items
    from assistant.models import Question

    items = [HumanItem("1", "How many libraries closed in 2023"), HumanItem("2", "What were the central library opening hours")]
    questions = [Question("1", "Could you tell me how many libraries you closed in 2023?")]
    assert lost_items(items, questions) == ["2"]


def test_malformed_real_request_names_the_file(tmp_path) -> None:
    from assistant.evaluation.real_requests import load_real_requests

    (tmp_path / "bad.yaml").write_text("id: bad\nrequest: hi\n")
    with pytest.raises(CaseError, match="bad.yaml"):
        load_real_requests(tmp_path)


def test_report_shows_outcomes_confident_errors_and_moves(tmp_path) -> None:
    base = {"answer": "A. [1]", "markers_valid": 1, "markers_total": 1, "claims": 1, "claims_supported": 1,
            "claims_unsupported": 0, "citation_recall": 1.0, "citation_precision": 1.0, "rouge_l": 0.4, "seconds": 0.2, "flags": []}
    right = {**_question_record(number="1"), **base, "outcome": "correct", "outcome_why": "1/1 key facts", "kind": "lookup"}
    wrong = {**_question_record(number="2"), **base, "answer": "The council placed 41 UASC. [1]", "outcome": "confident_error",
             "outcome_why": "states '41' without labelling it as another period, measure or group", "kind": "lookup",
             "question_text": "How many UASC were placed in 2021?"}
    qs = [right, wrong]
    case = {"id": "c1", "split": "test", "error": "", "summary": m.summarise(qs), "questions": qs}
    results = {"created": "now", "judge": "stub", "k": 5, "cases": ["c1"],
               "engines": {"extractive": {"summary": m.summarise(qs), "splits": {"test": m.summarise(qs)}, "cases": [case]}}}
    old = json.loads(json.dumps(results))
    old["engines"]["extractive"]["cases"][0]["questions"][1]["outcome"] = "abstained"
    paths = write_report(results, tmp_path, old=old)
    md = paths["markdown"].read_text()
    assert "| Confident-error rate | 0.500 | 0.500 |" in md  # extractive / test and extractive / all
    assert "Confident errors: extractive (1)" in md and "How many UASC were placed in 2021?" in md and "states '41'" in md
    assert "| abstained | confident_error | 1 |" in md  # how the outcome moved since the earlier run
    assert (tmp_path / "outcomes_by_engine.png").stat().st_size > 1000


def test_results_for_split_keeps_one_split_and_recomputes() -> None:
    from assistant.evaluation.runner import results_for_split

    base = {"answer": "A. [1]", "markers_valid": 1, "markers_total": 1, "claims": 1, "claims_supported": 1, "claims_unsupported": 0,
            "citation_recall": 1.0, "citation_precision": 1.0, "rouge_l": 0.4, "seconds": 0.2, "flags": []}
    good = {**_question_record(), **base, "outcome": "correct"}
    bad = {**_question_record(), **base, "outcome": "confident_error"}
    cases = [{"id": "d1", "split": "dev", "questions": [bad]}, {"id": "t1", "split": "test", "questions": [good]}]
    results = {"cases": ["d1", "t1"], "engines": {"extractive": {"summary": m.summarise([good, bad]), "cases": cases}}}
    test = results_for_split(results, "test")
    assert test["cases"] == ["t1"] and [c["id"] for c in test["engines"]["extractive"]["cases"]] == ["t1"]
    assert test["engines"]["extractive"]["summary"]["correct_rate"] == 1.0
    assert set(test["engines"]["extractive"]["splits"]) == {"test"}


def test_a_case_sees_the_corpus_of_its_received_date() -> None:
    """Evidence dated after the request did not exist when it arrived: it leaves the question's evidence, and a
    question left with none is graded as one the corpus cannot answer (abstaining is then right)."""
    from assistant.evaluation.cases import as_received

    later = EvalQuestion("1", "ref", key_facts=("2019: 21",), evidence=("2025-uasc",), evidence_units=("2025-uasc#2",))
    mixed = EvalQuestion(
        "2", "ref", key_facts=("7",), evidence=("2021-missing", "2025-uasc", "undated-policy"),
        evidence_units=("2021-missing#2", "2025-uasc#6"), expected_status="partly_provided",
    )
    case = EvalCase("c", "1. a?\n2. b?", (later, mixed), received=date(2023, 7, 10))
    dates = {"2025-uasc": date(2025, 10, 8), "2021-missing": date(2021, 2, 1), "undated-policy": None}
    seen = as_received(case, dates)
    q1, q2 = seen.questions
    assert q1.evidence == () and q1.kind == "no_evidence" and q1.expected_status == "needs_review"
    assert not seen.has_evidence(q1)
    assert q2.evidence == ("2021-missing", "undated-policy") and q2.evidence_units == ("2021-missing#2",)
    assert q2.kind == later.kind and q2.expected_status == "partly_provided" and seen.has_evidence(q2)
    assert as_received(EvalCase("d", "x", (later,)), dates).questions[0] is later  # no received date: as written


def test_a_heading_naming_another_period_labels_the_figures_under_it() -> None:
    """'The most recent figures we hold … are as at 24 May 2021:' labels its figures as another period, even when
    the case lists other spellings; a heading naming the period asked is not another period."""
    answer = (
        "The most recent figures we hold in past replies are as at 24 May 2021:\n"
        "As at 24 May 2021: 2 missing incidents have involved UASC in the council's care. [1]\n"
        "Note for the officer: figures to update for the period asked (the 12 months to 15 September 2025)."
    )
    assert m.stated_other_periods(answer, ["2024/25"]) == ["as at 24 May 2021"] or m.stated_other_periods(answer, ["2024/25"]) == ["24 May 2021"]
    assert m.stated_other_periods(answer, ["24 May 2021"]) == []
    labels = m.stated_other_periods(answer, ["2024/25"])
    assert m.unlabelled_wrong_facts(["2 missing incidents"], answer, labels) == []
    assert m.unlabelled_wrong_facts(["2 missing incidents"], answer, []) == ["2 missing incidents"]
    assert m.period_accurate(answer, ["2024/25"], labels, ["2 missing incidents"]) is True


# -- key facts in other forms of the same words, and never in a note for the officer ------------------------
@pytest.mark.parametrize(
    ("fact", "answer", "expected"),
    [
        # Inflection and small words between the words of a described fact (real wordings, 2025 exploitation reply).
        ("CE Screening Tools", "Any professional can submit a CE Screening Tool. [1]", True),
        ("MACE Level 2 is also weekly", "MACE Level 1 and MACE Level 2 are weekly. [1]", True),
        ("incorporated into the early help offer", "Budget for CE work has been incorporated into its early help offer. [1]", True),
        # Never a synonym, another qualifier, another order, another figure or the opposite polarity.
        ("MACE Level 1 sits weekly", "MACE Level 1 and MACE Level 2 each meet weekly. [1]", False),
        ("MACE Level 2 is also weekly", "MACE Level 1 and MACE Level 2 each meet weekly. [1]", False),
        ("incorporated into the early help offer", "It has been incorporated within the early help offer. [1]", False),
        ("specific procedures and processes around CSE", "The council has procedures and processes for tackling CSE. [1]", False),
        ("MACE Level 2 is also weekly", "MACE Level 1 meets weekly and Level 2 monthly. [1]", False),
        ("placed outside Lincolnshire", "21 were placed in Lincolnshire and 3 outside. [1]", False),
        ("No Libraries were closed by the council in 2017", "Libraries were closed by the council in 2017. [1]", False),
        ("early help offer is incorporated", "The early help offer is not incorporated. [1]", False),
        ("CE audit was carried out in 2024", "A CE audit was carried out in 2023. [1]", False),
    ],
)
def test_fact_present_in_other_forms_of_the_same_words(fact: str, answer: str, expected: bool) -> None:
    assert m.fact_present(fact, answer) is expected


def test_a_note_for_the_officer_states_no_fact() -> None:
    """Real drafts: a note naming the nearest evidence ("question 3 … (source 2)") must not count as stating the
    figure 2, nor a quoted nearest answer as the answer; the same figure in a drafted line does."""
    note = (
        "Note for the officer: no past answer gives what is asked, so nothing is proposed. The nearest evidence is the "
        "answer to question 3 of an undated reply (source 2): “The council has not referred any UASC out of its care "
        "through the National Transfer Scheme.” — it differs: a different question."
    )
    assert m.grade(answer=note, status="needs_review", has_evidence=True, key_facts=["2"])[0] == "abstained"
    assert m.grade(answer=note, status="needs_review", has_evidence=True, key_facts=["3"])[0] == "abstained"
    drafted = "Missing incidents involving UASC in the council's care: 2. [1]\n" + note
    assert m.grade(answer=drafted, status="provided", has_evidence=True, key_facts=["2"])[0] == "correct"
    # A wrong figure only quoted in a note is not a wrong figure given as the answer …
    assert m.grade(answer=note, status="needs_review", has_evidence=True, key_facts=["9"], wrong_facts=["3"])[0] == "abstained"
    # … but one drafted without its label still is.
    wrong = "3 UASC went missing. [1]\n" + note
    assert m.grade(answer=wrong, status="needs_review", has_evidence=True, key_facts=["9"], wrong_facts=["3"])[0] == "confident_error"
    assert m.stated_text(drafted) == "Missing incidents involving UASC in the council's care: 2. [1]"


# -- a figure stated as the answer to the question asked, not by chance -------------------------------------------
# The demo council's real request lcc-uasc-nts-2021, as the person who split it read it (human_split).
UASC_NTS = [
    ("1", "The number of unaccompanied asylum seeker children (UASCs) in the care of the council;", []),
    ("2", "The number of UASCs who have left the council's care via the National Transfer Scheme to",
     [("a", "local authorities within England,"), ("b", "local authorities in Scotland or"), ("c", "local authorities in Wales")]),
    ("3", "The number of UASCs currently residing in", [("a", "in-area placements or"), ("b", "out-ofarea placements;")]),
    ("4", "The number of incidents of child criminal exploitation, involving UASCs in the care of the council;", []),
    ("5", "The number of missing incidents involving UASCs in the care of the council;", []),
]
# Lines of the naive baseline's one draft for that whole request (real drafts).
NAIVE_UASC = (
    "The council has not referred any UASC out of its care through the National Transfer Scheme. [1]\n"
    "0. [4]\n"
    "This information is exempt under section 21 of the Freedom of Information Act because it is reasonably accessible by "
    "other means. Ofsted publishes data on every registered children's home in England, including the local authority "
    "area, the type of provider (private, voluntary or local authority) and the number of places. [5]\n"
    "136 young people in total. By status: 109 looked-after children (including UASC); 10 children in need (CiN); 2 Team "
    "Around the Child (TAC); 5 Early Help; 10 Future4Me (F4M); 0 care leavers. [7]"
)


def _shared(number: str) -> m.Asked:
    """The question as graded against one draft that serves the whole request."""
    return m.asked_for(number, UASC_NTS, lambda n: "the one draft")


@pytest.mark.parametrize(
    ("fact", "expected"), [("0", True), ("21", True), ("£1,011,455", True), ("58.09%", True), ("None", True), ("2018: 21", False), ("37 vacancies", False), ("section 12(1)", False)]
)
def test_a_figure_only_fact_is_a_bare_number_or_none(fact: str, expected: bool) -> None:
    assert m.figure_only(fact) is expected


def test_asked_for_reads_a_part_with_its_head_and_whether_the_draft_is_shared() -> None:
    asked = m.asked_for("3b", UASC_NTS, lambda n: n[:1])
    assert asked.text == "The number of UASCs currently residing in\nout-ofarea placements;"
    assert len(asked.others) == 4 and asked.own_draft  # the draft for 3 serves its parts, no other question
    assert not _shared("3b").own_draft
    assert not m.asked_for("6", UASC_NTS, lambda n: None).own_draft and m.asked_for("6", UASC_NTS, lambda n: None).text == ""


def test_a_bare_figure_in_an_unrelated_sentence_is_not_stated() -> None:
    """lcc-uasc-nts-2021: the naive draft was graded correct on q3b ('21'), q4 ('0') and q5 ('2') by numbers that
    answer something else: a section number, a 'Team Around the Child' count, '0 care leavers', a bare '0.' with no
    words, and the transfer-scheme sentence, which answers question 2 (it names the UASC of q4, but q2 more fully)."""
    assert m.fact_present("2", NAIVE_UASC) and m.fact_present("21", NAIVE_UASC) and m.fact_present("0", NAIVE_UASC)  # anywhere
    assert not m.fact_present("2", NAIVE_UASC, _shared("5"))
    assert not m.fact_present("21", NAIVE_UASC, _shared("3b"))
    assert not m.fact_present("0", NAIVE_UASC, _shared("4"))
    assert m.grade(answer=NAIVE_UASC, status="provided", has_evidence=True, key_facts=["2"], asked=_shared("5"))[0] == "confident_error"
    # a day of a date counts nothing (lcc-cce-young-males-2025 q8, key fact '31')
    cce = ("Fewer than 5 UASC in the council's care were the subject of a CE Screening Tool raising concerns of criminal "
           "exploitation in the 12 months to 31 August 2025. [2]")
    boys = m.Asked("How many boys were believed to be victims of criminal exploitation?",
                   ("How many adults under the age of 25 were believed to be victims of criminal exploitation?",), own_draft=False)
    assert m.fact_present("31", cce) and not m.fact_present("31", cce, boys)
    # ... but a count before "may" is still a count
    assert m.fact_present("5", "Fewer than 5 UASC may be identified as victims of criminal exploitation. [1]", boys)


def test_the_same_figure_in_the_sentence_answering_the_question_is_stated() -> None:
    answered = NAIVE_UASC + "\n2 missing incidents have involved UASC in the council's care. [8]"
    assert m.fact_present("2", answered, _shared("5"))
    assert m.grade(answer=answered, status="provided", has_evidence=True, key_facts=["2"], asked=_shared("5"))[0] == "correct"
    # the transfer-scheme sentence states 0 for each part of question 2 (the extractive draft for 2, and the naive one)
    extractive = "From 1 January 2018 to 30 June 2023: The council has not referred any UASC out of its care through the National Transfer Scheme. [1]"
    assert m.fact_present("0", extractive, m.asked_for("2a", UASC_NTS, lambda n: n[:1]))
    assert m.fact_present("0", NAIVE_UASC, _shared("2c"))
    # a draft made for the question alone, stating few figures, states them as its answer (nm-weekly-vs-annual-costs q2)
    own = "What was the average annual cost in 2022/23 of a placement in an independent registered children's home? [1] In 2022/23: £255,933.42. [1]"
    cost = m.Asked("What was the average annual cost in 2022/23 of a placement in an independent registered children's home?")
    assert m.fact_present("£255,933.42", own, cost)
    assert m.fact_present("£255,933.42", "£255,933.42. [5]", cost)
    assert not m.fact_present("£255,933.42", "£255,933.42. [5]", m.Asked(cost.text, ("What is the highest weekly cost?",), own_draft=False))


def test_a_bare_zero_under_its_past_question_is_stated() -> None:
    """A note for the officer that introduces the answer below with the past question it answered ties a bare '0.' to
    that question; a part heading ends its reach, and a bare '0.' with no words answers nothing in a shared draft."""
    note = (
        "Note for the officer: the answer below was given to a differently worded question (question 4 of 14 May 2021, "
        "source 1): “How many incidents of criminal exploitation involved unaccompanied asylum-seeking children in the "
        "council's care?”. Check that it answers what is asked before using it."
    )
    asked = _shared("4")  # lcc-uasc-nts-2021 q4, graded against one draft for the whole request
    assert m.fact_present("0", f"{note}\n0. [1]", asked)
    assert not m.fact_present("0", "0. [1]", asked)
    assert not m.fact_present("0", f"{note}\n(b)\n0. [1]", asked)
    assert m.fact_present("0", f"{note}\n0. [1]", m.Asked(asked.text))  # the question's own draft


def test_a_multi_figure_table_row_states_the_figures_of_the_measure_it_names() -> None:
    """A row read with its headers (mp-front-door-years, lcc-mash-strategy-meetings-2024) states each of its figures
    for a question on what it names, not for a question on something else."""
    row = (
        "Strategy meetings held, and children who were the subject of one, by year to 31 March — 2020/21: Strategy "
        "meetings: 1,958; Children: 1,662. [2]"
    )
    children = m.Asked("The number of children who have been the subject of a strategy meeting", ("Are staff from the different agencies co-located?",), own_draft=False)
    referrals = m.Asked("How many referrals were accepted by children's social care?", ("How many strategy meetings were held?",), own_draft=False)
    assert m.fact_present("1,662", row, children) and m.fact_present("1,958", row, children)
    assert not m.fact_present("1,958", row, referrals)
    table = (
        "Strategy meetings held, and children who were the subject of a strategy meeting, by year to 31 March:\n"
        "| Year | Strategy meetings | Children |\n|---|---|---|\n| 2007/08 | 552 | 523 |\n| 2016/17 | 2,395 | 2,071 |"
    )
    meetings = m.asked_for("5a", [("3", "Are staff from the different agencies co-located?", []), ("5", "For each year ending 31st March from 1st April 2007 to 2023 please provide:", [("a", "The number of strategy meetings held"), ("b", "The number of children who have been the subject of a strategy meeting")])], lambda n: "one")
    assert all(m.fact_present(f, table, meetings) for f in ("552", "2,395", "523"))
    assert not m.fact_present("2007", table, meetings)  # a period is no figure
    assert not m.fact_present("552", table, referrals)
