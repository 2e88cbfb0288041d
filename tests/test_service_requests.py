"""The request to the service: which questions go, grouped by area, with period, breakdown, due date and template."""
from __future__ import annotations

from datetime import date

import pytest

from assistant.cases import CaseStore
from assistant.drafting.analysis import analyse_question
from assistant.models import DocType, Draft, Flag, Passage, Question, Status, Unit
from assistant.service.requests import (
    breakdown_asked,
    build_service_requests,
    email_text,
    needs_service,
    period_asked,
    service_reason,
    write_docx,
)

RECEIVED = date(2025, 5, 14)


def past(answer: str, title: str, decided: date, similarity: float, reference: str = "") -> Passage:
    unit = Unit(
        id=f"u-{title}-{decided}", doc_id=title.lower().replace(" ", "-"), doc_type=DocType.DECISION, title=title,
        text=answer, source_path="x.md", reference=reference, decided=decided, question="q", answer=answer,
    )
    return Passage(unit, 0.5, 1, similarity=similarity)


def make_draft(number: str, text: str, status: Status, flags=(), passages=(), verdict: str | None = None) -> Draft:
    d = Draft(Question(number, text), "answer", status, flags=list(flags), passages=list(passages))
    if verdict is not None:
        d.verdict = verdict  # what the drafting stage's verdicts will carry
    return d


AGENCY_2022 = past("Spend on agency children's social workers: 2019/20 £2,116,480; 2020/21 £2,574,903.", "Agency children's social workers", date(2022, 1, 20), 0.82, "69772")
AGENCY_2019 = past("Spend on agency social workers in 2018/19 was £1,900,000.", "Agency staff 2019", date(2019, 6, 1), 0.80)
EHCP = past("There were 6,020 EHCPs maintained in January 2024.", "SEND and EHCPs", date(2024, 2, 1), 0.7, "77001")


def case_drafts() -> list[Draft]:
    return [
        make_draft("1", "How much did the council spend on agency children's social workers in 2023/24, broken down by team?",
                   Status.PROVIDED, [Flag("stale_source", "Source [1] is a reply of 20 January 2022")], [AGENCY_2022, AGENCY_2019]),
        make_draft("2", "What is the MACE panel's terms of reference?", Status.PROVIDED, [], []),
        make_draft("3", "How many EHCPs did the council maintain as at 13.05.2025?", Status.NEEDS_REVIEW,
                   [], [EHCP], verdict="other_period"),
        make_draft("4", "How many children were adopted in each of the last five years?", Status.NEEDS_REVIEW, [], []),
    ]


def test_which_questions_need_the_service():
    drafts = case_drafts()
    assert [needs_service(d) for d in drafts] == [True, False, True, True]
    assert "another period" in service_reason(drafts[0])
    answered = make_draft("5", "x", Status.NEEDS_REVIEW, verdict="answered")
    assert not needs_service(answered)  # a verdict, when present, decides


def test_period_and_breakdown_asked_come_from_the_question_analysis():
    q = Question("1", "How much did the council spend on agency social workers in 2023/24, broken down by team?")
    assert period_asked(q, RECEIVED) == analyse_question(q, RECEIVED).period.label == "2023/24"
    assert breakdown_asked(q, RECEIVED) == "by team"
    assert period_asked(Question("3", "How many EHCPs as at 13.05.2025?"), RECEIVED) == "at 13 May 2025"
    five = Question("4", "How many children were adopted in each of the last five years?")
    assert period_asked(five, RECEIVED) == "the 5 years to 14 May 2025" and breakdown_asked(five, RECEIVED) == "by year"
    assert breakdown_asked(Question("5", "How many children in care in 2024, by age and gender?"), RECEIVED) == "by age; by gender"
    assert period_asked(Question("6", "How many foster carers are there?"), RECEIVED) == (
        "not stated: current figures (as at 14 May 2025, when the request was received)")
    parts = Question("7", "How many EHCPs were issued in 2023?", parts=[("b", "and how many in 2024?")])
    assert period_asked(parts, RECEIVED) == "2023; part b): 2024"
    assert breakdown_asked(parts, RECEIVED) == "each part: b)"


