"""The case store keeps every draft, edit and review in SQLite, and survives being reopened."""
from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone

import pytest

from assistant.cases import MIGRATIONS, SCHEMA_VERSION, CaseStore
from assistant.models import Citation, DocType, Draft, Flag, Passage, Question, Status, Unit

REQUEST = "1. How many children were in care on 31 March 2024?\n2. How many foster carers does the council have?"


def make_draft(number: str, answer: str, *, status: Status = Status.PROVIDED) -> Draft:
    unit = Unit(
        id=f"u{number}",
        doc_id="2024-9716254-missing-children-in-care",
        doc_type=DocType.DECISION,
        title="Missing children in care",
        text="There were 712 children in care on 31 March 2024, of whom 40 were placed out of county.",
        source_path="/corpus/decisions/x.md",
        reference="FOI 9716254",
        received=date(2024, 4, 2),
        decided=date(2024, 4, 20),
        question_numbers=("1",),
        extra={"published": date(2024, 5, 1), "exemptions": ["s40(2)"]},
    )
    return Draft(
        question=Question(number=number, text=f"Question {number}", parts=[("a", "part a")]),
        answer=answer,
        status=status,
        exemptions=["s40(2)"] if status == Status.EXEMPT else [],
        citations=[
            Citation(1, unit.id, unit.doc_id, unit.title, unit.reference, "2024-04-20", "712 children in care on 31 March 2024")
        ],
        flags=[Flag("stale", "The source is more than a year old.")],
        engine="extractive",
        passages=[Passage(unit=unit, score=0.03, rank=1, similarity=0.71)],
        status_reason="answered from a past decision",
    )


@pytest.fixture
def store(tmp_path):
    return CaseStore(tmp_path / "cases.sqlite3")


def new_case(store: CaseStore) -> int:
    return store.create_case(
        REQUEST, reference="FOI 1001", received=date(2025, 3, 3), requester="A. Requester", created_by="officer"
    )


def test_create_and_get_case_round_trips_drafts(store):
    case_id = new_case(store)
    store.save_drafts(case_id, [make_draft("1", "There were 712 children in care [1]."), make_draft("2", "Not held.")], "officer")

    case = store.get_case(case_id)
    assert (case.reference, case.received, case.requester, case.created_by) == ("FOI 1001", date(2025, 3, 3), "A. Requester", "officer")
    assert [d.question.number for d in case.drafts] == ["1", "2"]
    first = case.draft("1")
    assert first.answer == "There were 712 children in care [1]."
    assert first.question.parts == [("a", "part a")]
    assert first.citations[0].quote == "712 children in care on 31 March 2024"
    assert first.flags[0].kind == "stale"
    assert first.status_reason == "answered from a past decision"
    unit = first.passages[0].unit
    assert unit.doc_type is DocType.DECISION and unit.decided == date(2024, 4, 20)
    assert unit.extra["published"] == date(2024, 5, 1)
    assert first.passages[0].similarity == pytest.approx(0.71)
    assert case.meta["1"].version == 1 and case.meta["1"].updated_by == "officer"


def test_edit_survives_reopening_the_file(tmp_path):
    path = tmp_path / "cases.sqlite3"
    first = CaseStore(path)
    case_id = new_case(first)
    first.save_drafts(case_id, [make_draft("1", "Draft answer [1].")], "officer")
    assert first.update_answer(case_id, "1", "Edited by the officer [1].", "alice") is True
    first.update_status(case_id, "1", "partly_provided", "alice")
    first.update_exemptions(case_id, "1", ["s40(2)", "s40(2)", " s21 "], "alice")
    del first

    reopened = CaseStore(path)
    draft = reopened.get_case(case_id).draft("1")
    assert draft.answer == "Edited by the officer [1]."
    assert draft.status is Status.PARTLY_PROVIDED
    assert draft.exemptions == ["s40(2)", "s21"]
    assert reopened.get_case(case_id).meta["1"].version == 4


def test_history_records_old_and_new_values_with_user_and_time(store):
    case_id = new_case(store)
    store.save_drafts(case_id, [make_draft("1", "First.")], "officer")
    assert store.update_answer(case_id, "1", "First.", "alice") is False  # unchanged: no history row
    store.update_answer(case_id, "1", "Second.", "alice")
    store.update_answer(case_id, "1", "Third.", "bob")
    store.replace_draft(case_id, make_draft("1", "Regenerated."), "bob", reason="regenerated")

    edits = store.history(case_id)
    assert [(e.field, e.old, e.new, e.user) for e in edits] == [
        ("answer", "First.", "Second.", "alice"),
        ("answer", "Second.", "Third.", "bob"),
        ("regenerated", "Third.", "Regenerated.", "bob"),
    ]
    now = datetime.now(timezone.utc)
    assert all(abs((now - datetime.fromisoformat(e.at)).total_seconds()) < 60 for e in edits)
    assert store.history(case_id, "2") == []


