"""End to end with the real index: a question the corpus answers only for an older period goes to the service,
its returned .xlsx is attached, and the redrafted answer states the new figure citing the return, passes every
check, and the flags the return answers are resolved with the reason."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest

from assistant.cases import CaseStore
from assistant.readers import ReadError
from assistant.service import casework
from assistant.service.redraft import FAILING
from assistant.service.requests import email_text

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
    case_id = store.create_case(REQUEST, reference="12500001", received=RECEIVED, today=date(2025, 5, 15), created_by="amy")
    drafts = list(corpus_drafter.draft_request(REQUEST, received=RECEIVED))
    store.save_drafts(case_id, drafts, user="amy")
    return store, case_id, drafts


def test_older_period_to_service_request_to_return_to_checked_redraft(case, corpus_drafter, foi_settings):
    store, case_id, drafts = case
    # the corpus holds these figures only for older periods: the verdict says so and the officer must update them
    for d in drafts:
        assert d.status.value == "needs_review" and any(f.kind == "other_period" for f in d.flags)

    # 1. the service request names the period asked, with the last answer to the same question as the template
    [request] = casework.prepare(store, foi_settings, case_id, sent_on=date(2025, 5, 15))
    assert request.area == "Children's Services"
    assert request.due == date(2025, 5, 30) and request.requester_due == date(2025, 6, 12)
    by_number = {q.number: q for q in request.questions}
    assert by_number["1"].period == "at 1 January 2025" and by_number["2"].period == "2023/24"
    assert by_number["1"].last_answer.startswith("52.0 FTE agency children's social workers were working for the council on 1 January 2022")
    assert "£2,740,115" in by_number["2"].last_answer
    text = email_text(request)
    assert "Period asked: 2023/24" in text and "Please send us the figures" in text
    request.recipient = "cs.performance@example.gov.uk"  # the officer edits the recipient
    rid = casework.record_sent(store, case_id, request, "amy")
    assert [(r.id, r.recipient) for r in store.outstanding_service_requests()] == [(rid, "cs.performance@example.gov.uk")]

    # 2. meanwhile the officer types in a figure from a phone call: flagged, as nothing supports it yet
    typed = "55.5 FTE agency children's social workers were working for the council on 1 January 2025."
    current = store.get_case(case_id).draft("1")
    rechecked = corpus_drafter.recheck(current, typed, received=RECEIVED)
    assert {"unsupported", "figure_not_in_source"} <= {f.kind for f in rechecked.flags}
    store.update_answer(case_id, "1", typed, "amy", expected_version=1, citations=rechecked.citations, flags=rechecked.flags)

    # 3. a damaged spreadsheet is refused and nothing is stored; the real one is kept with the case and answers
    #    the request
    with pytest.raises(ReadError, match="not an .xlsx spreadsheet"):
        casework.attach_return(store, foi_settings, case_id, area="Children's Services", received=date(2025, 6, 2),
                               user="amy", name="figures.xlsx", data=b"Measure,Period,Figure\n")
    assert store.service_returns(case_id) == [] and store.outstanding_service_requests() != []
    casework.attach_return(store, foi_settings, case_id, area="Children's Services", received=date(2025, 6, 2),
                           user="amy", name="FOI 12500001 figures.xlsx", data=returned_workbook())
    assert store.outstanding_service_requests() == []
    assert [p.unit.title for p in casework.case_return_passages(store, case_id)] == [TITLE, TITLE]

    # 4. redrafts, one per question the return answers
    proposals = {p.number: p for p in casework.redraft_case(corpus_drafter, store, case_id)}
    assert set(proposals) == {"1", "2"}
    one, two = proposals["1"], proposals["2"]
    # question 1: the past sentence frame with the new figure (one figure, one date: unambiguous)
    assert one.mode == "frame"
    assert one.new_answer.startswith("55.5 FTE agency children's social workers were working for the council on 1 January 2025.")
    assert [c.title for c in one.draft.citations] == [TITLE]
    assert "55.5" in one.draft.citations[0].quote
    assert one.passes_checks and not [f for f in one.draft.flags if f.kind in FAILING]
    assert one.draft.status.value == "provided"
    resolved = {r.kind: r.reason for r in one.resolved}
    assert {"unsupported", "figure_not_in_source"} <= set(resolved)
    assert all(TITLE in reason for reason in resolved.values())
    # question 2: the past answer has several figures, so the return's figure is stated as it stands
    assert two.mode == "as_stated"
    assert "2023/24" in two.new_answer and "3,120,400" in two.new_answer and "2,116,480" not in two.new_answer
    assert two.passes_checks and [c.title for c in two.draft.citations] == [TITLE]
    assert "other_period" in {r.kind for r in two.resolved}
    assert "+Figures from Children's Services" in two.diff and any(line.startswith("-") for line in two.diff.splitlines()[2:])

    # 5. accepting makes a new version; the resolutions are recorded with who and why; the return stays cited
    before = store.get_case(case_id).meta["1"].version
    casework.accept_redraft(store, case_id, one, "amy")
    after = store.get_case(case_id)
    assert after.meta["1"].version == before + 1
    assert after.draft("1").answer == one.new_answer
    assert any(p.unit.title == TITLE for p in after.draft("1").passages)
    # the resolutions went through the store's per-flag resolve action: the flags stay listed, each resolved
    # by amy with the reason naming the return, so the reviewer sees them greyed
    current = after.draft("1")
    for kind in ("unsupported", "figure_not_in_source"):
        flag = next(f for f in current.flags if f.kind == kind)
        resolution = after.resolution("1", flag)
        assert resolution is not None and resolution.user == "amy" and TITLE in resolution.reason and resolution.at
    assert all(after.resolution("1", f) is None for f in current.flags if f.kind not in {r.kind for r in one.resolved})
    assert any(TITLE in a.what for a in store.activity(case_id) if "resolved a flag on question 1" in a.what)
    # a later re-check of the accepted answer still finds the return among its sources
    again = corpus_drafter.recheck(after.draft("1"), after.draft("1").answer, received=RECEIVED)
    assert not [f for f in again.flags if f.kind in FAILING]


def test_regenerate_cites_the_return_and_resolves_the_flags_it_answers(case, corpus_drafter, foi_settings):
    """Regenerate (the normal redraft of one answer) uses the case's returns as sources beside the corpus."""
    store, case_id, drafts = case
    # before any return, regenerating drafts from the corpus alone: still the older period, for the officer
    before, resolved = casework.regenerate(corpus_drafter, store, case_id, "2")
    assert resolved == [] and any(f.kind == "other_period" for f in before.flags)
    assert not any(p.unit.title == TITLE for p in before.passages)

    casework.attach_return(store, foi_settings, case_id, area="Children's Services", received=date(2025, 6, 2),
                           user="amy", name="figures.xlsx", data=returned_workbook())
    old_flags = store.get_case(case_id).draft("2").flags
    new, resolved = casework.regenerate(corpus_drafter, store, case_id, "2")
    assert "3,120,400" in new.answer and "2023/24" in new.answer
    assert [c.title for c in new.citations] == [TITLE] and "3,120,400" in new.citations[0].quote
    checked = corpus_drafter.recheck(new, new.answer, received=RECEIVED)  # the return is among its sources
    assert not [f for f in checked.flags if f.kind in FAILING]
    assert {r.kind for r in resolved} >= {"other_period"} and all(TITLE in r.reason for r in resolved)
    assert {(r.kind, r.message) for r in resolved} <= {(f.kind, f.message) for f in old_flags}

    version = store.get_case(case_id).meta["2"].version
    assert casework.save_regenerated(store, case_id, new, resolved, "amy", expected_version=version)
    after = store.get_case(case_id)
    assert after.meta["2"].version == version + 1 and after.draft("2").answer == new.answer
    for r in resolved:
        flag = next(f for f in after.draft("2").flags if (f.kind, f.message) == (r.kind, r.message))
        assert after.resolution("2", flag).reason == r.reason and after.resolution("2", flag).user == "amy"

    # an officer's edit citing the return is re-checked against it: the figure is supported
    edited = "The council spent £3,120,400 on agency children's social workers in 2023/24. [1]"
    again = corpus_drafter.recheck(after.draft("2"), edited.replace("[1]", f"[{next(i for i, p in enumerate(after.draft('2').passages, 1) if p.unit.title == TITLE and '3120400' in p.unit.text.replace(',', ''))}]"), received=RECEIVED)
    assert not {"unsupported", "figure_not_in_source"} & {f.kind for f in again.flags}
