"""End to end with the real index: a question the corpus answers only for an older period goes to the service,
its returned .xlsx is attached, and the redrafted answer states the new figure citing the return, passes every
check, and the flags the return answers are resolved with the reason."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest

from assistant.cases import CaseStore
from assistant.service.redraft import FAILING, accept, redraft
from assistant.service.requests import build_service_requests, email_text
from assistant.service.returns import read_return_file, return_passages

RECEIVED = date(2025, 5, 14)
REQUEST = (
    "1. How many FTE agency children's social workers were working for the council on 1 January 2025?\n"
    "2. What did the council spend on agency children's social workers in 2023/24?\n"
)
TITLE = "Service return — Children's Services, 2 June 2025"


def returned_workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "FOI 12500001"
    sheet.append(["Measure", "Period", "Figure"])
    sheet.append(["FTE agency children's social workers", datetime(2025, 1, 1), 55.5])
    sheet.append(["Spend on agency children's social workers (£)", "2023/24", 3120400])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.fixture
def case(tmp_path, corpus_drafter):
    store = CaseStore(tmp_path / "cases.db")
    case_id = store.create_case(REQUEST, reference="12500001", received=RECEIVED, today=date(2025, 5, 15))
    drafts = list(corpus_drafter.draft_request(REQUEST, received=RECEIVED))
    store.save_drafts(case_id, drafts, user="amy")
    return store, case_id, drafts


def test_older_period_to_service_request_to_return_to_checked_redraft(case, corpus_drafter):
    store, case_id, drafts = case
    # the corpus holds these figures only for older periods (1 January 2022; 2019/20 to 2021/22)
    assert "1 January 2022" in drafts[0].answer and "2023/24" not in drafts[1].answer

    # 1. the service request names the period asked, with the last answer as the template
    [request] = build_service_requests("12500001", drafts, sent_on=date(2025, 5, 15), received=RECEIVED)
    assert request.area == "Children's Services"
    by_number = {q.number: q for q in request.questions}
    assert by_number["1"].period == "on 1 January 2025" and by_number["2"].period == "2023/24"
    assert "52.0 FTE agency children's social workers" in by_number["1"].last_answer
    assert "£2,740,115" in by_number["2"].last_answer
    text = email_text(request)
    assert "Period asked: 2023/24" in text and "Please send us the figures" in text
    rid = store.record_service_request(case_id, area=request.area, questions=[vars(q) for q in request.questions],
                                       sent_on=request.sent_on, due=request.due, user="amy", recipient="cs.performance@example.gov.uk")
    assert [r.id for r in store.outstanding_service_requests()] == [rid]

    # 2. meanwhile the officer types in a figure from a phone call: flagged, as nothing supports it yet
    typed = "55.5 FTE agency children's social workers were working for the council on 1 January 2025."
    current = store.get_case(case_id).draft("1")
    rechecked = corpus_drafter.recheck(current, typed, received=RECEIVED)
    kinds = {f.kind for f in rechecked.flags}
    assert {"unsupported", "figure_not_in_source"} <= kinds
    store.update_answer(case_id, "1", typed, "amy")
    store.update_checks(case_id, "1", rechecked.citations, rechecked.flags)

    # 3. the service returns a spreadsheet; it is stored with the case and answers the request
    ret = read_return_file("FOI 12500001 figures.xlsx", returned_workbook(), area="Children's Services", received=date(2025, 6, 2))
    store.add_service_return(case_id, area=ret.area, received=ret.received, text=ret.text, items=ret.items,
                             user="amy", source_name=ret.source_name, request_id=rid)
    assert store.outstanding_service_requests() == []
    passages = return_passages(store.service_returns(case_id), case_id)
    assert [p.unit.title for p in passages] == [TITLE, TITLE]

    # 4. question 1: the past sentence frame with the new figure (one figure, one date: unambiguous)
    stored = store.get_case(case_id)
    one = redraft(corpus_drafter, stored.draft("1"), passages, received=RECEIVED, period=by_number["1"].period)
    assert one is not None and one.mode == "frame"
    assert one.new_answer.startswith("55.5 FTE agency children's social workers were working for the council on 1 January 2025.")
    assert [c.title for c in one.draft.citations] == [TITLE]
    assert "55.5" in one.draft.citations[0].quote
    assert one.passes_checks and not [f for f in one.draft.flags if f.kind in FAILING]
    assert one.draft.status.value == "provided"
    resolved = {r.kind: r.reason for r in one.resolved}
    assert {"unsupported", "figure_not_in_source"} <= set(resolved)
    assert all(TITLE in reason for reason in resolved.values())

    # 5. question 2: the past answer has several figures, so the return's figure is stated as it stands
    two = redraft(corpus_drafter, stored.draft("2"), passages, received=RECEIVED, period=by_number["2"].period)
    assert two is not None and two.mode == "as_stated"
    assert "2023/24" in two.new_answer and "3,120,400" in two.new_answer and "2,740,115" not in two.new_answer
    assert two.passes_checks and [c.title for c in two.draft.citations] == [TITLE]
    assert "-Spend on agency children's social workers: 2019/20" in two.diff and "+Figures from Children's Services" in two.diff

    # 6. accepting makes a new version; the resolutions are recorded with who and why; the return stays cited
    before = store.get_case(case_id).meta["1"].version
    accept(store, case_id, one, "amy")
    after = store.get_case(case_id)
    assert after.meta["1"].version == before + 1
    assert after.draft("1").answer == one.new_answer
    assert any(p.unit.title == TITLE for p in after.draft("1").passages)
    history = store.history(case_id, "1")
    assert {e.old for e in history if e.field == "flag_resolved"} >= {"unsupported", "figure_not_in_source"}
    assert all(e.user == "amy" and TITLE in e.new for e in history if e.field == "flag_resolved")
    # a later re-check of the accepted answer still finds the return among its sources
    again = corpus_drafter.recheck(after.draft("1"), after.draft("1").answer, received=RECEIVED)
    assert not [f for f in again.flags if f.kind in FAILING]