def test_review_records_decision_and_is_voided_by_a_later_edit(store):
    case_id = new_case(store)
    store.save_drafts(case_id, [make_draft("1", "One."), make_draft("2", "Two.")], "officer")
    assert store.get_case(case_id).status == "drafted"

    review = store.review(case_id, "1", "approved", "", "rita")
    assert (review.decision, review.user, review.version) == ("approved", "rita", 1)
    case = store.get_case(case_id)
    assert case.review_state("1") == "approved" and case.status == "in review"

    store.review(case_id, "2", "returned", "Cite the 2024 figures.", "rita")
    assert store.get_case(case_id).status == "returned"
    store.update_answer(case_id, "2", "Two, with 2024 figures.", "alice")
    store.review(case_id, "2", "approved", "Fine now.", "rita")
    assert store.get_case(case_id).status == "approved"

    assert store.list_cases()[0].status == "approved"
    store.update_answer(case_id, "1", "One, changed after approval.", "alice")
    case = store.get_case(case_id)
    assert case.review_state("1") == "pending"
    assert case.status == "in review" == store.list_cases()[0].status
    assert [(r.number, r.decision, r.comment) for r in case.reviews] == [
        ("1", "approved", ""),
        ("2", "returned", "Cite the 2024 figures."),
        ("2", "approved", "Fine now."),
    ]


def test_list_cases_computes_deadline_and_status(store):
    overdue = store.create_case(REQUEST, reference="FOI OLD", received=date(2025, 1, 6), today=date(2025, 3, 3))
    fresh = store.create_case(REQUEST, reference="FOI NEW", received=date(2025, 3, 3), today=date(2025, 3, 3))
    rows = {r.reference: r for r in store.list_cases(today=date(2025, 3, 3))}
    assert rows["FOI OLD"].overdue and rows["FOI OLD"].days_remaining < 0
    assert rows["FOI OLD"].due == date(2025, 2, 3)  # 20 working days after Monday 6 January 2025
    assert not rows["FOI NEW"].overdue and rows["FOI NEW"].days_remaining == 20
    assert rows["FOI NEW"].due == date(2025, 4, 1)  # St Patrick's Day (17 March) is a UK bank holiday
    assert rows["FOI NEW"].status == "new"
    assert [r.id for r in store.list_cases(today=date(2025, 3, 3))] == [overdue, fresh]


def test_extension_and_clarification_move_the_due_date(store):
    case_id = store.create_case(REQUEST, received=date(2025, 3, 3), today=date(2025, 3, 3))
    assert store.get_case(case_id).reference == f"Case {case_id}"
    store.update_case(case_id, "alice", clarified=date(2025, 3, 10), extension_days=5)
    case = store.get_case(case_id)
    assert case.deadline(date(2025, 3, 10)).due == date(2025, 4, 15)  # 25 working days from the clarification
    assert [e.field for e in store.history(case_id)] == ["case.clarified", "case.extension_days"]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda s: s.create_case("   "), "request is empty"),
        (lambda s: s.create_case(REQUEST, engine="gpt"), "Unknown engine"),
        (lambda s: s.create_case(REQUEST, received="next week"), "not a date"),
        (lambda s: s.create_case(REQUEST, received=date(2999, 1, 1)), "in the future"),
        (lambda s: s.get_case(999), "No case with id 999"),
        (lambda s: [new_case(s), new_case(s)], "reference 'FOI 1001' already exists"),
        (lambda s: s.get_case("abc"), "not a case id"),
        (lambda s: s.update_answer(999, "1", "x", "alice"), "No case with id 999"),
        (lambda s: s.history(999), "No case with id 999"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(store, call, message):
    with pytest.raises(ValueError, match=message):
        call(store)


def test_bad_draft_operations_are_refused(store):
    case_id = new_case(store)
    store.save_drafts(case_id, [make_draft("1", "One.")], "officer")
    with pytest.raises(ValueError, match="has no question 7"):
        store.update_answer(case_id, "7", "x", "alice")
    with pytest.raises(ValueError, match="Unknown status"):
        store.update_status(case_id, "1", "maybe", "alice")
    with pytest.raises(ValueError, match="'approved' or 'returned'"):
        store.review(case_id, "1", "ok", "", "rita")
    with pytest.raises(ValueError, match="comment is empty"):
        store.review(case_id, "1", "returned", "  ", "rita")
    assert store.history(case_id) == [] and store.reviews(case_id) == []


def test_opening_a_version_1_database_upgrades_it(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1, '2024-01-01T00:00:00+00:00')")
    conn.execute(
        "INSERT INTO cases (reference, received, requester, request_text, engine, created_by, created_at)"
        " VALUES ('FOI 42', '2024-06-03', 'R', '1. Old question?', 'extractive', 'officer', '2024-06-03T09:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO drafts (case_id, number, position, question_json, answer, status, updated_at)"
        " VALUES (1, '1', 0, '{\"number\": \"1\", \"text\": \"Old question?\"}', 'Old answer.', 'provided', '2024-06-04')"
    )
    conn.execute("INSERT INTO reviews (case_id, number, decision, comment, user, at) VALUES (1, '1', 'approved', '', 'rita', '2024-06-05')")
    conn.commit()
    conn.close()

    store = CaseStore(path)
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    case = store.get_case(1)
    assert case.reference == "FOI 42" and case.extension_days == 0 and case.clarified is None and case.exclude == []
    assert case.draft("1").answer == "Old answer."
    assert case.reviews[0].version == 0 and case.review_state("1") == "pending"  # an unversioned approval is not trusted
    store.update_case(1, "alice", extension_days=10)
    assert CaseStore(path).get_case(1).extension_days == 10
    with sqlite3.connect(path) as check:
        assert [r[0] for r in check.execute("SELECT version FROM schema_version ORDER BY version")] == list(range(1, SCHEMA_VERSION + 1))
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    CaseStore(path)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, '2030-01-01')")
    with pytest.raises(ValueError, match="newer than this program knows"):
        CaseStore(path)