def test_requests_grouped_by_area_with_due_date_and_last_answer(tmp_path):
    reqs = build_service_requests("12500001", case_drafts(), sent_on=date(2025, 5, 15), working_days=10, picked=["2"],
                                  received=RECEIVED, requester_due=date(2025, 6, 12))
    by_area = {r.area: r for r in reqs}
    # question 2 (picked by the officer) has no past reply to suggest an area from: the officer chooses one
    assert set(by_area) == {"Children's Services", "SEND and Inclusion", "Service area to be chosen"}
    assert [q.number for q in by_area["Service area to be chosen"].questions] == ["2"]
    assert by_area["Service area to be chosen"].questions[0].reason == "chosen by the officer"
    assert [q.number for q in by_area["SEND and Inclusion"].questions] == ["3"]
    children = by_area["Children's Services"]
    assert [q.number for q in children.questions] == ["1", "4"]
    assert children.due == date(2025, 5, 30)  # ten working days after 15 May 2025, skipping the 26 May bank holiday
    q1 = children.questions[0]
    assert q1.period == "2023/24" and q1.breakdown == "by team"
    assert q1.last_reference == "69772" and "£2,574,903" in q1.last_answer  # the newest of near-equal matches
    assert q1.last_date == "20 January 2022"
    # the officer moves question 4 to another area; left-out questions do not go
    edited = build_service_requests("12500001", case_drafts(), sent_on=date(2025, 5, 15), areas={"4": "Adoption Service"}, left_out=["3"])
    assert {r.area: [q.number for q in r.questions] for r in edited} == {"Children's Services": ["1"], "Adoption Service": ["4"]}

    text = email_text(children, council="Lincolnshire County Council", team="Information Governance Team", team_email="foi@x.gov.uk")
    assert "Question 1: How much did the council spend" in text
    assert "Period asked: 2023/24" in text and "Breakdown asked: by team" in text
    assert "by Friday 30 May 2025" in text and "reply to the requester by 12 June 2025" in text
    assert "Last answer given (ref 69772, 20 January 2022)" in text

    from docx import Document

    path = write_docx(children, tmp_path / "service-request.docx", council="Lincolnshire County Council", team="Information Governance Team")
    doc = Document(str(path))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Period asked: 2023/24" in body and "£2,574,903" in body and "Friday 30 May 2025" in body
    assert doc.core_properties.author == "Information Governance Team"


def test_the_case_records_what_was_sent_and_to_whom(tmp_path):
    store = CaseStore(tmp_path / "cases.db")
    case_id = store.create_case("1. How much was spent in 2023/24?", reference="12500001", received=RECEIVED, today=date(2025, 5, 15), created_by="amy")
    [req] = build_service_requests("12500001", case_drafts()[:1], sent_on=date(2025, 5, 15))
    questions = [vars(q) for q in req.questions]
    with pytest.raises(ValueError, match="Sign in"):
        store.record_service_request(case_id, area=req.area, questions=questions, sent_on=req.sent_on, due=req.due, user=" ")
    with pytest.raises(ValueError, match="due date"):
        store.record_service_request(case_id, area=req.area, questions=questions, sent_on=req.sent_on, due=date(2025, 5, 1), user="amy")
    rid = store.record_service_request(case_id, area=req.area, questions=questions, sent_on=req.sent_on, due=req.due,
                                       user="amy", recipient="cs.data@example.gov.uk")
    [sent] = CaseStore(tmp_path / "cases.db").service_requests(case_id)
    assert (sent.id, sent.area, sent.recipient, sent.sent_by, sent.numbers) == (rid, "Children's Services", "cs.data@example.gov.uk", "amy", ["1"])
    assert sent.case_reference == "12500001" and sent.due == date(2025, 5, 30)
    assert not sent.overdue(date(2025, 5, 30)) and sent.overdue(date(2025, 6, 2))
    assert [r.id for r in store.outstanding_service_requests()] == [rid]
    history = store.history(case_id)
    assert any(e.field == "service_request_sent" and "cs.data@example.gov.uk" in (e.new or "") and e.user == "amy" for e in history)
    # a return answers the request: it is no longer outstanding
    store.add_service_return(case_id, area=req.area, received=date(2025, 6, 2), text="x 3,120,400", items=["x 3,120,400"], user="amy", request_id=rid)
    assert store.outstanding_service_requests() == []
    with pytest.raises(ValueError, match="no service request"):
        store.add_service_return(case_id, area=req.area, received=date(2025, 6, 2), text="x", items=["x"], user="amy", request_id=999)
